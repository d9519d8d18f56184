"""What errorwire reported in one integration test (WSGI, Flask, Django, ASGI, Starlette).

The neutral Events (kept by a ``before_send`` hook) and the payloads that arrived
over HTTP at the receiver: exactly one per vendor per event, each valid for its
vendor's schema. Plus readers that find one field in each vendor's payload.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import errorwire
from errorwire.core.event import Event
from tests.receiver import Receiver
from tests.schemas import assert_valid

VENDORS = ("rollbar", "raygun", "bugsnag")


@dataclass
class Reports:
    """Everything errorwire reported in one test."""

    receiver: Receiver
    events: List[Event] = field(default_factory=list)
    exceptions: List[BaseException] = field(default_factory=list)

    def keep(self, event: Event, hint: Dict[str, Any]) -> Event:
        self.events.append(event)
        exc_info = hint.get("exc_info")
        if exc_info:
            self.exceptions.append(exc_info[1])
        return event

    def settle(self) -> List[Event]:
        """Flush; then every event arrived once at each vendor with a valid payload."""
        assert errorwire.flush(timeout=10.0)
        expected = len(self.events) * len(VENDORS)
        arrived = self.receiver.wait_for(expected, timeout=10.0)
        assert len(arrived) == expected, f"{len(arrived)} payloads arrived, expected {expected}"
        for vendor in VENDORS:
            payloads = self.payloads(vendor)
            assert len(payloads) == len(self.events), vendor
            for payload in payloads:
                assert_valid(vendor, payload)
        return list(self.events)

    def none(self) -> None:
        """Nothing was reported (and nothing arrives)."""
        assert errorwire.flush(timeout=10.0)
        assert self.events == [], [e.title for e in self.events]
        assert self.receiver.received == []

    def one(self) -> Tuple[Event, Dict[str, Dict[str, Any]]]:
        """The single report of this test: its Event and each vendor's payload."""
        events = self.settle()
        assert len(events) == 1, [e.title for e in events]
        return events[0], {vendor: self.payloads(vendor)[0] for vendor in VENDORS}

    def payloads(self, vendor: str) -> List[Dict[str, Any]]:
        return [item.json() for item in self.receiver.by_vendor(vendor)]


def start(receiver: Receiver, all_vendors: Dict[str, Any], **options: Any) -> Reports:
    reports = Reports(receiver)
    errorwire.init(**all_vendors, before_send=reports.keep, **options)
    return reports


def arrived(receiver: Receiver) -> Dict[str, List[Dict[str, Any]]]:
    """Each vendor's payloads, every one valid for the vendor's schema."""
    found = {vendor: [item.json() for item in receiver.by_vendor(vendor)] for vendor in VENDORS}
    for vendor, payloads in found.items():
        for payload in payloads:
            assert_valid(vendor, payload)
    return found


def custom_data(vendor: str, payload: Dict[str, Any], key: str) -> Dict[str, Any]:
    """The integration's custom data block (``celery``, ``aws_lambda``...) as the vendor got it."""
    if vendor == "rollbar":
        return dict(payload["data"]["custom"][key])
    if vendor == "raygun":
        return dict(payload["details"]["userCustomData"][key])
    return dict(payload["events"][0]["metaData"]["extra"][key])


def vendor_request(vendor: str, payload: Dict[str, Any]) -> Dict[str, Any]:
    if vendor == "rollbar":
        return dict(payload["data"]["request"])
    if vendor == "raygun":
        return dict(payload["details"]["request"])
    return dict(payload["events"][0]["request"])


def vendor_context(vendor: str, payload: Dict[str, Any]) -> Optional[str]:
    if vendor == "rollbar":
        return payload["data"].get("context")
    if vendor == "bugsnag":
        return payload["events"][0].get("context")
    # Raygun has no context field: errorwire sends it as custom data (and a tag).
    return payload["details"].get("userCustomData", {}).get("context")


def vendor_tags(vendor: str, payload: Dict[str, Any]) -> List[str]:
    """The report's tags (Bugsnag's ``tags`` metadata tab as ``name:value``, or ``name``)."""
    if vendor == "rollbar":
        return list(payload["data"].get("custom", {}).get("tags", []))
    if vendor == "raygun":
        return list(payload["details"].get("tags", []))
    tab = payload["events"][0].get("metaData", {}).get("tags", {})
    return [name if value is True else f"{name}:{value}" for name, value in tab.items()]


def vendor_section(vendor: str, payload: Dict[str, Any], name: str) -> Any:
    """A metadata section (``add_metadata``) as the vendor got it; None when absent."""
    if vendor == "rollbar":
        return payload["data"].get("custom", {}).get(name)
    if vendor == "raygun":
        return payload["details"].get("userCustomData", {}).get(name)
    return payload["events"][0].get("metaData", {}).get(name)


def vendor_env(receiver: Receiver) -> Dict[str, str]:
    """The environment variables that point errorwire's three vendors at ``receiver``."""
    endpoints = receiver.endpoints()
    return {
        "ROLLBAR_ACCESS_TOKEN": "rollbar-token",
        "ROLLBAR_ENDPOINT": endpoints["rollbar"],
        "RAYGUN_API_KEY": "raygun-key",
        "RAYGUN_ENDPOINT": endpoints["raygun"],
        "BUGSNAG_API_KEY": "bugsnag-key",
        "BUGSNAG_ENDPOINT": endpoints["bugsnag"],
    }


def environment_for(receiver: Receiver, *dropped: str, **variables: str) -> Dict[str, str]:
    """A child process's environment: this one's without errorwire's vendor settings (nor
    the variables starting with any of ``dropped``), the vendors pointed at ``receiver``,
    and ``variables``."""
    prefixes = ("ROLLBAR_", "RAYGUN_", "BUGSNAG_", *dropped)
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**env, **vendor_env(receiver), **variables}


def vendor_person_id(vendor: str, payload: Dict[str, Any]) -> Optional[str]:
    if vendor == "rollbar":
        return payload["data"].get("person", {}).get("id")
    if vendor == "raygun":
        return payload["details"].get("user", {}).get("identifier")
    return payload["events"][0].get("user", {}).get("id")


def vendor_classes(vendor: str, payload: Dict[str, Any]) -> List[str]:
    """Exception class names of the chain, outermost first, as each vendor shows them."""
    if vendor == "rollbar":
        body = payload["data"]["body"]
        traces = body["trace_chain"] if "trace_chain" in body else [body["trace"]]
        return [t["exception"]["class"] for t in traces]
    if vendor == "raygun":
        classes = []
        error: Optional[Dict[str, Any]] = payload["details"]["error"]
        while error:
            classes.append(error["className"])
            error = error.get("innerError")
        return classes
    return [e["errorClass"] for e in payload["events"][0]["exceptions"]]


def vendor_exception_classes(vendor: str, payload: Dict[str, Any]) -> List[str]:
    """``vendor_classes`` without module prefixes (``KeyError``, not ``builtins.KeyError``)."""
    return [name.rsplit(".", 1)[-1] for name in vendor_classes(vendor, payload)]


def assert_request_reported(
    payloads: Dict[str, Dict[str, Any]], *, url: str, method: str, client_ip: str
) -> None:
    """The request block of every vendor carries the URL, method and client IP."""
    rollbar = vendor_request("rollbar", payloads["rollbar"])
    assert (rollbar["url"], rollbar["method"], rollbar["user_ip"]) == (url, method, client_ip)
    raygun = vendor_request("raygun", payloads["raygun"])
    assert raygun["httpMethod"] == method and raygun["iPAddress"] == client_ip
    assert url.split("?")[0].endswith(raygun["url"])
    bugsnag = vendor_request("bugsnag", payloads["bugsnag"])
    assert (bugsnag["url"], bugsnag["httpMethod"], bugsnag["clientIp"]) == (url, method, client_ip)
