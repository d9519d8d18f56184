"""example_apps/channels_app.py under uvicorn reports each error route once."""

from __future__ import annotations

from tests.helpers import load_example
from tests.integrations.asgi.asgi_support import serve
from tests.reports import Reports
from tests.served_apps import assert_demo_checkout, assert_demo_reported, demo_statuses


def test_example_app_reports_every_error_route_once(reports: Reports) -> None:
    example = load_example("channels_app")
    statuses = demo_statuses(example.make_application(), serve, example.DEMO_REQUESTS)
    assert statuses == [200, 500, 500, 500]
    events = assert_demo_reported(
        reports,
        [
            ("PaymentDeclined", "/view-error"),
            ("LookupError", "/items/<int:item_id>"),
            ("ValueError", "/checkout"),
        ],
    )
    assert_demo_checkout(events[-1])
