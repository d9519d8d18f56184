"""example_apps/falcon_app.py, its WSGI app under wsgiref and its ASGI app under uvicorn,
reports each of its error routes once."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from tests.helpers import load_example
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.falcon.falcon_support import serve_wsgi
from tests.reports import Reports


def status_of(method: str, url: str, body: Any) -> int:
    """The status line's code; the stream that breaks after its first row is cut off."""
    with httpx.stream(method, url, json=body, headers={"X-User": "alice"}, timeout=10) as answer:
        with contextlib.suppress(httpx.RemoteProtocolError):
            answer.read()
        return answer.status_code


def test_example_app_reports_every_error_route_once(reports: Reports, kind: str) -> None:
    module = load_example("falcon_app")
    app, run = (module.app, serve_wsgi) if kind == "wsgi" else (module.asgi_app, serve)
    with run(app) as url:
        statuses = [
            status_of(method, url + path, body) for method, path, body in module.DEMO_REQUESTS
        ]
    assert statuses == [200, 500, 500, 200, 404, 500]
    events = reports.settle()
    assert [(e.exceptions[0].short_type, e.context) for e in events] == [
        ("PaymentDeclined", "/view-error"),
        ("KeyError", "/nested"),
        ("PaymentDeclined", "/stream"),
        ("LookupError", "/items/{item_id:int}"),
    ]
    assert all(e.person is not None and e.person.id == "alice" for e in events)
    assert events[-1].request is not None
    assert events[-1].request.json == {"quantity": 2, "coupon": "SPRING"}
