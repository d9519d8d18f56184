"""example_apps/aiohttp_app.py on aiohttp's own runner reports each error route once."""

from __future__ import annotations

from tests.helpers import load_example
from tests.integrations.aiohttp.aiohttp_apps import serve
from tests.reports import Reports
from tests.served_apps import assert_demo_item_person_and_checkout, demo_answers


def test_example_app_reports_every_error_route_once(reports: Reports) -> None:
    example = load_example("aiohttp_app")
    with serve(example.make_app()) as url:
        statuses = demo_answers(url, example.DEMO_REQUESTS)  # None: the stream broke
    assert statuses == [200, 500, 500, None, 500, 500, 404, 500]
    events = reports.settle()
    assert [(e.exceptions[0].short_type, e.context) for e in events] == [
        ("PaymentDeclined", "/view-error"),
        ("KeyError", "/nested"),
        ("PaymentDeclined", "/stream"),
        ("LookupError", "/items/{item_id}"),
        ("KeyError", "/shop/orders/{order_id}"),
        ("ValueError", "/checkout"),
    ]
    assert_demo_item_person_and_checkout(events, "/items/{item_id}")
