"""example_apps/aiohttp_app.py on aiohttp's own runner reports each error route once."""

from __future__ import annotations

import httpx

from tests.helpers import load_example
from tests.integrations.aiohttp.aiohttp_apps import serve
from tests.reports import Reports


def test_example_app_reports_every_error_route_once(reports: Reports) -> None:
    example = load_example("aiohttp_app")
    statuses = []
    with serve(example.make_app()) as url, httpx.Client(base_url=url) as client:
        for method, path, body in example.DEMO_REQUESTS:
            try:
                response = client.request(method, path, json=body, headers={"X-User": "alice"})
                statuses.append(response.status_code)
            except httpx.RemoteProtocolError:  # the stream breaks after its first chunk
                statuses.append(None)
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
    by_context = {e.context: e for e in events}
    person = by_context["/items/{item_id}"].person
    assert person is not None and person.id == "alice"
    checkout = by_context["/checkout"]
    assert checkout.request is not None
    assert checkout.request.json == {"cart": [1, 2], "coupon": "SPRING"}
    assert [b.message for b in checkout.breadcrumbs] == ["checkout started"]
