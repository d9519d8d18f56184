"""Real exceptions, and Events built from them by the real pipeline pieces, for encoder tests."""

from __future__ import annotations

import builtins
import json
import sys
import traceback
from pathlib import Path
from typing import Any, Dict, List, Tuple

from errorwire.core.config import Bugsnag, Raygun, Rollbar, VendorSettings
from errorwire.core.event import Event
from errorwire.core.request import BodyCopy, build_request
from errorwire.core.server import server_info
from errorwire.core.stacktrace import add_source_context, extract_chain, grouping_key
from errorwire.vendors import VENDORS as VENDOR_MODULES
from errorwire.vendors.base import to_json
from tests.helpers import raised as raised  # the vendor tests call vendor_events.raised
from tests.schemas import assert_valid

ROOT = str(Path(__file__).resolve().parents[2])
VENDORS = ("rollbar", "raygun", "bugsnag")
SETTINGS: Dict[str, VendorSettings] = {
    "rollbar": Rollbar(access_token="rollbar-token"),
    "raygun": Raygun(api_key="raygun-key"),
    "bugsnag": Bugsnag(api_key="bugsnag-key"),
}


def traceback_lines(exc: BaseException) -> List[Tuple[str, int]]:
    """(function, line) of each traceback entry, oldest call first, read from Python itself."""
    return [
        (frame.f_code.co_name, lineno) for frame, lineno in traceback.walk_tb(exc.__traceback__)
    ]


def event_from(exc: BaseException, **fields: Any) -> Event:
    """What the client builds for ``exc`` and what the worker adds before encoding."""
    chain = extract_chain(exc, ROOT)
    for info in chain:
        add_source_context(info.frames)
    server = server_info(ROOT)
    fields.setdefault("code_version", server.code_version)
    return Event(exceptions=chain, grouping_key=grouping_key(chain), server=server, **fields)


def encode(vendor: str, event: Event, max_bytes: int = 128 * 1024) -> Dict[str, Any]:
    """The vendor payload, checked against the vendor schema and the JSON wire encoding."""
    payload: Dict[str, Any] = VENDOR_MODULES[vendor].encode(event, SETTINGS[vendor])
    assert_valid(vendor, payload, max_bytes)
    assert json.loads(to_json(payload)) == payload, "payload does not survive JSON unchanged"
    return payload


def encode_all(event: Event, max_bytes: int = 128 * 1024) -> Dict[str, Dict[str, Any]]:
    return {vendor: encode(vendor, event, max_bytes) for vendor in VENDORS}


# -- Payload readers -------------------------------------------------------------------


def rollbar_traces(payload: Dict[str, Any]) -> List[Dict[str, Any]]:
    body = payload["data"]["body"]
    return [body["trace"]] if "trace" in body else list(body["trace_chain"])


def raygun_errors(payload: Dict[str, Any]) -> List[Dict[str, Any]]:
    errors = []
    error = payload["details"]["error"]
    while error is not None:
        errors.append(error)
        error = error.get("innerError")
    return errors


def bugsnag_event(payload: Dict[str, Any]) -> Dict[str, Any]:
    events: List[Dict[str, Any]] = payload["events"]
    assert len(events) == 1
    return events[0]


# -- Exceptions raised for real --------------------------------------------------------


class PaymentFailed(Exception):
    pass


class BrokenStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ is broken")


def fail_with(exc: BaseException) -> None:
    raise exc


def lookup_missing_key() -> None:
    data: Dict[str, int] = {}
    data["missing"] += 1


def wrap_with_cause() -> None:
    try:
        lookup_missing_key()
    except KeyError as exc:
        raise PaymentFailed("card declined") from exc


def fail_while_handling() -> None:
    try:
        lookup_missing_key()
    except KeyError:
        raise PaymentFailed("cleanup failed")  # noqa: B904 - implicit context on purpose


def fail_suppressing_context() -> None:
    try:
        lookup_missing_key()
    except KeyError:
        raise PaymentFailed("clean error") from None


def fail_with_group() -> None:
    members = [raised(lambda: fail_with(ValueError("bad value"))), raised(lookup_missing_key)]
    group_type = getattr(builtins, "ExceptionGroup")  # noqa: B009 - absent before 3.11
    raise group_type("two failures", members)


def recurse(depth: int) -> int:
    return recurse(depth + 1) + 1


def deep_recursion_error(depth: int = 3000) -> BaseException:
    """A RecursionError whose traceback is about ``depth`` frames deep."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 50)
    try:
        return raised(lambda: recurse(0))
    finally:
        sys.setrecursionlimit(old)


def sample_request(
    method: str = "POST",
    content_type: str = "application/json",
    body: bytes = b'{"amount": 12, "note": "caf\xc3\xa9"}',
    **extra: Any,
) -> Any:
    """A Request built by the core's own request builder, as integrations do."""
    copy = BodyCopy(limit=64 * 1024)
    copy.add(body)
    headers = {
        "Host": "shop.example.com",
        "User-Agent": "pytest",
        "Referer": "https://shop.example.com/cart",
        "Content-Type": content_type,
        "X-Forwarded-For": "203.0.113.9, 10.0.0.1",
    }
    options: Dict[str, Any] = {
        "url": "https://shop.example.com/orders/42/pay?coupon=SPRING&tag=a&tag=b",
        "method": method,
        "headers": headers,
        "query_string": "coupon=SPRING&tag=a&tag=b",
        "body": copy,
        "peer": "10.0.0.1",
        "route": "/orders/{order_id}/pay",
        "route_params": {"order_id": "42"},
    }
    options.update(extra)
    return build_request(**options)
