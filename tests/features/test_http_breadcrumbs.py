"""Outgoing HTTP calls of the app as typed breadcrumbs (httpx and requests, real calls to
a local server), at every vendor, the query scrubbed."""

from __future__ import annotations

import asyncio
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator

import httpx
import pytest

import errorwire
import errorwire.integrations.http
from errorwire.integrations.http import httpx_async_hooks, httpx_hooks, requests_hook
from tests.receiver import Receiver
from tests.reports import start
from tests.threaded_servers import serving

Env = Dict[str, Any]


class _Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 503 if self.path.startswith("/down") else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[str]:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), _Answer)) as url:
        yield url


def report() -> None:
    try:
        raise RuntimeError("after the calls")
    except RuntimeError as exc:
        errorwire.capture_exception(exc)


def assert_calls_reported(
    payloads: Dict[str, Dict[str, Any]], base: str, *, timed: bool = True
) -> None:
    rollbar = [
        c for c in payloads["rollbar"]["data"]["custom"]["breadcrumbs"] if c["type"] == "request"
    ]
    assert [c["message"] for c in rollbar] == [f"GET {base}/items 200", f"GET {base}/down 503"]
    first = rollbar[0]["data"]
    assert (first["method"], first["url"], first["status_code"]) == ("GET", f"{base}/items", 200)
    assert first["query"] == {"id": "7", "token": "[Filtered]"}
    if timed:
        assert first["duration_ms"] >= 0
    else:  # urllib3's record has no duration
        assert "duration_ms" not in first
    assert rollbar[1]["level"] == "error"
    bugsnag = [c for c in payloads["bugsnag"]["events"][0]["breadcrumbs"] if c["type"] == "request"]
    assert [c["metaData"]["status_code"] for c in bugsnag] == [200, 503]
    raygun = [c for c in payloads["raygun"]["details"]["breadcrumbs"] if c["type"] == "request"]
    assert [(c["category"], c["customData"]["url"]) for c in raygun] == [
        ("http", f"{base}/items"),
        ("http", f"{base}/down"),
    ]
    assert "s3cret" not in str(payloads)


def test_httpx_client_calls(receiver: Receiver, all_vendors: Env, upstream: str) -> None:
    reports = start(receiver, all_vendors)
    with errorwire.scope(), httpx.Client(event_hooks=httpx_hooks()) as client:
        assert client.get(f"{upstream}/items?id=7&token=s3cret").status_code == 200
        assert client.get(f"{upstream}/down").status_code == 503
        report()
    _event, payloads = reports.one()
    assert_calls_reported(payloads, upstream)


def test_httpx_async_client_calls(receiver: Receiver, all_vendors: Env, upstream: str) -> None:
    reports = start(receiver, all_vendors)

    @errorwire.scope()
    async def calls() -> None:
        async with httpx.AsyncClient(event_hooks=httpx_async_hooks()) as client:
            await client.get(f"{upstream}/items?id=7&token=s3cret")
            await client.get(f"{upstream}/down")
        report()

    asyncio.run(calls())
    _event, payloads = reports.one()
    assert_calls_reported(payloads, upstream)


def test_requests_session_calls(receiver: Receiver, all_vendors: Env, upstream: str) -> None:
    requests = pytest.importorskip("requests")
    reports = start(receiver, all_vendors)
    with errorwire.scope(), requests.Session() as session:
        session.hooks["response"].append(requests_hook)
        assert session.get(f"{upstream}/items?id=7&token=s3cret").status_code == 200
        assert session.get(f"{upstream}/down").status_code == 503
        report()
    _event, payloads = reports.one()
    assert_calls_reported(payloads, upstream)


def test_urllib3_calls_through_its_log_records(
    receiver: Receiver, all_vendors: Env, upstream: str
) -> None:
    urllib3 = pytest.importorskip("urllib3")
    errorwire.integrations.http.watch_urllib3()
    reports = start(receiver, all_vendors)
    port = int(upstream.rsplit(":", 1)[1])
    with errorwire.scope(), urllib3.PoolManager() as pool:
        assert pool.request("GET", f"{upstream}/items?id=7&token=s3cret").status == 200
        assert pool.request("GET", f"{upstream}/down", retries=False).status == 503
        report()
    _event, payloads = reports.one()
    assert_calls_reported(payloads, f"http://127.0.0.1:{port}", timed=False)


def test_errorwire_own_urllib3_calls_are_not_breadcrumbs(
    receiver: Receiver, all_vendors: Env
) -> None:
    """In sync mode errorwire POSTs from the app's own thread, in the app's scope."""
    errorwire.integrations.http.watch_urllib3()
    start(receiver, all_vendors, sync=True)
    with errorwire.scope():
        report()
        report_again()
    crumbs = receiver.by_vendor("bugsnag")[-1].json()["events"][0].get("breadcrumbs", [])
    assert [c for c in crumbs if c.get("type") == "request"] == []


def report_again() -> None:
    try:
        raise KeyError("after errorwire sent the first report")
    except KeyError as exc:
        errorwire.capture_exception(exc)
