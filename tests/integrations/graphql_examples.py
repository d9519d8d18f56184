"""The GraphQL example apps (example_apps/strawberry_app.py, graphene_app.py), loaded
from their files, and what each one's demo operations must report."""

from __future__ import annotations

from types import ModuleType
from typing import Any, Dict, List

import httpx

from tests.reports import (
    VENDORS,
    Reports,
    vendor_context,
    vendor_exception_classes,
    vendor_person_id,
)

EXPECTED = {  # context -> (exception class, person)
    "OrderLines: order.lines.1.total": ("ZeroDivisionError", "alice"),
    "Shipping: order.shipping": ("ConnectionError", "alice"),
    "Pay: pay": ("PaymentDeclined", None),
}


def send_demo_requests(example: ModuleType, url: str) -> List[Dict[str, Any]]:
    """Every demo operation answers 200 with its GraphQL result (errors and all)."""
    answers = []
    for method, path, body in example.DEMO_REQUESTS:
        response = httpx.request(method, url + path, json=body, headers={"X-User": "alice"})
        assert response.status_code == 200, (path, body, response.text)
        answers.append(response.json())
    return answers


def assert_demo_reports(reports: Reports, answers: List[Dict[str, Any]]) -> None:
    assert answers[0] == {"data": {"hello": "all good"}}
    assert answers[4]["errors"][0]["message"] == "coupon SPRING has expired"  # not reported
    assert "nope" in answers[5]["errors"][0]["message"]  # an invalid query: not reported
    reports.settle()
    assert len(reports.events) == len(EXPECTED)
    for vendor in VENDORS:
        seen = {}
        for payload in reports.payloads(vendor):
            classes = vendor_exception_classes(vendor, payload)
            seen[classes[0]] = (vendor_context(vendor, payload), vendor_person_id(vendor, payload))
            assert "hunter2" not in str(payload) and "4242 4242" not in str(payload), vendor
        for context, (name, person) in EXPECTED.items():
            found_context, found_person = seen[name]
            assert found_person == person, (vendor, name)
            if vendor != "raygun":  # Raygun has no context field
                assert found_context == context, (vendor, name)
