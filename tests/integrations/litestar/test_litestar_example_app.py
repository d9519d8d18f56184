"""example_apps/litestar_app.py under uvicorn reports each of its error routes once."""

from __future__ import annotations

from tests.helpers import load_example
from tests.integrations.asgi.asgi_support import serve
from tests.reports import Reports
from tests.served_apps import assert_demo_reported, demo_statuses


def test_example_app_reports_every_error_route_once(reports: Reports) -> None:
    module = load_example("litestar_app")
    statuses = demo_statuses(module.app, serve, module.DEMO_REQUESTS)
    assert statuses == [200, 500, 500, 200, 404, 500]
    expected = [
        ("PaymentDeclined", "/view-error"),
        ("KeyError", "/nested"),
        ("PaymentDeclined", "/stream"),
        ("LookupError", "/items/{item_id}"),
    ]
    events = assert_demo_reported(reports, expected)
    assert events[-1].request is not None
    assert events[-1].request.json == {"quantity": 2, "coupon": "SPRING"}
