"""example_apps/tornado_app.py on Tornado's own server reports each error route once."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import httpx

from tests.integrations.tornado.tornado_apps import serve
from tests.reports import Reports

EXAMPLE = Path(__file__).resolve().parents[3] / "example_apps" / "tornado_app.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_tornado_app", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_app_reports_every_error_route_once(reports: Reports) -> None:
    example = load()
    with serve(example.make_app()) as url, httpx.Client(base_url=url) as client:
        statuses = [
            client.request(method, path, json=body, headers={"X-User": "alice"}).status_code
            for method, path, body in example.DEMO_REQUESTS
        ]
    assert statuses == [200, 500, 500, 503, 404, 500]
    events = reports.settle()
    assert [(e.exceptions[0].short_type, e.context) for e in events] == [
        ("PaymentDeclined", "/view-error"),
        ("LookupError", "/items/([0-9]+)"),
        ("HTTPError", "/unavailable"),
        ("ValueError", "/checkout"),
    ]
    assert all(e.person is not None and e.person.id == "alice" for e in events)
    checkout = events[-1]
    assert checkout.request is not None
    assert checkout.request.json == {"cart": [1, 2], "coupon": "SPRING"}
    assert [b.message for b in checkout.breadcrumbs] == ["checkout started"]
