"""Bugsnag payload version 4: envelope, severity, app/device, request, metaData, breadcrumbs."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from errorwire.core.event import Breadcrumb, Event, Person, UploadedFile
from errorwire.vendors import bugsnag
from tests.vendors.vendor_events import (
    SETTINGS,
    bugsnag_event,
    encode,
    event_from,
    lookup_missing_key,
    raised,
    sample_request,
)


def _event(event: Event) -> Dict[str, Any]:
    return bugsnag_event(encode("bugsnag", event))


def test_envelope_and_headers() -> None:
    payload = encode("bugsnag", event_from(raised(lookup_missing_key)))
    assert payload["apiKey"] == "bugsnag-key"
    assert payload["payloadVersion"] == "4"
    assert payload["notifier"]["name"] == "errorwire"
    assert payload["notifier"]["url"].startswith("https://")
    assert bugsnag.headers(SETTINGS["bugsnag"]) == {
        "Bugsnag-Api-Key": "bugsnag-key",
        "Bugsnag-Payload-Version": "4",
    }


@pytest.mark.parametrize(
    ("level", "handled", "reason", "severity"),
    [
        ("error", False, "unhandledException", "error"),
        ("critical", True, "handledException", "error"),
        ("warning", True, "handledException", "warning"),
        ("debug", True, "log", "info"),
    ],
)
def test_severity_and_reason(level: str, handled: bool, reason: str, severity: str) -> None:
    event = event_from(
        raised(lookup_missing_key), level=level, handled=handled, severity_reason=reason
    )
    sent = _event(event)
    assert sent["severity"] == severity
    assert sent["severityReason"] == {"type": reason}
    assert sent["unhandled"] is (not handled)


def test_context_grouping_app_and_device() -> None:
    event = event_from(
        raised(lookup_missing_key),
        context="/orders/{id}",
        environment="staging",
        code_version="1.4.2",
        framework="django",
    )
    sent = _event(event)
    assert sent["context"] == "/orders/{id}"
    assert sent["groupingHash"] == event.grouping_key
    started = event.server.started  # None where /proc is not there: no duration
    duration = {} if started is None else {"duration": int((event.timestamp - started) * 1000)}
    assert sent["app"] == {
        "version": "1.4.2",
        "releaseStage": "staging",
        "type": "django",
        **duration,
    }
    device = sent["device"]
    assert device["hostname"] == event.server.host
    assert device["osName"] == event.server.os_name
    assert device["runtimeVersions"] == {"python": event.server.python_version}
    assert device["time"].endswith("Z")


def test_user() -> None:
    person = Person(id="42", username="alice", email="alice@example.com")
    assert _event(event_from(raised(lookup_missing_key), person=person))["user"] == {
        "id": "42",
        "name": "alice",
        "email": "alice@example.com",
    }


def test_user_email_that_is_not_an_address_is_left_out() -> None:
    person = Person(id="42", email="not-an-address")
    assert _event(event_from(raised(lookup_missing_key), person=person))["user"] == {"id": "42"}


def test_request_and_request_metadata() -> None:
    request = sample_request(
        files=[UploadedFile(field="receipt", filename="r.pdf", size=10)],
    )
    sent = _event(event_from(raised(lookup_missing_key), request=request))
    assert sent["request"] == {
        "url": "https://shop.example.com/orders/42/pay?coupon=SPRING&tag=a&tag=b",
        "httpMethod": "POST",
        "headers": request.headers,
        "clientIp": "203.0.113.9",
        "referer": "https://shop.example.com/cart",
    }
    tab = sent["metaData"]["request"]
    assert tab["route"] == "/orders/{order_id}/pay"
    assert tab["routeParams"] == {"order_id": "42"}
    assert tab["query"] == {"coupon": "SPRING", "tag": ["a", "b"]}
    assert tab["json"] == {"amount": 12, "note": "café"}
    assert "body" not in tab
    assert tab["files"] == [{"field": "receipt", "filename": "r.pdf", "size": 10}]


def test_form_and_raw_body_metadata() -> None:
    form = sample_request(content_type="application/x-www-form-urlencoded", body=b"a=1&a=2")
    assert _event(event_from(raised(lookup_missing_key), request=form))["metaData"]["request"][
        "form"
    ] == {"a": ["1", "2"]}
    text = sample_request(content_type="text/plain", body=b"plain words")
    tab = _event(event_from(raised(lookup_missing_key), request=text))["metaData"]["request"]
    assert tab["body"] == "plain words"


def test_non_ascii_url_is_sent_as_a_uri() -> None:
    request = sample_request(url="https://shop.example.com/café?q=ü ber")
    sent = _event(event_from(raised(lookup_missing_key), request=request))["request"]
    assert sent["url"] == "https://shop.example.com/caf%C3%A9?q=%C3%BC%20ber"


def test_relative_url_is_left_out() -> None:
    request = sample_request(url="/orders/42")
    sent = _event(event_from(raised(lookup_missing_key), request=request))["request"]
    assert "url" not in sent


def test_metadata_tabs_for_extra_and_tags() -> None:
    event = event_from(
        raised(lookup_missing_key), extra={"cart": [1, 2]}, tags=["beta", "region:eu"]
    )
    meta = _event(event)["metaData"]
    assert meta["extra"] == {"cart": [1, 2]}
    assert meta["tags"] == {"beta": True, "region": "eu"}


def test_breadcrumbs_name_type_and_timestamp() -> None:
    long_message = "user pressed the checkout button twice in a row"
    crumbs = [
        Breadcrumb(long_message, category="ui", type="user", timestamp=1700000000.25),
        Breadcrumb("odd", type="click", data={"x": 1}, timestamp=1700000001.0),
        Breadcrumb("", category="db", type="process", timestamp=1700000002.0),
        Breadcrumb("lost", timestamp=float("inf")),
    ]
    sent = _event(event_from(raised(lookup_missing_key), breadcrumbs=crumbs))["breadcrumbs"]
    assert sent == [
        {
            "timestamp": "2023-11-14T22:13:20.250Z",
            "name": long_message[:30],
            "type": "user",
            "metaData": {"message": long_message, "category": "ui"},
        },
        {
            "timestamp": "2023-11-14T22:13:21.000Z",
            "name": "odd",
            "type": "manual",
            "metaData": {"x": 1},
        },
        {
            "timestamp": "2023-11-14T22:13:22.000Z",
            "name": "db",
            "type": "process",
            "metaData": {"category": "db"},
        },
    ]


def test_message_event() -> None:
    event = Event(message="queue is 90% full", level="warning", severity_reason="log")
    sent = _event(event)
    assert sent["exceptions"] == [
        {
            "errorClass": "LogMessage",
            "message": "queue is 90% full",
            "type": "python",
            "stacktrace": [],
        }
    ]
    assert sent["severity"] == "warning"
    assert sent["severityReason"] == {"type": "log"}
