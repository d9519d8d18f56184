"""A real Litestar app behind a real uvicorn server on 127.0.0.1, with ErrorwirePlugin:
what arrives at the receiver, and the app's own responses exactly as without errorwire."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Tuple

import pytest

from errorwire.integrations.litestar import ErrorwirePlugin
from tests import route_reports, served_apps
from tests.concurrent_checkouts import (
    assert_payload_scopes_match_their_requests,
    checkout_reports,
    post_checkouts,
)
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.litestar.litestar_apps import make_app
from tests.reports import (
    VENDORS,
    Reports,
    vendor_person_id,
)
from tests.route_reports import (
    ErrorRoute,
    assert_route_reported,
    each_error_route,
    item_route,
    view_error_route,
)

ERROR_ROUTES: List[ErrorRoute] = [
    view_error_route(),
    ErrorRoute("GET", "/sync-error", {}, ["ZeroDivisionError"], "/sync-error"),
    item_route("/items/{item_id}"),
    ErrorRoute(
        "POST", "/signup", {"data": {"email": "a@example.com"}}, ["RuntimeError"], "/signup"
    ),
]


@pytest.fixture(scope="module")
def bare_url() -> Iterator[str]:
    """The same app without errorwire: what every response must look like."""
    with serve(make_app(with_errorwire=False)) as url:
        yield url


@pytest.fixture
def url(reports: Reports) -> Iterator[str]:
    with serve(make_app()) as url:
        yield url


def respond(base: str, method: str, path: str, **kwargs: Any) -> Tuple[int, bytes]:
    status, body = route_reports.respond(base, method, path, **kwargs)
    # Litestar's 400 detail names the URL: the two servers differ in their port.
    return status, body.replace(base.encode(), b"http://server")


@each_error_route(ERROR_ROUTES)
def test_error_route_is_reported_once_with_its_request(
    reports: Reports, url: str, bare_url: str, error_route: ErrorRoute
) -> None:
    method, path, kwargs, chain, route, _ = error_route
    answer = respond(url, method, path, **kwargs)
    assert answer == respond(bare_url, method, path, **kwargs)
    assert answer[0] == 500

    assert_route_reported(reports, "litestar", method, path, chain, route, url=url + path)


def test_json_body_and_route_params_reach_the_report(reports: Reports, url: str) -> None:
    respond(url, "POST", "/items/7", json={"qty": -1, "sku": "X1", "password": "hunter2"})
    served_apps.assert_item_json_and_route_params_reported(reports)


def test_form_fields_the_app_read_are_reported_scrubbed(reports: Reports, url: str) -> None:
    respond(url, "POST", "/signup", data={"email": "a@example.com", "password": "hunter2"})
    served_apps.assert_signup_form_reported_scrubbed(reports)


def test_error_while_streaming_is_reported_once_as_the_apps_own(
    reports: Reports, url: str, bare_url: str
) -> None:
    assert (
        served_apps.fetch(url + "/stream")[0] == served_apps.fetch(bare_url + "/stream")[0] == 200
    )
    served_apps.assert_stream_error_reported(reports, url + "/stream")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/missing", 404),  # NotFoundException raised by the handler
        ("GET", "/no-such-route", 404),
        ("GET", "/count?number=abc", 400),  # a validation error
        ("GET", "/count", 400),  # a missing parameter
        ("DELETE", "/ok", 405),
        ("POST", "/items/seven", 404),  # the path does not match (an int parameter)
        ("GET", "/stock", 409),  # the app's own handler answers it
    ],
)
def test_litestar_answers_below_500_send_nothing(
    reports: Reports, url: str, bare_url: str, method: str, path: str, status: int
) -> None:
    answer = respond(url, method, path)
    assert answer == respond(bare_url, method, path)
    assert answer[0] == status
    reports.none()


def test_successful_request_sends_nothing_and_is_unchanged(
    reports: Reports, url: str, bare_url: str
) -> None:
    assert respond(url, "GET", "/ok") == respond(bare_url, "GET", "/ok") == (200, b"fine")
    reports.none()


def test_the_apps_own_500_page_is_kept_and_the_error_reported(reports: Reports) -> None:
    with serve(make_app(own_error_page=True)) as url:
        assert respond(url, "GET", "/view-error") == (500, b"our own 500 page")
        assert respond(url, "GET", "/missing")[0] == 404  # a 500 handler answers no 404
    event, _ = reports.one()
    assert [info.short_type for info in event.exceptions] == ["PaymentFailed", "KeyError"]


def test_authenticated_user_becomes_the_person_and_set_person_wins(
    reports: Reports, url: str
) -> None:
    respond(url, "POST", "/users/o-1/checkout", headers={"X-User": "alice"}, content=b"one")
    respond(url, "POST", "/users/o-2/checkout", content=b"two")  # anonymous
    respond(url, "GET", "/person", headers={"X-User": "alice"})  # set_person wins
    events = served_apps.assert_checkout_people_reported(reports)
    assert events[0].request is not None and events[0].request.body == b"one"


def test_breadcrumb_of_a_sync_handler_in_a_thread_belongs_to_its_request(
    reports: Reports, url: str
) -> None:
    respond(url, "GET", "/sync-error")
    event, _ = reports.one()
    assert [crumb.message for crumb in event.breadcrumbs] == ["in the thread"]


def test_30_concurrent_users_each_get_their_own_person_breadcrumbs_and_request(
    reports: Reports, url: str
) -> None:
    count = 30

    assert post_checkouts(url, count, body=True) == [500] * count
    for number, event, request in checkout_reports(reports, count):
        assert request.headers["x-request-id"] == f"req-{number}"
        assert request.route_params == {"order": f"o-{number}"}
        assert request.body == f"order body {number}".encode()
        assert [c.message for c in event.breadcrumbs] == [f"checkout o-{number} by user-{number}"]
        assert event.exceptions[0].message == f"user user-{number} order o-{number}"
    assert_payload_scopes_match_their_requests(reports)


def test_plugin_twice_still_one_report(reports: Reports) -> None:
    from litestar import Litestar

    from tests.integrations.litestar.litestar_apps import HANDLERS

    app = Litestar(route_handlers=HANDLERS, plugins=[ErrorwirePlugin(), ErrorwirePlugin()])
    with serve(app) as url:
        assert respond(url, "GET", "/view-error")[0] == 500
    event, _ = reports.one()
    assert event.framework == "litestar"


def test_init_from_the_environment_when_the_user_did_not(
    monkeypatch: pytest.MonkeyPatch, receiver: Any
) -> None:
    served_apps.assert_init_from_the_environment(monkeypatch, receiver, lambda: serve(make_app()))


def test_websocket_error_is_reported_with_its_request_and_person(reports: Reports) -> None:
    # In process: uvicorn serves websockets only with a websocket library, not a test dependency.
    from litestar.testing import TestClient

    from tests.integrations.app_errors import SocketFailed

    with TestClient(make_app()) as client, pytest.raises(Exception) as raised:  # noqa: SIM117
        with client.websocket_connect("/ws?room=7", headers={"X-User": "carol"}) as ws:
            ws.send_text("hello")
            ws.receive_text()
    assert not isinstance(raised.value, SocketFailed)  # Litestar closed the socket itself
    event, payloads = reports.one()
    assert event.exceptions[0].short_type == "SocketFailed"
    assert event.request is not None
    assert event.request.url == "ws://testserver.local/ws?room=7"
    assert event.context == "/ws"
    assert event.person is not None and event.person.id == "carol"
    for vendor in VENDORS:
        assert vendor_person_id(vendor, payloads[vendor]) == "carol"


def test_error_in_the_apps_own_middleware_is_reported_once(
    reports: Reports, url: str, bare_url: str
) -> None:
    answer = respond(url, "GET", "/ok?fail=1", headers={"X-User": "dave"})
    assert (
        answer
        == respond(bare_url, "GET", "/ok?fail=1")
        == (
            500,
            b'{"status_code":500,"detail":"Internal Server Error"}',
        )
    )
    event, _ = reports.one()
    assert event.exceptions[0].short_type == "MiddlewareBroke"
    assert event.context == "/ok"
    assert event.person is not None and event.person.id == "dave"


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/ok", {"X-User": "nobody"}, 401),  # AbstractAuthenticationMiddleware's own answer
        ("/ok?fail=404", {}, 404),
        ("/ok?fail=400", {}, 400),
    ],
)
def test_http_answers_below_500_raised_in_middleware_send_nothing(
    reports: Reports, url: str, bare_url: str, path: str, headers: Dict[str, str], status: int
) -> None:
    answer = respond(url, "GET", path, headers=dict(headers))
    assert answer == respond(bare_url, "GET", path, headers=dict(headers))
    assert answer[0] == status
    reports.none()
