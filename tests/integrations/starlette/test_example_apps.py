"""The runnable example apps (example_apps/starlette_app.py, fastapi_app.py) report each error."""

from __future__ import annotations

from typing import List, Tuple

import pytest
from starlette.testclient import TestClient

from tests.helpers import load_example
from tests.reports import Reports

# (path, exception class reported, its context)
ROUTES: List[Tuple[str, str, str]] = [
    ("/view-error", "PaymentDeclined", "/view-error"),
    ("/nested", "KeyError", "/nested"),
    ("/template", "ZeroDivisionError", "/template"),
    ("/stream", "PaymentDeclined", "/stream"),
    ("/background", "ConnectionError", "/background"),
    ("/items/7", "LookupError", "/items/{item_id}"),
]


@pytest.mark.parametrize("name", ["starlette_app", "fastapi_app"])
def test_example_app_reports_every_error_route_once(reports: Reports, name: str) -> None:
    if name == "fastapi_app":
        pytest.importorskip("fastapi")
    app = load_example(name).app
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 200
        statuses = [
            client.get(path, headers={"X-User": "alice"}).status_code for path, _, _ in ROUTES
        ]
    assert statuses == [500, 500, 500, 200, 200, 500]
    events = reports.settle()
    assert [(e.exceptions[0].short_type, e.context) for e in events] == [
        (cls, context) for _, cls, context in ROUTES
    ]
    assert events[-1].person is not None and events[-1].person.id == "alice"
