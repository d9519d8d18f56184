"""example_apps/flask_app.py: each error route reported once, the working one not at all."""

from __future__ import annotations

import time
from typing import Any, Dict

import pytest

pytest.importorskip("flask")

import errorwire
from tests.helpers import load_example
from tests.receiver import Receiver
from tests.reports import VENDORS, start, vendor_exception_classes, vendor_person_id


def test_every_error_route_of_the_example_is_reported(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    example = load_example("flask_app")
    client = example.app.test_client()
    expected = []
    for method, path, body in example.DEMO_REQUESTS:
        response = client.open(path, method=method, json=body, headers={"X-User": "alice"})
        if path == "/stream":
            with pytest.raises(example.PaymentDeclined):
                response.get_data()
            expected.append("PaymentDeclined")
        elif path == "/":
            assert (response.status_code, response.get_data()) == (200, b"all good")
        elif path == "/background":
            assert response.status_code == 200
            expected.append("ConnectionError")
        else:
            assert response.status_code == 500
            expected.append(
                {
                    "/view-error": "PaymentDeclined",
                    "/nested": "KeyError",
                    "/template": "ZeroDivisionError",
                    "/items/7?expand=price": "LookupError",
                    "/checkout": "TypeError",
                }[path]
            )
    assert errorwire.flush(timeout=10.0)
    for _ in range(100):  # the background thread reports on its own time
        if len(reports.events) == len(expected):
            break
        time.sleep(0.05)
    reports.settle()
    assert sorted(e.exceptions[0].short_type for e in reports.events) == sorted(expected)
    for vendor in VENDORS:
        payloads = reports.payloads(vendor)
        classes = sorted(vendor_exception_classes(vendor, p)[0] for p in payloads)
        assert classes == sorted(expected)
    item = next(e for e in reports.events if e.exceptions[0].short_type == "LookupError")
    assert item.person is not None and item.person.id == "alice"
    assert item.context == "/items/<int:item_id>"
    rollbar = next(
        p for p in reports.payloads("rollbar") if p["data"].get("context") == item.context
    )
    assert vendor_person_id("rollbar", rollbar) == "alice"
