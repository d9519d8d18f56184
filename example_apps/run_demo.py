"""``nox -s demo``: every example app fails into a local inbox; prints what arrived.

    python example_apps/run_demo.py [--serve] [--port 8484] [--db errorwire-inbox.sqlite3]

Starts the inbox (errorwire.inbox) on 127.0.0.1, points Rollbar, Raygun and
Bugsnag at it through the environment (``*_ACCESS_TOKEN`` / ``*_API_KEY`` and
``*_ENDPOINT``), serves each framework's example app on 127.0.0.1 (WSGI apps
under wsgiref, ASGI apps under uvicorn), sends it requests that fail in
different ways, runs real Celery, RQ, Dramatiq, Huey and arq workers on a Redis of its
own (demo_jobs.py; left out, saying why, without ``redis-server`` on PATH), flushes, and
prints one row
per report that arrived and a framework x vendor table. Then runs
example_apps/nightly_job.py, a script that dies of an uncaught exception
(``demo_script.py``), and example_apps/more_integrations.py (AWS Lambda, Cloud
Functions, APScheduler, loguru, structlog; ``demo_more.py``). Exits 1 if any cell of
either table is empty.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import demo_jobs  # noqa: E402
import demo_more  # noqa: E402
import demo_releases  # noqa: E402
import demo_script  # noqa: E402
import demo_targets  # noqa: E402

import errorwire  # noqa: E402
from errorwire.inbox import DEFAULT_DB, RunningInbox, start_inbox  # noqa: E402

VENDORS = ("rollbar", "raygun", "bugsnag")
KEYS = {
    "ROLLBAR_ACCESS_TOKEN": "demo-rollbar-token",
    "RAYGUN_API_KEY": "demo-raygun-key",
    "BUGSNAG_API_KEY": "demo0000000000000000000000000000",
}
DEMO_USER = "alice"
"""Sent as ``X-User``: the example apps take it as the logged-in user (errorwire's person)."""
ENDPOINT_VARS = {
    "rollbar": "ROLLBAR_ENDPOINT",
    "raygun": "RAYGUN_ENDPOINT",
    "bugsnag": "BUGSNAG_ENDPOINT",
}


def point_errorwire_at(inbox: RunningInbox) -> None:
    """The environment every integration's own ``errorwire.init()`` reads."""
    os.environ.update(KEYS)
    for vendor, url in inbox.endpoints().items():
        os.environ[ENDPOINT_VARS[vendor]] = url


def ensure_client(inbox: RunningInbox) -> None:
    """If an app configured errorwire some other way, configure it from the environment."""
    client = errorwire.get_client()
    wanted = inbox.endpoints()
    urls = {v.name: v.url for v in client.options.vendors} if client is not None else {}
    if urls != wanted:
        errorwire.init()


def send(base: str, method: str, path: str, body: Any) -> str:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("X-User", DEMO_USER)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            answer.read()
            return str(answer.status)
    except urllib.error.HTTPError as answer:
        return str(answer.code)
    except Exception as broken:
        return type(broken).__name__


def drive(targets: List[demo_targets.Target]) -> Dict[str, str]:
    """Serve each app, send its requests; the framework served on each base URL."""
    served: Dict[str, str] = {}
    for target in targets:
        base, stop = target.serve()
        served[base] = target.framework
        try:
            for method, path, body in target.requests:
                outcome = send(base, method, path, body)
                print(f"  {target.framework:<9} {method:<4} {path:<40} -> {outcome}")
        finally:
            time.sleep(0.3)  # background tasks run after the response
            stop()
    return served


def arrived(inbox: RunningInbox, after_id: int) -> List[Dict[str, Any]]:
    with urllib.request.urlopen(inbox.url + "/api/reports?limit=100000", timeout=15) as answer:
        listed: List[Dict[str, Any]] = json.loads(answer.read())["reports"]
    return [r for r in reversed(listed) if r["id"] > after_id]


def app_of(report: Dict[str, Any], served: Dict[str, str]) -> Optional[str]:
    """The framework of the app that served the report's request (by its address), else
    the framework the payload names (a report without a request, from a background task)."""
    url = report.get("request_url") or ""
    by_address = next((fw for base, fw in served.items() if url.startswith(base)), None)
    claimed = report.get("framework")
    return by_address or (claimed if claimed in served.values() else None)


def print_reports(reports: List[Dict[str, Any]], served: Dict[str, str]) -> None:
    """One row per report. The framework is the one the payload names; ``*`` marks one
    the payload leaves out (Raygun has no field for it), known from the app's address."""
    header = ("vendor", "framework", "exception", "request path", "person")
    order = {fw: i for i, fw in enumerate(served.values())}
    rows = []
    for r in reports:
        person = r.get("person") or {}
        who = " ".join(
            dict.fromkeys(str(person[k]) for k in ("id", "username", "email") if person.get(k))
        )
        claimed, app = r.get("framework"), app_of(r, served)
        if claimed and app and claimed != app:
            framework = f"{claimed} (app: {app})"
        else:
            framework = claimed or (f"{app}*" if app else "?")
        exception = (r.get("exception_class") or "").rsplit(".", 1)[-1]
        path = r.get("request_path") or "(no request)"
        rows.append(
            (order.get(app or "", len(order)), r["vendor"], framework, exception, path, who)
        )
    rows.sort(key=lambda row: (row[0], row[4], row[3], row[1]))
    table = [header] + [row[1:] for row in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(*table)]
    for row in [header, tuple("-" * w for w in widths), *table[1:]]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
    if any(str(row[2]).endswith("*") for row in rows):
        print("* not in the payload: the framework of the app that served the request")


def print_matrix(
    reports: List[Dict[str, Any]], served: Dict[str, str], frameworks: List[str]
) -> int:
    """Reports per app framework and vendor; the number of empty cells."""
    counts = {(fw, v): 0 for fw in frameworks for v in VENDORS}
    for r in reports:
        app = app_of(r, served)
        if app is not None:
            counts[(app, r["vendor"])] += 1
    print(f"\n{'framework':<10}" + "".join(f"{v:>9}" for v in VENDORS))
    for fw in frameworks:
        print(f"{fw:<10}" + "".join(f"{counts[(fw, v)] or 'EMPTY':>9}" for v in VENDORS))
    return sum(1 for n in counts.values() if n == 0)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help="keep the inbox running afterwards")
    parser.add_argument("--port", type=int, default=None, help="inbox port (default: free port)")
    parser.add_argument("--db", default=DEFAULT_DB, help="SQLite file for the reports")
    parser.add_argument("--verbose", action="store_true", help="show the apps' own logs")
    args = parser.parse_args(argv)
    port = args.port if args.port is not None else (8484 if args.serve else 0)

    inbox = start_inbox(db=args.db, port=port)
    before = inbox.store.reports(limit=1)
    after_id = before[0]["id"] if before else 0
    point_errorwire_at(inbox)
    demo_releases.point_releases_at(inbox)
    logs = io.StringIO()
    print(f"errorwire demo: inbox at {inbox.url}/ (reports kept in {args.db})")
    with contextlib.redirect_stderr(logs):
        targets = demo_targets.load_all(HERE)
        ensure_client(inbox)
        deployed = demo_releases.announce_deploy()
        for target in targets:
            print(f"  {target.framework:<9} app: {target.source}")
        served = drive(targets)
        jobs_ran = demo_jobs.run_all()  # Celery and RQ workers, if Redis is here
        served.update({f"worker:{fw}": fw for fw in jobs_ran})
        delivered = errorwire.flush(timeout=20.0)
    reports = arrived(inbox, after_id)
    print(f"\n{len(reports)} reports arrived (flush {'complete' if delivered else 'TIMED OUT'}):\n")
    print_reports(reports, served)
    empty = print_matrix(
        reports,
        served,
        ([t.framework for t in targets] or list(demo_targets.FRAMEWORKS)) + jobs_ran,
    )
    release_problems = demo_releases.print_release_table(inbox)
    release_problems += sum(r["outcome"] != "accepted" for r in deployed.values())
    missing = [fw for fw in demo_targets.FRAMEWORKS if fw not in {t.framework for t in targets}]
    script_ok = demo_script.run(inbox)
    more_ok = demo_more.run(inbox)  # Lambda, Cloud Functions, APScheduler, loguru, structlog
    if args.verbose or empty or missing:
        print("\nthe apps' own log:\n" + "\n".join(logs.getvalue().splitlines()[-80:]))
    for fw in missing:
        print(f"no app could be loaded for {fw}")
    if not jobs_ran:
        print(f"celery and rq were not run: {demo_jobs.missing()}")
    print(
        f"\nInbox: {inbox.url}/   errorwire stats: {json.dumps(errorwire.stats().get('transport'))}"
    )
    failed = empty or missing or not delivered or not script_ok or not more_ok
    status = 1 if failed or release_problems else 0
    if args.serve:
        print("Serving the inbox; Ctrl-C to stop.")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    else:
        print(
            f"Browse them later: python -m errorwire.inbox --db {args.db}  (http://127.0.0.1:8484/)"
        )
    inbox.stop()
    print("demo:", "every framework x vendor cell filled" if status == 0 else "FAILED")
    return status


if __name__ == "__main__":
    sys.exit(main())
