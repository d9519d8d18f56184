"""The plain ASGI middleware around raw ASGI apps (no framework), over real HTTP clients."""

from __future__ import annotations

import asyncio
import builtins
import importlib
import sys
from typing import Any, Dict, Iterator, List, MutableMapping

import httpx
import pytest

import errorwire
from errorwire.core import safety
from errorwire.integrations.asgi import ErrorwireMiddleware
from tests.integrations.asgi.asgi_support import serve
from tests.receiver import Receiver
from tests.reports import VENDORS, Reports, start, vendor_exception_classes, vendor_request

Scope = MutableMapping[str, Any]


class Broken(Exception):
    pass


async def read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def failing_app(scope: Scope, receive: Any, send: Any) -> None:
    """Reads the whole body, then fails with a chained exception."""
    body = await read_body(receive)
    try:
        int(body[:0] or b"x")
    except ValueError as exc:
        raise Broken(f"cannot use {len(body)} bytes") from exc


async def fine_app(scope: Scope, receive: Any, send: Any) -> None:
    await read_body(receive)
    await send({"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]})
    await send({"type": "http.response.body", "body": b"made"})


def call(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=("198.51.100.4", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as c:
            return await c.request(method, url, **kwargs)

    return asyncio.run(go())


def test_http_error_is_reported_and_the_same_exception_reraised(reports: Reports) -> None:
    app = ErrorwireMiddleware(failing_app)
    with pytest.raises(Broken) as raised:
        call(
            app,
            "POST",
            "/orders?id=7&id=8",
            content=b"qty=3&note=hi",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": "sid=s1"},
        )
    event, payloads = reports.one()
    assert reports.exceptions == [raised.value]
    assert isinstance(raised.value.__cause__, ValueError)
    assert [info.short_type for info in event.exceptions] == ["Broken", "ValueError"]
    assert event.framework == "asgi"
    assert event.context == "POST /orders"
    assert event.response_status is None  # send is not wrapped: ASGI reports carry no status
    request = event.request
    assert request is not None
    assert request.url == "http://shop.test/orders?id=7&id=8"
    assert request.query == {"id": ["7", "8"]}
    assert request.form == {"qty": "3", "note": "hi"}
    assert request.body == b"qty=3&note=hi"
    assert request.cookies == {"sid": "s1"}
    assert request.client_ip == "198.51.100.4"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["Broken", "ValueError"]
    assert vendor_request("raygun", payloads["raygun"])["form"] == {"qty": "3", "note": "hi"}
    assert vendor_request("rollbar", payloads["rollbar"])["POST"] == {"qty": "3", "note": "hi"}


def test_successful_response_is_unchanged_and_nothing_sent(reports: Reports) -> None:
    bare = call(fine_app, "POST", "/make", content=b"x" * 50_000)
    wrapped = call(ErrorwireMiddleware(fine_app), "POST", "/make", content=b"x" * 50_000)
    assert (wrapped.status_code, wrapped.headers, wrapped.content) == (
        bare.status_code,
        bare.headers,
        bare.content,
    )
    assert reports.settle() == []


@pytest.mark.parametrize(
    ("content_type", "body", "expected_text"),
    [
        ("application/json", b'{"name": "caf\xe9", ', '{"name": "caf\ufffd", '),
        ("text/plain", b"\xff\xfeplain", "\ufffd\ufffdplain"),
    ],
)
def test_bodies_not_utf8_or_not_json_become_text_with_replacement(
    reports: Reports, content_type: str, body: bytes, expected_text: str
) -> None:
    with pytest.raises(Broken):
        call(
            ErrorwireMiddleware(failing_app),
            "PUT",
            "/doc",
            content=body,
            headers={"Content-Type": content_type},
        )
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.body == body
    assert event.request.has_json is False
    assert vendor_request("rollbar", payloads["rollbar"])["body"] == expected_text
    assert vendor_request("raygun", payloads["raygun"])["rawData"] == expected_text


def test_body_copy_is_capped_and_read_only_as_the_app_reads(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors, max_request_body=16)
    chunks = [b"0123456789"] * 5

    def upload() -> Iterator[bytes]:
        yield from chunks

    with serve(ErrorwireMiddleware(failing_app)) as url:
        response = httpx.post(url + "/big", content=upload())
    assert response.status_code == 500
    event, _ = reports.one()
    assert event.request is not None
    assert event.request.body == b"0123456789012345"
    assert event.request.body_truncated is True
    assert event.exceptions[0].message == "cannot use 50 bytes"


def test_max_request_body_zero_keeps_no_body_and_leaves_receive_alone(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors, max_request_body=0)
    seen: List[Any] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        seen.append(receive)
        await failing_app(scope, receive, send)

    async def receive() -> Dict[str, Any]:
        return {"type": "http.request", "body": b"secret=1", "more_body": False}

    async def send(message: Dict[str, Any]) -> None:
        pass

    with pytest.raises(Broken):
        asyncio.run(ErrorwireMiddleware(app)(http_scope("POST", "/x"), receive, send))
    assert seen == [receive]
    event, _ = reports.one()
    assert event.request is not None and event.request.body is None


def test_a_body_the_app_never_reads_is_never_read(reports: Reports) -> None:
    received: List[Dict[str, Any]] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise Broken("before reading")

    async def receive() -> Dict[str, Any]:
        received.append({})
        return {"type": "http.request", "body": b"a=1", "more_body": False}

    async def send(message: Dict[str, Any]) -> None:
        pass

    with pytest.raises(Broken):
        asyncio.run(ErrorwireMiddleware(app)(http_scope("POST", "/x"), receive, send))
    assert received == []
    event, _ = reports.one()
    assert event.request is not None and event.request.body is None


def http_scope(method: str, path: str, **extra: Any) -> Dict[str, Any]:
    scope: Dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"api.test"),
            (b"content-type", b"application/x-www-form-urlencoded"),
        ],
        "client": ("192.0.2.1", 4000),
        "server": ("api.test", 80),
    }
    scope.update(extra)
    return scope


@pytest.mark.parametrize(("root_path", "path"), [("/app", "/app/orders"), ("/app", "/orders")])
def test_root_path_is_in_the_url_whichever_way_the_server_sends_it(
    reports: Reports, root_path: str, path: str
) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise Broken("mounted")

    async def receive() -> Dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Dict[str, Any]) -> None:
        pass

    scope = http_scope("GET", path, root_path=root_path, headers=[])
    with pytest.raises(Broken):
        asyncio.run(ErrorwireMiddleware(app)(scope, receive, send))
    event, _ = reports.one()
    assert event.request is not None
    assert event.request.url == "http://api.test/app/orders"


def test_a_server_that_sends_no_root_path_still_gets_its_request_reported(
    reports: Reports,
) -> None:
    """root_path is optional in the ASGI spec: the middleware reads it by subscript on the
    happy path and must fall back, not raise KeyError into the app's server."""

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise Broken("no root path")

    async def receive() -> Dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Dict[str, Any]) -> None:
        pass

    scope = http_scope("GET", "/orders", headers=[])
    del scope["root_path"]
    with pytest.raises(Broken, match="no root path"):
        asyncio.run(ErrorwireMiddleware(app)(scope, receive, send))
    event, _ = reports.one()
    assert event.request is not None
    assert event.request.url == "http://api.test/orders"


def test_lifespan_passes_through_untouched(reports: Reports) -> None:
    got: List[Any] = []
    sent: List[Any] = []
    startup_complete = {"type": "lifespan.startup.complete"}

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        got.extend([scope, receive])
        await send(startup_complete)
        raise Broken("lifespan failure is the server's business")

    async def receive() -> Dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    with pytest.raises(Broken):
        asyncio.run(ErrorwireMiddleware(app)(scope, receive, send))
    assert got[0] is scope and got[1] is receive
    # send is wrapped only so that the answer to a shutdown waits for the queue
    # (test_lifespan_flush.py); every message reaches the server as the app sent it.
    assert len(sent) == 1 and sent[0] is startup_complete
    assert scope == {"type": "lifespan", "asgi": {"version": "3.0"}}
    assert reports.settle() == []


def test_lifespan_under_uvicorn_still_starts_the_app(reports: Reports) -> None:
    started: List[str] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    started.append("up")
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await fine_app(scope, receive, send)

    with serve(ErrorwireMiddleware(app), lifespan="on") as url:
        assert started == ["up"]
        assert httpx.post(url + "/make").status_code == 201
    assert started == ["up"]
    assert reports.settle() == []


def test_http_exceptions_below_500_are_not_reported_but_still_raised(reports: Reports) -> None:
    pytest.importorskip("starlette")
    from starlette.exceptions import HTTPException

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise HTTPException(status_code=int(scope["path"].strip("/")))

    for status in (404, 503):
        with pytest.raises(HTTPException):
            call(ErrorwireMiddleware(app), "GET", f"/{status}")
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "HTTPException"
    assert event.request is not None and event.request.url.endswith("/503")


def test_websocket_scope_is_reported(reports: Reports) -> None:
    pytest.importorskip("starlette")
    from starlette.testclient import TestClient

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        message = await receive()
        raise Broken(f"cannot handle {message.get('text')!r}")

    client = TestClient(ErrorwireMiddleware(app))  # no lifespan: this app speaks websocket only
    with pytest.raises(Broken), client.websocket_connect("/live?channel=7") as ws:
        ws.send_text("ping")
        ws.receive_text()
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.url == "ws://testserver/live?channel=7"
    assert event.request.query == {"channel": "7"}
    assert event.context == "GET /live"
    for vendor in VENDORS:
        assert vendor_request(vendor, payloads[vendor])


def test_exception_group_of_one_reports_its_member_and_reraises_the_group(
    reports: Reports,
) -> None:
    # Built in from Python 3.11; anyio brings the backport before that.
    group_class: Any = getattr(builtins, "ExceptionGroup", None)
    if group_class is None:
        group_class = pytest.importorskip("exceptiongroup").ExceptionGroup
    inner = Broken("inside a task group")

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise group_class("unhandled errors in a TaskGroup", [inner])

    with pytest.raises(group_class) as raised:
        call(ErrorwireMiddleware(app), "GET", "/tasks")
    assert raised.value.exceptions == (inner,)
    event, _ = reports.one()
    assert reports.exceptions == [inner]
    assert [info.short_type for info in event.exceptions] == ["Broken"]
    # The server logs the group: the same report, not a second one.
    client = errorwire.get_client()
    assert client is not None
    assert client.capture_exception(raised.value) is None


def test_init_from_the_environment_when_the_user_did_not(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAYGUN_API_KEY", "env-key")
    monkeypatch.setenv("RAYGUN_ENDPOINT", receiver.endpoints()["raygun"])
    assert errorwire.get_client() is None
    app = ErrorwireMiddleware(failing_app)
    with pytest.raises(Broken):
        call(app, "POST", "/env", content=b"")
    assert errorwire.flush(timeout=10.0)
    arrived = receiver.wait_for(1)
    assert [item.vendor for item in arrived] == ["raygun"]
    assert arrived[0].headers.get("X-ApiKey") == "env-key"


@pytest.mark.allow_internal_errors
def test_errorwire_failing_on_a_strange_scope_changes_nothing_for_the_app(
    reports: Reports,
) -> None:
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        return {"type": "http.request", "body": b"a=1", "more_body": False}

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    broken_server_headers = [(b"content-type", 7)]  # a value that is not bytes
    scope = http_scope("POST", "/odd", headers=broken_server_headers)
    asyncio.run(ErrorwireMiddleware(fine_app)(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == b"made"
    assert safety.internal_errors["copy request body"] == 1  # counted, logged, swallowed

    with pytest.raises(Broken) as raised:
        asyncio.run(ErrorwireMiddleware(failing_app)(scope, receive, send))
    event, _ = reports.one()  # still reported, without the request it could not read
    assert reports.exceptions == [raised.value]
    assert event.request is None
    assert safety.internal_errors["read request"] == 1


def test_missing_starlette_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "starlette", None)
    monkeypatch.delitem(sys.modules, "errorwire.integrations.starlette", raising=False)
    with pytest.raises(ImportError, match=r"pip install errorwire\[starlette\]"):
        importlib.import_module("errorwire.integrations.starlette")


@pytest.mark.parametrize(
    ("ip_headers", "expected"),
    [
        (("X-Forwarded-For", "X-Real-IP"), "203.0.113.9"),
        (("CF-Connecting-IP",), "198.51.100.77"),
        ((), "198.51.100.4"),  # the peer address only
    ],
)
def test_client_ip_follows_the_configured_headers(
    receiver: Receiver, all_vendors: Dict[str, Any], ip_headers: Any, expected: str
) -> None:
    reports = start(receiver, all_vendors, client_ip_headers=ip_headers)
    headers = {"X-Forwarded-For": "203.0.113.9, 10.0.0.2", "CF-Connecting-IP": "198.51.100.77"}
    with pytest.raises(Broken):
        call(ErrorwireMiddleware(failing_app), "GET", "/ip", headers=headers)
    event, payloads = reports.one()
    assert event.request is not None and event.request.client_ip == expected
    assert vendor_request("bugsnag", payloads["bugsnag"])["clientIp"] == expected
