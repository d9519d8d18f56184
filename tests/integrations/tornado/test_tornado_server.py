"""A real Tornado app on Tornado's own HTTPServer, with ``Errorwire(app)``: every error
reported once, with its request, to every vendor (schema-valid); the app's responses
exactly as without errorwire."""

from __future__ import annotations

from typing import List

import pytest

from errorwire.integrations.tornado import Errorwire
from tests import served_apps
from tests.concurrent_checkouts import assert_checkouts_kept_apart
from tests.integrations.tornado.tornado_apps import make_app, serve
from tests.reports import Reports
from tests.route_reports import ErrorRoute, error_route_test, usual_error_routes

TORNADO = served_apps.ServedApp(make_app, serve)


ERROR_ROUTES: List[ErrorRoute] = [
    *usual_error_routes("/items/([0-9]+)", 500),
    ErrorRoute("GET", "/unavailable", {}, ["HTTPError"], "/unavailable", 503),
]


test_error_route_is_reported_once_with_its_request = error_route_test(
    "tornado", TORNADO.both, ERROR_ROUTES
)


def test_route_parameters_query_and_the_json_the_app_read(reports: Reports) -> None:
    TORNADO.both(
        "POST", "/items/7?verbose=1&tag=a&tag=b&api_key=k3y-s3cret", json=served_apps.SECRET_ITEM
    )
    query = {"verbose": "1", "tag": ["a", "b"], "api_key": "k3y-s3cret"}
    served_apps.assert_item_json_reported(reports, {"0": "7"}, query)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/missing", 404),
        ("GET", "/no-such-route", 404),
        ("DELETE", "/ok", 405),
        ("GET", "/count", 400),  # a missing argument
    ],
)
def test_tornado_answers_below_500_send_nothing(
    reports: Reports, method: str, path: str, status: int
) -> None:
    assert TORNADO.both(method, path)[0] == status
    reports.none()


def test_the_apps_own_error_page_is_kept_and_the_error_reported(reports: Reports) -> None:
    assert TORNADO.both("GET", "/own-page") == (500, b"<h1>Sorry (500)</h1>")
    event, _ = reports.one()
    assert event.exceptions[0].message == "with the app's own page"


def test_current_user_is_the_person_and_set_person_wins(reports: Reports) -> None:
    served_apps.assert_person_from_the_request(reports, TORNADO)


def test_30_concurrent_users_each_get_their_own_person_breadcrumbs_and_request(
    reports: Reports,
) -> None:
    with serve(make_app()) as url:
        assert_checkouts_kept_apart(url, reports, "/users/(?P<order>[^/]+)/checkout")


class TestTornadoLikeEveryServedApp(served_apps.LikeEveryServedApp):
    served = TORNADO
    errorwire = Errorwire
