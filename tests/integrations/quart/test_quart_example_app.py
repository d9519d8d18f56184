"""example_apps/quart_app.py behind uvicorn reports each error route once."""

from __future__ import annotations

from tests.helpers import load_example
from tests.integrations.asgi.asgi_support import serve
from tests.reports import Reports
from tests.served_apps import assert_demo_item_person_and_checkout, demo_answers


def test_example_app_reports_every_error_route_once(reports: Reports) -> None:
    example = load_example("quart_app")
    with serve(example.app) as url:
        statuses = demo_answers(url, example.DEMO_REQUESTS)  # None: the stream broke
    assert statuses == [200, 500, 500, None, 200, 500, 500, 404, 500]
    events = reports.settle()
    assert sorted((e.exceptions[0].short_type, e.context) for e in events) == sorted(
        [
            ("PaymentDeclined", "/view-error"),
            ("KeyError", "/nested"),
            ("PaymentDeclined", "/stream"),
            ("ConnectionError", "/background"),
            ("LookupError", "/items/<int:item_id>"),
            ("KeyError", "/shop/orders/<order_id>"),
            ("ValueError", "/checkout"),
        ],
        key=str,
    )
    assert_demo_item_person_and_checkout(events, "/items/<int:item_id>")
