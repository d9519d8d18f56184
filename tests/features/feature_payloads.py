"""Read what a user checks in each vendor's payload: breadcrumbs, grouping, custom data."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Set

import errorwire
from tests.receiver import Received, Receiver


def breadcrumb_messages(item: Received) -> List[str]:
    """The breadcrumbs' full messages, oldest first, as the vendor received them."""
    payload = item.json()
    if item.vendor == "rollbar":
        crumbs = payload["data"].get("custom", {}).get("breadcrumbs", [])
        return [c["message"] for c in crumbs]
    if item.vendor == "raygun":
        return [c["message"] for c in payload["details"].get("breadcrumbs", [])]
    crumbs = payload["events"][0].get("breadcrumbs", [])
    # Bugsnag's name is cut to 30 characters; the whole text then sits in metaData.
    return [c.get("metaData", {}).get("message", c["name"]) for c in crumbs]


def group(item: Received) -> Any:
    """Rollbar ``fingerprint``, Raygun ``groupingKey``, Bugsnag ``groupingHash``."""
    payload = item.json()
    if item.vendor == "rollbar":
        return payload["data"].get("fingerprint")
    if item.vendor == "raygun":
        return payload["details"].get("groupingKey")
    return payload["events"][0].get("groupingHash")


def custom(item: Received) -> Dict[str, Any]:
    """The event's ``extra`` where each vendor keeps custom data."""
    payload = item.json()
    if item.vendor == "rollbar":
        found: Dict[str, Any] = payload["data"].get("custom", {})
    elif item.vendor == "raygun":
        found = payload["details"].get("userCustomData", {})
    else:
        found = payload["events"][0].get("metaData", {}).get("extra", {})
    return found


def title(item: Received) -> str:
    """``Class: message`` (the class without its module), or the message text."""
    text = _title(item)
    kind, sep, rest = text.partition(": ")
    return f"{kind.rsplit('.', 1)[-1]}{sep}{rest}" if sep else text


def _title(item: Received) -> str:
    payload = item.json()
    if item.vendor == "rollbar":
        body = payload["data"]["body"]
        if "message" in body:
            return str(body["message"]["body"])
        trace = body["trace"] if "trace" in body else body["trace_chain"][0]
        return f"{trace['exception']['class']}: {trace['exception'].get('message', '')}"
    if item.vendor == "raygun":
        error = payload["details"]["error"]
        return f"{error['className']}: {error.get('message', '')}"
    first = payload["events"][0]["exceptions"][0]
    return f"{first['errorClass']}: {first.get('message', '')}"


def log_payment_provider_error(
    app_logging: logging.Logger, receiver: Receiver
) -> Dict[str, List[Received]]:
    """``payment provider answered 503`` logged as an error (no exception), once flushed:
    what each vendor received."""
    app_logging.error("payment provider answered %d", 503)
    assert errorwire.flush()
    return by_vendor(receiver.wait_for(3))


def assert_one_report_at_each_vendor(receiver: Receiver, title_: str, crumbs: List[str]) -> None:
    """Once flushed: the one report of ``title_`` reached every vendor, with ``crumbs``."""
    assert errorwire.flush()
    received = receiver.wait_for(3)
    assert sorted(title(item) for item in received) == [title_] * 3
    for item in received:
        assert breadcrumb_messages(item) == crumbs


def each_vendors_crumbs(receiver: Receiver) -> List[List[str]]:
    """Once flushed: the breadcrumbs of the report each of the three vendors received."""
    assert errorwire.flush()
    received = receiver.wait_for(3)
    assert len(received) == 3
    return [breadcrumb_messages(item) for item in received]


def logged_titles(receiver: Receiver) -> Set[str]:
    """Once flushed: the message of the report each of the three vendors received."""
    assert errorwire.flush()
    received = receiver.wait_for(3)
    assert len(received) == 3
    return {title(item).split(": ")[-1] for item in received}


def by_vendor(items: List[Received]) -> Dict[str, List[Received]]:
    out: Dict[str, List[Received]] = {"rollbar": [], "raygun": [], "bugsnag": []}
    for item in items:
        out[item.vendor].append(item)
    return out
