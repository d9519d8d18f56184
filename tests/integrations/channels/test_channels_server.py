"""A Channels application under uvicorn with ``ErrorwireMiddleware(router)``: HTTP and
websocket consumers' errors reported once with their request, route and user, to every
vendor (schema-valid); responses exactly as without errorwire."""

from __future__ import annotations

from typing import List

from tests import served_apps
from tests.concurrent_checkouts import assert_checkouts_kept_apart
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.channels.channels_apps import make_app
from tests.reports import VENDORS, Reports, vendor_exception_classes, vendor_person_id
from tests.route_reports import ErrorRoute, error_route_test, usual_error_routes

CHANNELS = served_apps.ServedApp(make_app, serve)


ERROR_ROUTES: List[ErrorRoute] = [
    *usual_error_routes("/items/<int:item_id>"),
]


test_http_consumer_error_is_reported_once_with_its_request = error_route_test(
    "channels",
    CHANNELS.both,
    ERROR_ROUTES,
    answered=lambda route: 500,
    reported_status=lambda route: None,
)


def test_route_parameters_and_the_json_body(reports: Reports) -> None:
    CHANNELS.both("POST", "/items/7?verbose=1", json={"qty": -1, "password": "hunter2"})
    event, payloads = reports.one()
    assert event.request is not None
    assert event.request.route_params == {"item_id": 7}
    assert event.request.has_json and event.request.json == {"qty": -1, "password": "hunter2"}
    for vendor in VENDORS:
        assert "hunter2" not in str(payloads[vendor])


def test_a_working_consumer_is_unchanged_and_reports_nothing(reports: Reports) -> None:
    assert CHANNELS.both("GET", "/ok") == (200, b"fine")
    reports.none()


def test_the_user_in_the_scope_is_the_person(reports: Reports) -> None:
    served_apps.assert_person_from_the_request(reports, CHANNELS)


def test_30_concurrent_users_each_get_their_own_person_breadcrumbs_and_request(
    reports: Reports,
) -> None:
    with serve(make_app()) as url:
        assert_checkouts_kept_apart(url, reports, "/^users/(?P<order>[^/]+)/checkout$")


def test_a_websocket_consumer_error_is_reported_with_its_request_and_person(
    reports: Reports,
) -> None:
    served_apps.say_hello_over_websocket(CHANNELS, "/ws/rooms/lobby/?x=1")
    event, payloads = reports.one()
    assert event.exceptions[0].message == "cannot handle 'hello' in lobby"
    assert event.request is not None and event.request.url.endswith("/ws/rooms/lobby/?x=1")
    assert event.context == "/ws/rooms/<str:room>/"
    assert event.request.route_params == {"room": "lobby"}
    assert event.person is not None and event.person.id == "carol"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor]) == ["SocketFailed"]
        assert vendor_person_id(vendor, payloads[vendor]) == "carol"


class TestChannelsFromTheEnvironment(served_apps.FromTheEnvironment):
    served = CHANNELS
