"""Every error route of a real Starlette app: one report per vendor, the request in it,
and the app's own response exactly as without errorwire."""

from __future__ import annotations

import contextlib
from typing import Any, Dict, List, Tuple

import pytest
from starlette.testclient import TestClient

from tests.integrations.app_errors import PaymentFailed
from tests.integrations.starlette import starlette_apps
from tests.integrations.starlette.starlette_apps import make_app
from tests.reports import (
    VENDORS,
    Reports,
    vendor_context,
    vendor_exception_classes,
    vendor_person_id,
    vendor_request,
)
from tests.route_reports import REQUEST_HEADERS, ErrorRoute, each_error_route

HEADERS = REQUEST_HEADERS

# (method, path, request kwargs, exception chain outermost first, route template)
ERROR_ROUTES: List[Tuple[str, str, Dict[str, Any], List[str], str]] = [
    ("GET", "/view-error?tag=a&tag=b", {}, ["PaymentFailed", "KeyError"], "/view-error"),
    ("GET", "/nested", {}, ["KeyError"], "/nested"),
    ("GET", "/template", {}, ["ZeroDivisionError"], "/template"),
    ("GET", "/stream", {}, ["StreamBroke"], "/stream"),
    ("GET", "/background", {}, ["ReceiptFailed"], "/background"),
    ("POST", "/items/7?verbose=1", {"json": {"qty": -1}}, ["ValueError"], "/items/{item_id}"),
    ("GET", "/shop/orders/A-9", {}, ["PaymentFailed", "KeyError"], "/shop/orders/{order_id}"),
]


def respond(app: Any, method: str, path: str, **kwargs: Any) -> Tuple[int, bytes]:
    return starlette_apps.respond(app, method, path, HEADERS, **kwargs)


@each_error_route(ERROR_ROUTES)
def test_error_route_is_reported_once_with_its_request(
    reports: Reports, error_route: ErrorRoute
) -> None:
    method, path, kwargs, chain, route, _ = error_route
    bare, wired = (
        respond(make_app(errorwire), method, path, **kwargs) for errorwire in (False, True)
    )
    assert wired == bare

    event, payloads = reports.one()
    assert [info.short_type for info in event.exceptions] == chain
    assert event.framework == "starlette"
    assert event.handled is False
    assert event.context == route
    request = event.request
    assert request is not None
    assert request.url == "http://testserver" + path
    assert request.method == method
    assert request.headers["x-request-id"] == "req-1"
    assert request.cookies == {"theme": "dark", "lang": "en"}
    assert request.client_ip == "203.0.113.7"
    assert request.route == route
    assert request.query_string == (path.split("?", 1)[1] if "?" in path else "")
    for vendor in VENDORS:
        payload = payloads[vendor]
        assert vendor_exception_classes(vendor, payload) == chain
        assert vendor_request(vendor, payload)["headers"]["x-request-id"] == "req-1"
        assert vendor_context(vendor, payload) in (route, None)
    assert vendor_request("rollbar", payloads["rollbar"])["url"] == request.url
    assert vendor_request("rollbar", payloads["rollbar"])["user_ip"] == "203.0.113.7"
    assert vendor_request("raygun", payloads["raygun"])["iPAddress"] == "203.0.113.7"
    assert vendor_request("bugsnag", payloads["bugsnag"])["clientIp"] == "203.0.113.7"


def test_view_error_query(reports: Reports) -> None:
    respond(make_app(), "GET", "/view-error?tag=a&tag=b&q=shoes")
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.query == {"tag": ["a", "b"], "q": "shoes"}
    assert event.response_status is None  # send is not wrapped: ASGI reports carry no status
    assert vendor_request("rollbar", payloads["rollbar"])["GET"] == {
        "tag": ["a", "b"],
        "q": "shoes",
    }


def test_json_body_and_route_params_reach_the_report(reports: Reports) -> None:
    respond(make_app(), "POST", "/items/7", json={"qty": -1, "sku": "X1"})
    event, payloads = reports.one()
    request = event.request
    assert request is not None
    assert request.has_json and request.json == {"qty": -1, "sku": "X1"}
    assert request.body == b'{"qty":-1,"sku":"X1"}'
    assert request.route_params == {"item_id": 7}
    rollbar = vendor_request("rollbar", payloads["rollbar"])
    assert rollbar["json"] == {"qty": -1, "sku": "X1"}
    assert rollbar["params"] == {"item_id": 7}
    assert payloads["bugsnag"]["events"][0]["metaData"]["request"]["routeParams"] == {"item_id": 7}


def test_streaming_and_background_errors_are_reported_with_their_request(reports: Reports) -> None:
    # (What the test client keeps of a broken stream differs between Starlette versions.)
    assert respond(make_app(), "GET", "/stream") == respond(make_app(False), "GET", "/stream")
    assert respond(make_app(), "GET", "/background") == (200, b"queued")
    events = reports.settle()
    assert [(e.exceptions[0].short_type, e.response_status) for e in events] == [
        ("StreamBroke", None),
        ("ReceiptFailed", None),
    ]
    assert [e.request.url for e in events if e.request] == [
        "http://testserver/stream",
        "http://testserver/background",
    ]


def test_reraised_exception_is_the_same_object_with_its_cause(reports: Reports) -> None:
    raised = starlette_apps.assert_reraised_as_reported(reports, make_app(), "/view-error")
    assert isinstance(raised, PaymentFailed)
    assert raised.__cause__ is not None and raised.__cause__.args == ("4242",)


def test_http_exception_404_sends_nothing(reports: Reports) -> None:
    bare = respond(make_app(with_errorwire=False), "GET", "/missing")
    assert respond(make_app(), "GET", "/missing") == bare
    assert bare[0] == 404
    assert respond(make_app(), "GET", "/no-such-route")[0] == 404
    assert reports.settle() == []
    assert reports.receiver.received == []


def test_successful_request_sends_nothing_and_is_unchanged(reports: Reports) -> None:
    assert respond(make_app(), "GET", "/ok") == respond(make_app(False), "GET", "/ok")
    assert reports.settle() == []


def test_authenticated_user_becomes_the_person(reports: Reports) -> None:
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        client.get("/users/o-1/checkout", headers={"X-User": "alice"})
        client.get("/users/o-2/checkout")  # anonymous
        client.get("/person", headers={"X-User": "alice"})  # set_person wins
    events = reports.settle()
    people = [(e.person.id, e.person.username) if e.person else None for e in events]
    assert people == [("alice", "alice"), None, ("42", "bob")]
    for vendor in VENDORS:
        ids = [vendor_person_id(vendor, p) for p in reports.payloads(vendor)]
        assert ids == ["alice", None, "42"], vendor


def test_websocket_error_is_reported_with_its_url(reports: Reports) -> None:
    from tests.integrations.app_errors import SocketFailed

    with TestClient(make_app()) as client, pytest.raises(SocketFailed):  # noqa: SIM117
        with client.websocket_connect("/ws?room=7", headers={"X-User": "carol"}) as ws:
            ws.send_text("hello")
            ws.receive_text()
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "SocketFailed"
    assert event.request is not None
    assert event.request.url == "ws://testserver/ws?room=7"
    assert event.request.method == "GET"
    assert event.context == "/ws"
    assert event.person is not None and event.person.id == "carol"
    assert event.response_status is None


def test_websocket_client_going_away_is_not_reported(reports: Reports) -> None:
    from starlette.websockets import WebSocketDisconnect

    # The test client hands the app's WebSocketDisconnect back (with or without errorwire).
    with contextlib.suppress(WebSocketDisconnect), TestClient(make_app()) as client:  # noqa: SIM117
        with client.websocket_connect("/echo") as ws:
            ws.send_text("ping")
            assert ws.receive_text() == "ping"
    assert reports.settle() == []


def test_starlette_form_upload_reports_names_and_sizes(reports: Reports) -> None:
    content = b"%PDF-" + b"\x00\x01" * 9000
    files = {"doc": ("scan.pdf", content, "application/pdf")}
    data = {"title": "Q3", "tag": ["a", "b"]}
    bare = respond(make_app(False), "POST", "/upload", data=data, files=files)
    assert respond(make_app(), "POST", "/upload", data=data, files=files) == bare
    event, payloads = reports.one()
    request = event.request
    assert request is not None
    assert request.form == {"title": "Q3", "tag": ["a", "b"]}
    assert [(f.filename, f.size) for f in request.files] == [("scan.pdf", len(content))]
    assert request.body is None
    assert vendor_request("rollbar", payloads["rollbar"])["files"]


def test_wrapped_twice_still_one_report(reports: Reports) -> None:
    from errorwire.integrations.asgi import ErrorwireMiddleware as PlainMiddleware

    app = PlainMiddleware(make_app())  # the user also wrapped the whole app by hand
    assert respond(app, "GET", "/view-error") == respond(make_app(False), "GET", "/view-error")
    event, _ = reports.one()
    assert event.framework == "starlette"  # the inner (first) hook's report
