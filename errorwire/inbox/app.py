"""The inbox's Starlette app: the three vendors' ingestion endpoints, the pages, a JSON API.

Each ingestion endpoint answers as its vendor's document says: the success
code and body, then, checked in this order, 413 over 128 KiB, 400 for a body
that is not JSON, 401/403 for a missing key, 422 (with the problems) for a
payload that breaks the vendor schema. Every answer is JSON.
"""

from __future__ import annotations

import collections
import json
import time
import uuid
from typing import Any, Deque, Dict, Optional, Tuple
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from errorwire.inbox import normalize, pages, release_view, validate
from errorwire.inbox.guard import Guard
from errorwire.inbox.releases import ReleaseLog
from errorwire.inbox.releases import routes as release_routes
from errorwire.inbox.store import Store
from errorwire.vendors import VENDORS

MAX_BYTES = 128 * 1024
MAX_DEPTH = 100
"""JSON nested deeper is refused (400): no vendor payload comes near, and reading it
deeper would recurse past Python's limit."""
MAX_LIMIT = 100_000
"""A larger limit lists this many reports."""
MAX_ID = 2**63 - 1
"""SQLite's largest integer: a larger id names no report."""
PATHS = {name: vendor.LOCAL_PATH for name, vendor in VENDORS.items()}
ENV_VARS = {name: vendor.ENV_ENDPOINT for name, vendor in VENDORS.items()}


class Rejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(vendor: str, message: str) -> Dict[str, Any]:
    """The error shape each vendor documents (Raygun documents none: a message)."""
    if vendor == "rollbar":
        return {"err": 1, "message": message}
    if vendor == "bugsnag":
        return {"errors": [message]}
    return {"message": message}


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it passes the cap (never buffered whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise Rejected(413, f"request entity too large: {declared} bytes, max {MAX_BYTES}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            raise Rejected(413, f"request entity too large: over {MAX_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def decode(vendor: str, body: bytes, content_type: str) -> Any:
    if vendor == "rollbar" and content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("latin-1"), keep_blank_values=True)
        if "payload" not in form:
            raise Rejected(400, "no JSON payload found: expected the form parameter 'payload'")
        return _json(form["payload"][0])
    if not body.strip():
        raise Rejected(400, "no JSON payload found: the request body is empty")
    return _json(body)


def _no_constant(name: str) -> Any:
    raise Rejected(400, f"could not decode the JSON payload: {name} is not JSON")


def _json(text: Any) -> Any:
    """Strict JSON (no NaN or Infinity), nested at most MAX_DEPTH deep."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise Rejected(400, f"could not decode the JSON payload: {exc}") from None
    if _depth(value) > MAX_DEPTH:
        raise Rejected(400, f"the JSON payload is nested deeper than {MAX_DEPTH} levels")
    return value


def _depth(value: Any) -> int:
    """How deep containers nest in ``value`` (read without recursion)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            stack.extend((child, depth + 1) for child in children)
    return deepest


def check_key(vendor: str, payload: Any, request: Request) -> Any:
    """Refuse a request without its vendor's key (in its header, or its payload field
    where it has one); the payload to validate, with the header's key as that field."""
    wire = VENDORS[vendor]
    header_key = request.headers.get(wire.KEY_HEADER)
    field = wire.KEY_FIELD
    body = payload if isinstance(payload, dict) else {}
    body_key = body.get(field) if field else None
    if not header_key and not (isinstance(body_key, str) and body_key):
        raise Rejected(*wire.MISSING_KEY)
    if header_key and field and isinstance(payload, dict) and field not in payload:
        return {**payload, field: header_key}  # as the vendor's API accepts it
    return payload


class Inbox:
    """The app's state: the store, and the last requests refused (shown on the page)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.releases = ReleaseLog(store)
        self.rejections: Deque[Dict[str, Any]] = collections.deque(maxlen=50)

    async def ingest(self, vendor: str, request: Request) -> Response:
        try:
            payload, accepted = await self._accept(vendor, request)
        except Rejected as refusal:
            self.rejections.appendleft(
                {
                    "at": time.time(),
                    "vendor": vendor,
                    "status": refusal.status,
                    "message": refusal.message,
                }
            )
            return JSONResponse(error_body(vendor, refusal.message), refusal.status)
        try:
            reports = normalize.reports_from(vendor, accepted, dict(request.headers))
        except Exception as error:  # a bug here must not lose the report
            reports = [normalize.unreadable(vendor, error)]
        if vendor == "rollbar" and not reports[0].get("uuid"):
            reports[0]["uuid"] = uuid.uuid4().hex
        for report in reports:
            self.store.add(report, payload)
        if vendor == "rollbar":
            return JSONResponse({"err": 0, "result": {"id": None, "uuid": reports[0]["uuid"]}})
        return JSONResponse({}, VENDORS[vendor].SUCCESS_STATUS)

    async def _accept(self, vendor: str, request: Request) -> Tuple[Any, Any]:
        body = await read_body(request)
        payload = decode(vendor, body, request.headers.get("content-type", ""))
        checked = check_key(vendor, payload, request)
        found = validate.problems(vendor, checked)
        if found:
            raise Rejected(422, "payload breaks the vendor schema: " + validate.summary(found))
        return payload, checked

    def endpoints(self, base_url: str) -> Dict[str, str]:
        return {ENV_VARS[v]: base_url + path for v, path in PATHS.items()}

    async def index(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        html = pages.index_page(self.store.groups(), list(self.rejections), self.endpoints(base))
        return HTMLResponse(release_view.with_releases(html, self.store, self.releases))

    async def report(self, request: Request) -> Response:
        full = self._full(request)
        if full is None:
            return HTMLResponse(pages.page("not found", "<h1>No such report</h1>"), 404)
        occurrences = self.store.reports(group_id=full["group_id"], limit=50)
        html = pages.report_page(full, occurrences)
        return HTMLResponse(release_view.with_details(html, full))

    async def api_reports(self, request: Request) -> Response:
        vendor = request.query_params.get("vendor") or None
        given = request.query_params.get("limit")
        limit = _int(given) if given else 500
        if limit is None or limit < 1:
            return JSONResponse({"message": "limit must be a whole number from 1"}, 400)
        limit = min(limit, MAX_LIMIT)
        return JSONResponse({"reports": self.store.reports(vendor=vendor, limit=limit)})

    async def api_report(self, request: Request) -> Response:
        full = self._full(request)
        if full is None:
            return JSONResponse({"message": "no such report"}, 404)
        return JSONResponse(full)

    async def api_groups(self, request: Request) -> Response:
        return JSONResponse({"groups": self.store.groups()})

    def _full(self, request: Request) -> Optional[Dict[str, Any]]:
        report_id = _int(request.path_params.get("report_id"))
        return None if report_id is None else self.store.report(report_id)


def _int(value: Any) -> Optional[int]:
    """A whole number of ASCII digits up to MAX_ID (``²`` is a digit to ``isdigit``)."""
    text = str(value) if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def create_app(store: Store, host: str = "127.0.0.1") -> Guard:
    """The inbox app, answering only to ``host`` (the address it listens on) and the
    loopback names (errorwire/inbox/guard.py)."""
    inbox = Inbox(store)

    def endpoint(vendor: str) -> Any:
        async def receive(request: Request) -> Response:
            return await inbox.ingest(vendor, request)

        return receive

    routes = []
    for vendor, path in PATHS.items():
        # Both spellings: a POST that is redirected to add a slash loses its body.
        for spelling in {path, path.rstrip("/"), path.rstrip("/") + "/"}:
            routes.append(Route(spelling, endpoint(vendor), methods=["POST"]))
    routes += [
        Route("/", inbox.index),
        Route("/reports/{report_id}", inbox.report),
        Route("/api/reports", inbox.api_reports),
        Route("/api/reports/{report_id}", inbox.api_report),
        Route("/api/groups", inbox.api_groups),
    ]
    routes += release_routes(inbox.releases)
    app = Starlette(routes=routes)
    app.state.inbox = inbox
    return Guard(app, host)
