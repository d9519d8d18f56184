"""A real Quart app behind uvicorn on 127.0.0.1: every error reported once, with its
request, to every vendor (schema-valid); the app's responses exactly as without errorwire."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Dict, List

import httpx
import pytest

from tests import served_apps
from tests.concurrent_checkouts import assert_cart_checkouts_kept_apart
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.quart.quart_apps import make_app
from tests.receiver import Receiver
from tests.reports import (
    VENDORS,
    Reports,
    vendor_exception_classes,
    vendor_person_id,
    vendor_request,
)
from tests.route_reports import ErrorRoute, error_route_test, usual_error_routes

QUART = served_apps.ServedApp(make_app, serve)


ERROR_ROUTES: List[ErrorRoute] = [
    *usual_error_routes("/items/<int:item_id>", 500),
    ErrorRoute("GET", "/shop/orders/A-9", {}, ["KeyError"], "/shop/orders/<order_id>", 500),
]


test_error_route_is_reported_once_with_its_request = error_route_test(
    "quart", QUART.both, ERROR_ROUTES
)


def test_route_arguments_query_and_the_json_the_app_read(reports: Reports) -> None:
    served_apps.assert_item_query_reported(reports, QUART.both, {"item_id": 7})


def test_the_form_the_app_awaited_is_reported_scrubbed(reports: Reports) -> None:
    served_apps.assert_login_form_reported_scrubbed(reports, QUART.both)


def test_uploads_are_named_never_sent(reports: Reports) -> None:
    served_apps.assert_upload_named_never_sent(reports, QUART.both, None)


def test_a_body_the_app_never_parsed_is_not_reported(reports: Reports) -> None:
    served_apps.assert_unread_body_not_reported(reports, QUART)


def test_an_error_while_the_response_streams_is_reported(reports: Reports) -> None:
    status, body = QUART.both("GET", "/stream")
    assert (status, body) == (200, b"first chunk\n")
    event, payloads = reports.one()
    assert [info.short_type for info in event.exceptions] == ["StreamBroke"]
    assert event.request is not None and event.request.url.endswith("/stream")
    assert event.context == event.request.route == "/stream"  # matched again: the request is gone
    assert event.request.headers["x-request-id"] == "req-1"
    assert event.response_status is None  # the 200 had gone out already
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["StreamBroke"]


def test_a_background_task_error_is_reported_with_its_request(reports: Reports) -> None:
    assert QUART.both("GET", "/background") == (200, b"queued")
    event, _ = reports.one()
    assert [info.short_type for info in event.exceptions] == ["ReceiptFailed"]
    assert event.handled is False
    assert event.request is not None and event.request.url.endswith("/background")
    assert event.context == "/background"


def test_an_error_in_teardown_is_reported(reports: Reports) -> None:
    QUART.both("GET", "/teardown-error")
    event, _ = reports.one()
    assert event.exceptions[0].message == "session store went away"
    assert event.request is not None and event.request.url.endswith("/teardown-error")


def test_a_websocket_error_is_reported(reports: Reports) -> None:
    async def talk(url: str) -> None:
        import websockets

        async with websockets.connect(url.replace("http", "ws") + "/ws") as socket:
            await socket.send("hello")
            with contextlib.suppress(Exception):
                await socket.recv()

    pytest.importorskip("websockets")
    with serve(make_app()) as url:
        asyncio.run(talk(url))
    event, payloads = reports.one()
    assert [info.short_type for info in event.exceptions] == ["PaymentFailed"]
    assert event.exceptions[0].message == "socket said hello"
    assert event.request is not None
    assert event.request.url.startswith("ws://127.0.0.1:") and event.request.route == "/ws"
    assert event.response_status is None
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["PaymentFailed"]
        assert vendor_request(vendor, payloads[vendor])["headers"]["host"].startswith("127.0.0.1")


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/forbidden", 403)])
def test_abort_below_500_is_an_answer_not_a_report(
    reports: Reports, path: str, status: int
) -> None:
    assert QUART.both("GET", path)[0] == status
    reports.none()


def test_an_unknown_route_is_no_report(reports: Reports) -> None:
    assert QUART.both("GET", "/no-such-route")[0] == 404
    reports.none()


def test_the_apps_own_500_page_is_kept_and_the_error_reported(reports: Reports) -> None:
    assert QUART.both("GET", "/view-error", {"error_page": True}) == (
        500,
        b"<h1>Sorry, our fault</h1>",
    )
    event, _ = reports.one()
    assert [info.short_type for info in event.exceptions] == ["PaymentFailed", "KeyError"]


def test_the_quart_auth_user_is_the_person(reports: Reports) -> None:
    with serve(make_app()) as url, httpx.Client(base_url=url) as client:
        assert client.post("/sign-in", data={"user": "alice-7"}).text == "signed in"
        assert client.get("/profile").status_code == 500
    event, payloads = reports.one()
    assert event.person is not None and event.person.id == "alice-7"
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "alice-7"


def test_30_concurrent_requests_keep_their_own_person_and_breadcrumbs(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    assert_cart_checkouts_kept_apart(receiver, all_vendors, lambda: serve(make_app()))


def test_a_working_route_reports_nothing(reports: Reports) -> None:
    assert QUART.both("GET", "/") == (200, b"all good")
    reports.none()
