"""example_apps/sanic_app.py on Sanic's own server reports each error route once."""

from __future__ import annotations

from tests.helpers import load_example
from tests.integrations.sanic.sanic_apps import serve
from tests.reports import Reports
from tests.served_apps import assert_demo_checkout, assert_demo_reported, demo_statuses


def test_example_app_reports_every_error_route_once(reports: Reports) -> None:
    example = load_example("sanic_app")
    statuses = demo_statuses(example.app, serve, example.DEMO_REQUESTS)
    assert statuses == [200, 500, 500, 503, 404, 500]
    events = assert_demo_reported(
        reports,
        [
            ("PaymentDeclined", "/view-error"),
            ("LookupError", "/items/<item_id:int>"),
            ("ServiceUnavailable", "/unavailable"),
            ("ValueError", "/checkout"),
        ],
    )
    assert_demo_checkout(events[-1])
