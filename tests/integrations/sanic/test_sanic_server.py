"""A real Sanic app on Sanic's own server, with ``Errorwire(app)``: every error reported
once, with its request, to every vendor (schema-valid); the app's responses exactly as
without errorwire."""

from __future__ import annotations

from typing import List

import pytest

from errorwire.integrations.sanic import Errorwire
from tests import served_apps
from tests.concurrent_checkouts import assert_checkouts_kept_apart
from tests.integrations.sanic.sanic_apps import make_app, serve
from tests.reports import Reports
from tests.route_reports import ErrorRoute, error_route_test, usual_error_routes

SANIC = served_apps.ServedApp(make_app, serve)


ERROR_ROUTES: List[ErrorRoute] = [
    *usual_error_routes("/items/<item_id:int>", 500),
    ErrorRoute("GET", "/unavailable", {}, ["ServiceUnavailable"], "/unavailable", 503),
    ErrorRoute("GET", "/stream", {}, ["StreamBroke"], "/stream", None),  # its 200 was already sent
]


test_error_route_is_reported_once_with_its_request = error_route_test(
    "sanic", SANIC.both, ERROR_ROUTES, answered=lambda route: route.status or 200
)


def test_route_parameters_query_and_the_json_the_app_read(reports: Reports) -> None:
    SANIC.both(
        "POST", "/items/7?verbose=1&tag=a&tag=b&api_key=k3y-s3cret", json=served_apps.SECRET_ITEM
    )
    query = {"verbose": "1", "tag": ["a", "b"], "api_key": "k3y-s3cret"}
    served_apps.assert_item_json_reported(reports, {"item_id": 7}, query)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/missing", 404),
        ("GET", "/no-such-route", 404),
        ("DELETE", "/ok", 405),
        ("GET", "/stock", 409),  # the app's own handler answers it
    ],
)
def test_sanic_answers_below_500_send_nothing(
    reports: Reports, method: str, path: str, status: int
) -> None:
    assert SANIC.both(method, path)[0] == status
    reports.none()


def test_the_apps_own_500_page_is_kept_and_the_error_reported(reports: Reports) -> None:
    assert SANIC.both("GET", "/view-error", {"error_pages": True}) == (500, b"our own 500 page")
    event, _ = reports.one()
    assert [info.short_type for info in event.exceptions] == ["PaymentFailed", "KeyError"]


def test_30_concurrent_users_each_get_their_own_person_breadcrumbs_and_request(
    reports: Reports,
) -> None:
    with serve(make_app()) as url:
        assert_checkouts_kept_apart(
            url, reports, "/users/<order:str>/checkout"
        )  # Sanic names the type


class TestSanicLikeEveryServedApp(served_apps.LikeEveryServedApp):
    served = SANIC
    errorwire = Errorwire
