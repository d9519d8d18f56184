"""A real FastAPI app: the route template as context, dependencies, uploads, 4xx not reported."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest

pytest.importorskip("fastapi")

from starlette.testclient import TestClient

from tests.integrations.starlette import starlette_apps
from tests.integrations.starlette.fastapi_apps import PaymentFailed, make_app
from tests.reports import VENDORS, Reports, vendor_context, vendor_exception_classes, vendor_request
from tests.route_reports import ErrorRoute, each_error_route

ERROR_ROUTES: List[Tuple[str, str, Dict[str, Any], List[str], str]] = [
    ("GET", "/api/items/7?full=1", {}, ["PaymentFailed", "KeyError"], "/api/items/{item_id}"),
    ("GET", "/api/nested", {}, ["KeyError"], "/api/nested"),
    ("POST", "/api/orders", {"json": {"sku": "X1", "qty": 2}}, ["PaymentFailed"], "/api/orders"),
    ("GET", "/api/template", {}, ["ZeroDivisionError"], "/api/template"),
    ("GET", "/api/stream", {}, ["PaymentFailed"], "/api/stream"),
    ("GET", "/api/background", {}, ["PaymentFailed"], "/api/background"),
]


def respond(app: Any, method: str, path: str, **kwargs: Any) -> Tuple[int, bytes]:
    return starlette_apps.respond(app, method, path, {"X-User": "dora"}, **kwargs)


@each_error_route(ERROR_ROUTES)
def test_error_route_reported_once_with_route_template(
    reports: Reports,
    error_route: ErrorRoute,
) -> None:
    method, path, kwargs, chain, route, _ = error_route
    bare = respond(make_app(with_errorwire=False), method, path, **kwargs)
    assert respond(make_app(), method, path, **kwargs) == bare

    event, payloads = reports.one()
    assert [info.short_type for info in event.exceptions] == chain
    assert event.framework == "fastapi"
    assert event.context == route
    assert event.request is not None
    assert event.request.url == "http://testserver" + path
    for vendor in VENDORS:
        assert vendor_context(vendor, payloads[vendor]) == route
        assert vendor_exception_classes(vendor, payloads[vendor]) == chain
    assert vendor_context("rollbar", payloads["rollbar"]) == route
    assert vendor_context("bugsnag", payloads["bugsnag"]) == route
    assert vendor_context("raygun", payloads["raygun"]) == route


def test_person_set_in_a_threadpool_dependency_reaches_the_report(reports: Reports) -> None:
    respond(make_app(), "POST", "/api/orders", json={"sku": "X1", "qty": 2})
    event, payloads = reports.one()
    assert event.person is not None
    assert (event.person.id, event.person.username) == ("dora", "Dora")
    assert event.request is not None
    assert event.request.json == {"sku": "X1", "qty": 2}
    assert vendor_request("rollbar", payloads["rollbar"])["json"] == {"sku": "X1", "qty": 2}


def test_route_params_of_the_template(reports: Reports) -> None:
    respond(make_app(), "GET", "/api/items/7?full=1")
    event, _ = reports.one()
    assert event.request is not None
    assert event.request.route_params == {"item_id": "7"}  # as routed, before FastAPI's coercion
    assert event.request.query == {"full": "1"}


def test_upload_reports_file_name_and_size_never_contents(reports: Reports) -> None:
    secret = b"TOP-SECRET-CONTENT " * 2000  # ~38 KB, beyond the body cap
    files = {"doc": ("q3-report.pdf", secret, "application/pdf")}
    bare = respond(make_app(False), "POST", "/api/upload", data={"title": "Q3"}, files=files)
    assert respond(make_app(), "POST", "/api/upload", data={"title": "Q3"}, files=files) == bare

    event, payloads = reports.one()
    request = event.request
    assert request is not None
    assert request.form == {"title": "Q3"}
    assert [(f.field, f.filename, f.size, f.content_type) for f in request.files] == [
        ("doc", "q3-report.pdf", len(secret), "application/pdf")
    ]
    assert request.body is None
    for item in reports.receiver.received:
        assert b"TOP-SECRET" not in item.body
    assert vendor_request("rollbar", payloads["rollbar"])["POST"] == {"title": "Q3"}
    assert vendor_request("raygun", payloads["raygun"])["form"] == {"title": "Q3"}


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/missing", 404), ("/api/count?n=abc", 422), ("/api/handled", 409), ("/api/ok", 200)],
)
def test_answered_requests_send_nothing(reports: Reports, path: str, status: int) -> None:
    bare = respond(make_app(with_errorwire=False), "GET", path)
    assert bare[0] == status
    assert respond(make_app(), "GET", path) == bare
    assert reports.settle() == []
    assert reports.receiver.received == []


def test_reraised_exception_is_the_same_object(reports: Reports) -> None:
    raised = starlette_apps.assert_reraised_as_reported(reports, make_app(), "/api/items/7")
    assert isinstance(raised, PaymentFailed)


def test_websocket_route_template(reports: Reports) -> None:
    with TestClient(make_app()) as client, pytest.raises(PaymentFailed):  # noqa: SIM117
        with client.websocket_connect("/api/ws/blue") as ws:
            ws.send_text("hello")
            ws.receive_text()
    event, _ = reports.one()
    assert event.context == "/api/ws/{room}"
    assert event.request is not None
    assert event.request.route_params == {"room": "blue"}
