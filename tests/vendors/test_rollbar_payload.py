"""Rollbar: request, person, server, custom data, messages and the documented field limits."""

from __future__ import annotations

import hashlib
import math
import uuid
from typing import Any, Dict

from errorwire.core.event import Breadcrumb, Event, Person, UploadedFile
from errorwire.vendors import rollbar
from tests.vendors.vendor_events import (
    SETTINGS,
    encode,
    event_from,
    fail_with,
    lookup_missing_key,
    raised,
    sample_request,
)


def _data(event: Event) -> Dict[str, Any]:
    data: Dict[str, Any] = encode("rollbar", event)["data"]
    return data


def test_top_level_fields_and_access_token() -> None:
    exc = raised(lookup_missing_key)
    event = event_from(exc, environment="staging", framework="flask", context="/orders/{id}")
    payload = encode("rollbar", event)
    data = payload["data"]

    assert payload["access_token"] == "rollbar-token"
    assert rollbar.headers(SETTINGS["rollbar"]) == {"X-Rollbar-Access-Token": "rollbar-token"}
    assert data["environment"] == "staging"
    assert data["level"] == "error"
    assert data["timestamp"] == int(event.timestamp)
    assert data["language"] == "python"
    assert data["framework"] == "flask"
    assert data["context"] == "/orders/{id}"
    assert data["uuid"] == event.event_id
    assert uuid.UUID(hex=data["uuid"]).version == 4
    assert data["fingerprint"] == event.grouping_key
    assert data["notifier"]["name"] == "errorwire"
    assert data["platform"] == event.server.os_name.lower()  # type: ignore[union-attr]
    server = data["server"]
    assert server["host"] == event.server.host
    assert server["root"] == event.server.root
    assert not server["root"].endswith("/")
    if event.server.code_version:
        assert data["code_version"] == event.server.code_version[:40]


def test_server_root_loses_its_trailing_slash() -> None:
    event = event_from(raised(lookup_missing_key))
    event.server = type(event.server)(host="web-1", root="/srv/app/")
    assert _data(event)["server"] == {"host": "web-1", "root": "/srv/app"}


def test_full_request() -> None:
    request = sample_request(
        files=[UploadedFile(field="receipt", filename="r.pdf", size=2048, content_type="x/pdf")]
    )
    event = event_from(raised(lookup_missing_key), request=request)
    sent = _data(event)["request"]

    assert sent["url"] == "https://shop.example.com/orders/42/pay?coupon=SPRING&tag=a&tag=b"
    assert sent["method"] == "POST"
    assert sent["headers"]["User-Agent"] == "pytest"
    assert sent["GET"] == {"coupon": "SPRING", "tag": ["a", "b"]}
    assert sent["query_string"] == "coupon=SPRING&tag=a&tag=b"
    assert sent["json"] == {"amount": 12, "note": "café"}
    assert sent["body"] == '{"amount": 12, "note": "café"}'
    assert sent["user_ip"] == "203.0.113.9"
    assert sent["params"] == {"order_id": "42"}
    assert sent["route"] == "/orders/{order_id}/pay"
    assert sent["files"] == [
        {"field": "receipt", "filename": "r.pdf", "size": 2048, "contentType": "x/pdf"}
    ]
    assert "POST" not in sent  # no form fields in a JSON request


def test_form_request_goes_to_post() -> None:
    request = sample_request(
        content_type="application/x-www-form-urlencoded", body=b"name=Zo%C3%A9&qty=2&qty=3"
    )
    sent = _data(event_from(raised(lookup_missing_key), request=request))["request"]
    assert sent["POST"] == {"name": "Zoé", "qty": ["2", "3"]}
    assert "json" not in sent


def test_person_limits() -> None:
    person = Person(id="u" * 50, username="n" * 300, email="e" * 300 + "@x.org")
    sent = _data(event_from(raised(lookup_missing_key), person=person))["person"]
    assert sent == {"id": "u" * 40, "username": "n" * 255, "email": ("e" * 300)[:255]}


def test_person_without_id_is_left_out() -> None:
    data = _data(event_from(raised(lookup_missing_key), person=Person(username="alice")))
    assert "person" not in data


def test_custom_holds_extra_breadcrumbs_and_tags() -> None:
    cyclic: Dict[str, Any] = {"name": "loop"}
    cyclic["self"] = cyclic
    crumb = Breadcrumb("opened cart", category="ui", data={"items": 3}, timestamp=1700000000.25)
    event = event_from(
        raised(lookup_missing_key),
        extra={"order": 42, "ratio": math.nan, "when": object, "cyclic": cyclic},
        breadcrumbs=[crumb],
        tags=["region:eu"],
    )
    custom = _data(event)["custom"]
    assert custom["order"] == 42
    assert custom["ratio"] == "nan"
    assert custom["when"] == str(object)
    assert custom["cyclic"]["self"]["self"]["name"] == "loop"
    assert custom["breadcrumbs"] == [
        {
            "timestamp": "2023-11-14T22:13:20.250Z",
            "message": "opened cart",
            "category": "ui",
            "level": "info",
            "type": "manual",
            "data": {"items": 3},
        }
    ]
    assert custom["tags"] == ["region:eu"]


def test_capture_message_body() -> None:
    event = Event(message="disk almost full: 93 %", level="warning", logger_name="app.disk")
    data = _data(event)
    assert data["body"] == {"message": {"body": "disk almost full: 93 %", "logger": "app.disk"}}
    assert data["level"] == "warning"
    assert data["title"] == "disk almost full: 93 %"


def test_logged_exception_keeps_the_log_line_as_description() -> None:
    event = event_from(raised(lookup_missing_key), message="could not update cart")
    trace = _data(event)["body"]["trace"]
    assert trace["exception"]["description"] == "could not update cart"


def test_documented_limits() -> None:
    exc = raised(lambda: fail_with(ValueError("x" * 1000)))
    event = event_from(
        exc,
        environment="e" * 300,
        code_version="v" * 60,
        fingerprint="custom-group-" + "g" * 50,
    )
    data = _data(event)
    assert data["title"] == ("ValueError: " + "x" * 1000)[:255]
    assert data["environment"] == "e" * 255
    assert data["code_version"] == "v" * 40
    fingerprint = "custom-group-" + "g" * 50
    assert data["fingerprint"] == hashlib.sha1(fingerprint.encode()).hexdigest()


def test_short_fingerprint_is_sent_as_it_is() -> None:
    data = _data(event_from(raised(lookup_missing_key), fingerprint="checkout-timeouts"))
    assert data["fingerprint"] == "checkout-timeouts"
