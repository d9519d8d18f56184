"""End to end: errorwire.init + capture_* -> the three payloads that reach a real HTTP receiver."""

from __future__ import annotations

from typing import Any, Dict

import errorwire
from errorwire.core.context import request_scope
from tests.receiver import Receiver
from tests.schemas import assert_valid
from tests.vendors.vendor_events import (
    bugsnag_event,
    raygun_errors,
    rollbar_traces,
    wrap_with_cause,
)


def _bodies(receiver: Receiver) -> Dict[str, Any]:
    assert errorwire.flush(timeout=5.0)
    arrived = receiver.wait_for(3, timeout=10.0)
    assert sorted(item.vendor for item in arrived) == ["bugsnag", "raygun", "rollbar"]
    bodies = {}
    for item in arrived:
        payload = item.json()
        assert_valid(item.vendor, payload)
        assert item.headers["Content-Type"] == "application/json"
        bodies[item.vendor] = payload
    return bodies


def test_captured_chain_reaches_all_three_vendors(receiver: Receiver, all_vendors: Any) -> None:
    errorwire.init(sync=True, environment="staging", **all_vendors)
    with request_scope():  # what an integration opens per request: person, breadcrumbs
        errorwire.set_person(id=7, username="zoé", email="zoe@example.com")
        errorwire.add_breadcrumb("opened checkout", category="ui")
        try:
            wrap_with_cause()
        except Exception:
            event_id = errorwire.capture_exception(extra={"cart_id": "c-1"})
    assert event_id

    bodies = _bodies(receiver)
    headers = {item.vendor: item.headers for item in receiver.received}
    assert headers["rollbar"]["X-Rollbar-Access-Token"] == "rollbar-token"
    assert headers["raygun"]["X-ApiKey"] == "raygun-key"
    assert headers["bugsnag"]["Bugsnag-Api-Key"] == "bugsnag-key"
    assert headers["bugsnag"]["Bugsnag-Payload-Version"] == "4"

    rollbar = bodies["rollbar"]
    assert rollbar["access_token"] == "rollbar-token"
    data = rollbar["data"]
    assert data["uuid"] == event_id
    assert data["environment"] == "staging"
    assert [t["exception"]["class"] for t in rollbar_traces(rollbar)] == [
        "tests.vendors.vendor_events.PaymentFailed",
        "KeyError",
    ]
    assert rollbar_traces(rollbar)[1]["frames"][-1]["code"].strip() == 'data["missing"] += 1'
    assert data["person"] == {"id": "7", "username": "zoé", "email": "zoe@example.com"}
    assert data["custom"]["cart_id"] == "c-1"
    assert [crumb["message"] for crumb in data["custom"]["breadcrumbs"]] == ["opened checkout"]

    raygun = bodies["raygun"]["details"]
    assert [e["className"] for e in raygun_errors(bodies["raygun"])] == [
        "tests.vendors.vendor_events.PaymentFailed",
        "KeyError",
    ]
    assert raygun["user"] == {"identifier": "7", "email": "zoe@example.com", "fullName": "zoé"}
    assert raygun["userCustomData"] == {"cart_id": "c-1"}
    assert raygun["groupingKey"] == data["fingerprint"]

    event = bugsnag_event(bodies["bugsnag"])
    assert [e["errorClass"] for e in event["exceptions"]] == [
        "tests.vendors.vendor_events.PaymentFailed",
        "KeyError",
    ]
    assert event["unhandled"] is False
    assert event["severityReason"] == {"type": "handledException"}
    assert event["app"]["releaseStage"] == "staging"
    assert event["groupingHash"] == data["fingerprint"]
    assert [crumb["name"] for crumb in event["breadcrumbs"]] == ["opened checkout"]


def test_captured_message_reaches_all_three_vendors(receiver: Receiver, all_vendors: Any) -> None:
    errorwire.init(sync=True, **all_vendors)
    errorwire.capture_message("nightly import skipped 3 rows", level="warning")

    bodies = _bodies(receiver)
    assert bodies["rollbar"]["data"]["body"] == {
        "message": {"body": "nightly import skipped 3 rows"}
    }
    assert bodies["rollbar"]["data"]["level"] == "warning"
    assert bodies["raygun"]["details"]["error"]["message"] == "nightly import skipped 3 rows"
    event = bugsnag_event(bodies["bugsnag"])
    assert event["exceptions"][0]["message"] == "nightly import skipped 3 rows"
    assert event["severity"] == "warning"
    assert event["severityReason"] == {"type": "log"}
