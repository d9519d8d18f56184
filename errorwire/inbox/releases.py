"""The vendors' release APIs in the inbox: Rollbar deploys (and their status updates),
Bugsnag builds and session counts, Raygun deployments, at the vendors' own paths.

Each body is checked against schemas/release-apis.schema.json (what RELEASES.md
gathers from the vendors' documents); the answers are the vendors' documented ones.
Deploys and session counts live in two tables of the inbox's database.
"""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import jsonschema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from errorwire.inbox.details import version_of
from errorwire.inbox.store import Store

SCHEMA = Path(__file__).resolve().parent / "release-apis.schema.json"
"""A copy of tests/schemas/release-apis.schema.json (schemas/ holds the ingestion APIs)."""
TABLES = """
CREATE TABLE IF NOT EXISTS deploys (
    id INTEGER PRIMARY KEY,
    vendor TEXT NOT NULL,
    revision TEXT NOT NULL,
    environment TEXT,
    status TEXT,
    user TEXT,
    comment TEXT,
    received_at REAL NOT NULL,
    raw TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS session_counts (
    id INTEGER PRIMARY KEY,
    version TEXT,
    environment TEXT,
    minute TEXT NOT NULL,
    sessions INTEGER NOT NULL,
    received_at REAL NOT NULL
);
"""


@functools.cache
def _validator(kind: str) -> Any:
    whole = json.loads(SCHEMA.read_text(encoding="utf-8"))
    schema = {"$schema": whole["$schema"], "$defs": whole["$defs"], "$ref": f"#/$defs/{kind}"}
    return jsonschema.Draft202012Validator(schema)


def problems(kind: str, payload: Any) -> List[str]:
    return [
        f"{'/'.join(str(p) for p in err.path) or '<root>'}: {err.message[:200]}"
        for err in _validator(kind).iter_errors(payload)
    ]


class ReleaseLog:
    """Deploys and session counts, in the store's database (its connection and lock)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        with store._lock:
            store._db.executescript(TABLES)

    def add_deploy(self, vendor: str, fields: Dict[str, Any], raw: Dict[str, Any]) -> int:
        with self.store._lock:
            cursor = self.store._db.execute(
                "INSERT INTO deploys (vendor, revision, environment, status, user, comment,"
                " received_at, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    vendor,
                    str(fields.get("revision") or ""),
                    fields.get("environment"),
                    fields.get("status"),
                    fields.get("user"),
                    fields.get("comment"),
                    time.time(),
                    json.dumps(raw),
                ),
            )
            return int(cursor.lastrowid or 0)

    def update_deploy(self, deploy_id: int, status: str, comment: Optional[str]) -> bool:
        with self.store._lock:
            cursor = self.store._db.execute(
                "UPDATE deploys SET status = ?, comment = COALESCE(?, comment)"
                " WHERE id = ? AND vendor = 'rollbar'",
                (status, comment, deploy_id),
            )
            return cursor.rowcount > 0

    def add_sessions(
        self, version: Optional[str], environment: Optional[str], counts: List[Tuple[str, int]]
    ) -> None:
        now = time.time()
        with self.store._lock:
            self.store._db.executemany(
                "INSERT INTO session_counts (version, environment, minute, sessions,"
                " received_at) VALUES (?, ?, ?, ?, ?)",
                [(version, environment, minute, count, now) for minute, count in counts],
            )

    def deploys(self, limit: int = 100) -> List[Dict[str, Any]]:
        with self.store._lock:
            rows = self.store._db.execute(
                "SELECT id, vendor, revision, environment, status, user, comment, received_at"
                " FROM deploys ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [dict(row) for row in rows]

    def per_release(self) -> List[Dict[str, Any]]:
        """Per version: sessions counted, error reports received (from every vendor,
        by the version their payload carries), and their ratio."""
        with self.store._lock:
            sessions = self.store._db.execute(
                "SELECT version, SUM(sessions) AS sessions FROM session_counts GROUP BY version"
            ).fetchall()
            reports = self.store._db.execute("SELECT vendor, raw FROM reports").fetchall()
        errors: Dict[str, Dict[str, int]] = {}
        for row in reports:
            version = version_of(row["vendor"], json.loads(row["raw"]))
            if version:
                by_vendor = errors.setdefault(version, {})
                by_vendor[row["vendor"]] = by_vendor.get(row["vendor"], 0) + 1
        counted = {row["version"]: int(row["sessions"] or 0) for row in sessions}
        found = []
        for version in sorted(set(counted) | set(errors), key=str):
            # Each vendor received the same errors: the largest count is the app's.
            error_count = max(errors.get(version, {}).values(), default=0)
            session_count = counted.get(version, 0)
            rate = error_count / session_count if session_count else None
            found.append(
                {
                    "version": version,
                    "sessions": session_count,
                    "errors": error_count,
                    "error_rate": rate,
                }
            )
        return found


def errors_across_vendors(store: Store, deploys: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One row per grouping key, whichever vendors received it (errorwire sends them all
    the same key), with the deploy it was first seen after."""
    with store._lock:
        rows = store._db.execute(
            "SELECT grouping_key, MAX(title) AS title, GROUP_CONCAT(vendor) AS vendors,"
            " MAX(count) AS count, MIN(first_seen) AS first_seen, MAX(last_seen) AS last_seen,"
            " MAX(last_report_id) AS last_report_id"
            " FROM groups GROUP BY grouping_key ORDER BY last_seen DESC LIMIT 200"
        ).fetchall()
    oldest_first = sorted(deploys, key=lambda d: d["received_at"])
    found = []
    for row in rows:
        before = [d for d in oldest_first if d["received_at"] <= row["first_seen"]]
        found.append(
            {
                **dict(row),
                "vendors": sorted(set(str(row["vendors"]).split(","))),
                "after_deploy": before[-1] if before else None,
            }
        )
    return found


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


async def _checked(request: Request, kind: str) -> Tuple[Any, Optional[List[str]]]:
    payload = _json(await request.body())
    if not isinstance(payload, dict):
        return payload, ["the body is not a JSON object"]
    return payload, problems(kind, payload) or None


async def _rollbar_checked(request: Request, kind: str) -> Tuple[Any, Optional[Response]]:
    """The payload of a call to Rollbar's deploy API, or the answer Rollbar gives to a bad one."""
    if not request.headers.get("x-rollbar-access-token"):
        return None, JSONResponse({"err": 1, "message": "no access token"}, 401)
    payload, found = await _checked(request, kind)
    if found:
        return payload, JSONResponse({"err": 1, "message": "; ".join(found)}, 400)
    return payload, None


def routes(log: ReleaseLog) -> List[Route]:
    async def rollbar_deploy(request: Request) -> Response:
        payload, refused = await _rollbar_checked(request, "rollbar-deploy")
        if refused is not None:
            return refused
        fields = {**payload, "user": payload.get("local_username")}
        return JSONResponse({"data": {"deploy_id": log.add_deploy("rollbar", fields, payload)}})

    async def rollbar_update(request: Request) -> Response:
        payload, refused = await _rollbar_checked(request, "rollbar-deploy-update")
        if refused is not None:
            return refused
        deploy_id = str(request.path_params["deploy_id"])
        known = deploy_id.isdigit() and log.update_deploy(
            int(deploy_id), payload["status"], payload.get("comment")
        )
        if not known:
            return JSONResponse({"err": 1, "message": "no such deploy"}, 404)
        return JSONResponse({"err": 0, "result": {"id": int(deploy_id), **payload}})

    async def bugsnag_build(request: Request) -> Response:
        payload, found = await _checked(request, "bugsnag-build")
        if found:
            return JSONResponse({"errors": found}, 400)
        fields = {
            "revision": payload["appVersion"],
            "environment": payload.get("releaseStage"),
            "status": "succeeded",
            "user": payload.get("builderName"),
            "comment": (payload.get("metadata") or {}).get("comment"),
        }
        log.add_deploy("bugsnag", fields, payload)
        return JSONResponse({"status": "ok", "warnings": []})

    async def bugsnag_sessions(request: Request) -> Response:
        if not request.headers.get("bugsnag-api-key"):
            return JSONResponse({"errors": ["no Bugsnag-Api-Key header"]}, 401)
        payload, found = await _checked(request, "bugsnag-sessions")
        if found:
            return JSONResponse({"errors": found}, 400)
        app = payload.get("app") or {}
        counts = [(c["startedAt"], int(c["sessionsStarted"])) for c in payload["sessionCounts"]]
        log.add_sessions(app.get("version"), app.get("releaseStage"), counts)
        return JSONResponse({}, 202)

    async def raygun_deployment(request: Request) -> Response:
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return JSONResponse({"title": "Unauthorized", "status": 401}, 401)
        payload, found = await _checked(request, "raygun-deployment")
        if found:
            return JSONResponse(
                {"title": "Validation failed", "status": 422, "errors": {"body": found}}, 422
            )
        fields = {
            "revision": payload["version"],
            "status": "succeeded",
            "user": payload.get("ownerName"),
            "comment": payload.get("comment"),
        }
        deploy_id = log.add_deploy("raygun", fields, payload)
        return JSONResponse(
            {
                "identifier": str(deploy_id),
                "applicationIdentifier": "inbox",
                "version": payload["version"],
            },
            201,
        )

    def both(path: str, handler: Any, methods: List[str]) -> List[Route]:
        return [Route(path, handler, methods=methods), Route(path + "/", handler, methods=methods)]

    return [
        *both("/api/1/deploy", rollbar_deploy, ["POST"]),
        Route("/api/1/deploy/{deploy_id}", rollbar_update, methods=["PATCH"]),
        *both("/build", bugsnag_build, ["POST"]),
        *both("/sessions", bugsnag_sessions, ["POST"]),
        Route(
            "/v3/applications/api-key/{api_key}/deployments", raygun_deployment, methods=["POST"]
        ),
    ]
