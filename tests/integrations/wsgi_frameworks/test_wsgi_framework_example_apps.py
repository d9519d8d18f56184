"""example_apps/pyramid_app.py and bottle_app.py under waitress report each error route once."""

from __future__ import annotations

from tests.helpers import load_example
from tests.integrations.wsgi_frameworks.wsgi_framework_apps import serve
from tests.reports import Reports
from tests.served_apps import assert_demo_checkout, assert_demo_reported, demo_statuses

ROUTES = {"pyramid": "/items/{item_id}", "bottle": "/items/<item_id:int>"}


def test_example_app_reports_every_error_route_once(reports: Reports, kind: str) -> None:
    example = load_example(f"{kind}_app")  # Pyramid's Configurator finds it in sys.modules
    statuses = demo_statuses(example.make_app(), serve, example.DEMO_REQUESTS)
    assert statuses == [200, 500, 500, 503, 404, 500]
    unavailable = {"pyramid": "HTTPServiceUnavailable", "bottle": "HTTPError"}[kind]
    expected = [
        ("PaymentDeclined", "/view-error"),
        ("LookupError", ROUTES[kind]),
        (unavailable, "/unavailable"),
        ("ValueError", "/checkout"),
    ]
    events = assert_demo_reported(reports, expected)
    assert_demo_checkout(events[-1])
