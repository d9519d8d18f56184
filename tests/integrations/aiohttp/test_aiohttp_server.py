"""A real aiohttp app on aiohttp's own runner: every error reported once, with its
request, to every vendor (schema-valid); the app's responses exactly as without errorwire."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from typing import Any, Dict, List

import aiohttp
import httpx
import pytest

import errorwire
from tests import served_apps
from tests.concurrent_checkouts import assert_cart_checkouts_kept_apart
from tests.integrations.aiohttp.aiohttp_apps import make_app, serve
from tests.integrations.asgi.asgi_support import Records
from tests.receiver import Receiver
from tests.reports import (
    VENDORS,
    Reports,
    start,
    vendor_exception_classes,
    vendor_request,
)
from tests.route_reports import ErrorRoute, error_route_test, usual_error_routes

AIOHTTP = served_apps.ServedApp(make_app, serve)


ERROR_ROUTES: List[ErrorRoute] = [
    *usual_error_routes("/items/{item_id}", 500),
    ErrorRoute("GET", "/stream", {}, ["StreamBroke"], "/stream", 500),
    ErrorRoute("GET", "/unavailable", {}, ["HTTPServiceUnavailable"], "/unavailable", 503),
    ErrorRoute("GET", "/shop/orders/A-9", {}, ["KeyError"], "/shop/orders/{order_id}", 500),
]


test_error_route_is_reported_once_with_its_request = error_route_test(
    "aiohttp",
    AIOHTTP.both,
    ERROR_ROUTES,
    # a stream breaks after its 200
    answered=lambda route: 200 if route.path == "/stream" else route.status,
)


def test_route_parameters_query_and_the_json_the_app_read(reports: Reports) -> None:
    _, payloads = served_apps.assert_item_query_reported(reports, AIOHTTP.both, {"item_id": "7"})
    assert vendor_request("rollbar", payloads["rollbar"])["GET"] == {
        "verbose": "1",
        "tag": ["a", "b"],
        "q": "café",
        "api_key": "[Filtered]",
    }
    rollbar_body = vendor_request("rollbar", payloads["rollbar"])["body"]
    assert "hunter2" not in str(rollbar_body) and "[Filtered]" in str(rollbar_body)


def test_the_form_the_app_parsed_is_reported_scrubbed(reports: Reports) -> None:
    payloads = served_apps.assert_login_form_reported_scrubbed(reports, AIOHTTP.both)
    assert vendor_request("raygun", payloads["raygun"])["form"]["password"] == "[Filtered]"


def test_uploads_are_named_never_sent(reports: Reports) -> None:
    served_apps.assert_upload_named_never_sent(reports, AIOHTTP.both, {"title": "q3"})


def test_a_body_the_app_never_read_is_not_reported(reports: Reports) -> None:
    served_apps.assert_unread_body_not_reported(reports, AIOHTTP)


@pytest.mark.parametrize(
    ("path", "status"), [("/not-found", 404), ("/forbidden", 403), ("/no-such-route", 404)]
)
def test_aiohttp_http_errors_below_500_are_answers_not_reports(
    reports: Reports, path: str, status: int
) -> None:
    assert AIOHTTP.both("GET", path)[0] == status
    reports.none()


def test_a_redirect_is_no_report(reports: Reports) -> None:
    with serve(make_app()) as url:
        response = httpx.get(url + "/redirect", follow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"] == "/elsewhere"
    reports.none()


def test_the_apps_own_500_page_is_kept_and_the_error_reported(reports: Reports) -> None:
    status, body = AIOHTTP.both("GET", "/view-error", {"error_pages": True})
    assert (status, body) == (500, b"<h1>Sorry, our fault</h1>")
    event, _ = reports.one()
    assert [info.short_type for info in event.exceptions] == ["PaymentFailed", "KeyError"]


def test_aiohttp_logging_the_error_is_no_second_report(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    """aiohttp logs the handler's error on ``aiohttp.server``; with errorwire's logging
    handler there, the same exception is reported once (the log record is a duplicate)."""
    reports = start(receiver, all_vendors)
    logger = logging.getLogger("aiohttp.server")
    records, reporter = Records(), errorwire.LoggingHandler(level=logging.ERROR)
    logger.addHandler(records)
    logger.addHandler(reporter)
    try:
        with serve(make_app()) as url:
            assert served_apps.fetch(url + "/view-error")[0] == 500
            logged = records.wait_for(1)
    finally:
        logger.removeHandler(records)
        logger.removeHandler(reporter)
    assert len(logged) == 1 and logged[0].exc_info is not None
    event, _ = reports.one()
    assert event.logger_name is None  # the middleware's report
    assert reports.exceptions[0] is logged[0].exc_info[1]
    client = errorwire.get_client()
    assert client is not None and client.stats()["client"].get("duplicate") == 1


def test_30_concurrent_requests_keep_their_own_person_and_breadcrumbs(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    assert_cart_checkouts_kept_apart(receiver, all_vendors, lambda: serve(make_app()))


def test_a_websocket_handler_error_is_reported(reports: Reports) -> None:
    async def talk(url: str) -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(url + "/ws") as ws:
            await ws.send_str("hello")
            await ws.receive()  # the close aiohttp sends after the handler failed

    with serve(make_app()) as url:
        asyncio.run(talk(url))
    event, payloads = reports.one()
    assert event.exceptions[0].message == "socket said hello"
    assert event.request is not None and event.request.route == "/ws"
    assert event.request.headers["upgrade"] == "websocket"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["PaymentFailed"]


def test_a_working_route_reports_nothing(reports: Reports) -> None:
    assert AIOHTTP.both("GET", "/") == (200, b"all good")
    reports.none()


def test_a_missing_aiohttp_names_the_extra_to_install() -> None:
    code = "import sys; sys.modules['aiohttp'] = None; import errorwire.integrations.aiohttp"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "pip install errorwire[aiohttp]" in result.stderr.splitlines()[-1]
