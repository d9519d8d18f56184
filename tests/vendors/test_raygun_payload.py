"""Raygun: details, request (form and rawData rules), user, breadcrumbs and limits."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict

import pytest

from errorwire.core.event import Breadcrumb, Event, Person
from errorwire.inbox import normalize
from errorwire.vendors import raygun
from tests.vendors.vendor_events import (
    SETTINGS,
    encode,
    event_from,
    lookup_missing_key,
    raised,
    sample_request,
)


def _details(event: Event) -> Dict[str, Any]:
    details: Dict[str, Any] = encode("raygun", event)["details"]
    return details


def test_occurred_on_machine_version_client_and_header() -> None:
    event = event_from(raised(lookup_missing_key), timestamp=1700000000.987, code_version="2.1.0")
    payload = encode("raygun", event)
    assert payload["occurredOn"] == "2023-11-14T22:13:20Z"
    assert raygun.headers(SETTINGS["raygun"]) == {"X-ApiKey": "raygun-key"}
    details = payload["details"]
    assert details["machineName"] == event.server.host
    assert details["version"] == "2.1.0"
    assert details["groupingKey"] == event.grouping_key
    assert details["client"]["name"] == "errorwire"
    assert details["client"]["clientUrl"].startswith("https://")


def test_occurred_on_is_utc() -> None:
    moment = datetime(2031, 2, 3, 4, 5, 6, tzinfo=timezone.utc).timestamp()
    payload = encode("raygun", event_from(raised(lookup_missing_key), timestamp=moment))
    assert payload["occurredOn"] == "2031-02-03T04:05:06Z"


def test_environment_from_server_facts() -> None:
    event = event_from(raised(lookup_missing_key))
    environment = _details(event)["environment"]
    server = event.server
    assert environment["processorCount"] == server.processor_count
    assert environment["architecture"] == server.architecture
    assert environment["osVersion"] == server.os_version
    assert environment["platform"] == server.os_name
    if server.total_memory:
        assert environment["totalPhysicalMemory"] == server.total_memory // (1024 * 1024)


def test_environment_leaves_out_unknown_facts() -> None:
    event = event_from(raised(lookup_missing_key))
    event.server = type(event.server)(host="web-1", processor_count=8)
    details = _details(event)
    assert details["environment"] == {"processorCount": 8}
    assert details["machineName"] == "web-1"


def test_grouping_key_is_cut_to_100() -> None:
    event = event_from(raised(lookup_missing_key), fingerprint="k" * 150)
    assert _details(event)["groupingKey"] == "k" * 100


def test_tags_custom_data_response() -> None:
    event = event_from(
        raised(lookup_missing_key),
        tags=["beta", "region:eu"],
        extra={"cart": {"items": 3}},
        response_status=500,
        environment="staging",
    )
    details = _details(event)
    assert details["tags"] == ["beta", "region:eu", "env:staging"]
    assert details["userCustomData"] == {"cart": {"items": 3}}
    assert details["response"] == {"statusCode": 500}


def test_framework_is_a_tag() -> None:
    fields: Dict[str, Any] = {"tags": ["beta"], "environment": "staging"}
    event = event_from(raised(lookup_missing_key), framework="flask", **fields)
    assert _details(event)["tags"] == ["beta", "env:staging", "framework:flask"]
    no_framework = event_from(raised(lookup_missing_key), **fields)
    assert _details(no_framework)["tags"] == ["beta", "env:staging"]


def test_the_inbox_reads_the_framework_back_from_the_tag() -> None:
    # pyramid: not guessable from the frames' modules, so only the tag can tell it
    event = event_from(raised(lookup_missing_key), framework="pyramid")
    (report,) = normalize.reports_from("raygun", encode("raygun", event), {})
    assert report["framework"] == "pyramid"


def test_full_json_request() -> None:
    event = event_from(raised(lookup_missing_key), request=sample_request())
    sent = _details(event)["request"]
    assert sent["hostName"] == "shop.example.com"
    assert sent["url"] == "/orders/42/pay"
    assert sent["httpMethod"] == "POST"
    assert sent["iPAddress"] == "203.0.113.9"
    assert sent["queryString"] == {"coupon": "SPRING", "tag": ["a", "b"]}
    assert sent["headers"]["Referer"] == "https://shop.example.com/cart"
    assert sent["rawData"] == '{"amount": 12, "note": "café"}'
    assert "form" not in sent


@pytest.mark.parametrize(
    ("method", "content_type"),
    [
        ("GET", "application/json"),
        ("POST", "text/html; charset=utf-8"),
        ("POST", "application/x-www-form-urlencoded"),
        ("POST", "multipart/form-data; boundary=xyz"),
    ],
)
def test_raw_data_only_for_documented_requests(method: str, content_type: str) -> None:
    request = sample_request(method=method, content_type=content_type, body=b"a=1&b=2")
    sent = _details(event_from(raised(lookup_missing_key), request=request))["request"]
    assert "rawData" not in sent


def test_raw_data_is_cut_to_4096_bytes_on_a_character_boundary() -> None:
    body = ("é" * 3000).encode("utf-8")  # 6000 bytes of two-byte characters
    request = sample_request(method="PUT", content_type="text/plain", body=b"x" + body)
    raw = _details(event_from(raised(lookup_missing_key), request=request))["request"]["rawData"]
    assert raw == "x" + "é" * 2047
    assert len(raw.encode("utf-8")) == 4095


def test_form_names_and_values_are_cut_to_256() -> None:
    long_name, long_value = "n" * 300, "v" * 300
    request = sample_request(
        content_type="application/x-www-form-urlencoded",
        body=f"{long_name}={long_value}&color=red&color=blue&q=".encode(),
    )
    form = _details(event_from(raised(lookup_missing_key), request=request))["request"]["form"]
    assert form == {"n" * 256: "v" * 256, "color": "red,blue", "q": ""}


@pytest.mark.parametrize(
    ("person", "user"),
    [
        (  # no username field: the username is the name shown beside the id
            Person(id="42", username="alice", email="alice@example.com"),
            {"identifier": "42", "email": "alice@example.com", "fullName": "alice"},
        ),
        (
            Person(id="42", username="alice", name="Alice Liddell", anonymous=False),
            {
                "identifier": "42",
                "isAnonymous": False,
                "fullName": "Alice Liddell",
                "firstName": "Alice",
            },
        ),
        (Person(username="alice"), {"identifier": "alice"}),
        (Person(), None),
    ],
)
def test_user(person: Person, user: Any) -> None:
    details = _details(event_from(raised(lookup_missing_key), person=person))
    assert details.get("user") == user


def test_breadcrumbs() -> None:
    crumbs = [
        Breadcrumb("GET /cart", category="http", type="request", timestamp=1700000000.5),
        Breadcrumb("cache miss", type="log", level="warning", data={"key": "k"}, timestamp=1.0),
        Breadcrumb("flag on", type="state", level="critical", timestamp=2.0),
        Breadcrumb("never", timestamp=float("nan")),
    ]
    sent = _details(event_from(raised(lookup_missing_key), breadcrumbs=crumbs))["breadcrumbs"]
    assert sent == [
        {
            "timeStamp": 1700000000500,
            "level": "info",
            "type": "request",
            "category": "http",
            "message": "GET /cart",
        },
        {
            "timeStamp": 1000,
            "level": "warning",
            "type": "console",
            "message": "cache miss",
            "customData": {"key": "k"},
        },
        {"timeStamp": 2000, "level": "error", "type": "manual", "message": "flag on"},
    ]


def test_message_event() -> None:
    event = Event(message="nightly import finished with 3 skipped rows", level="info")
    error = _details(event)["error"]
    assert error["className"] == "LogMessage"
    assert error["message"] == "nightly import finished with 3 skipped rows"
    assert error["stackTrace"] == [{"lineNumber": 0}]
