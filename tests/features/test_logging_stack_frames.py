"""``logger.error("...", stack_info=True)``: the caller's stack as the message report's own
frames at each vendor (Rollbar a trace classed by the logger name, Raygun
``error.stackTrace``, Bugsnag ``exceptions[0].stacktrace``), read at log time."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List

import errorwire
from tests.features.feature_payloads import by_vendor, custom, log_payment_provider_error
from tests.receiver import Receiver
from tests.schemas import assert_valid


def notify_payment_failure(logger: logging.Logger) -> int:
    logger.error("payment for order %s failed", 7, stack_info=True)
    return 0


def run_checkout(logger: logging.Logger) -> int:
    return notify_payment_failure(logger)


def functions_innermost_first(vendor: str, payload: Dict[str, Any]) -> List[str]:
    if vendor == "rollbar":
        frames = payload["data"]["body"]["trace"]["frames"]
        return [str(f.get("method")) for f in reversed(frames)]
    if vendor == "raygun":
        return [str(f.get("methodName")) for f in payload["details"]["error"]["stackTrace"]]
    return [str(f.get("method")) for f in payload["events"][0]["exceptions"][0]["stacktrace"]]


def test_stack_info_sends_the_callers_frames_with_the_message(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    run_checkout(app_logging)
    assert errorwire.flush()

    got = by_vendor(receiver.wait_for(3))
    assert all(len(items) == 1 for items in got.values()), got
    for vendor, items in got.items():
        payload = items[0].json()
        assert_valid(vendor, payload)
        functions = functions_innermost_first(vendor, payload)
        # innermost the logging call's own function, then its callers; no logging internals
        assert functions[:3] == [
            "notify_payment_failure",
            "run_checkout",
            "test_stack_info_sends_the_callers_frames_with_the_message",
        ], (vendor, functions)
        assert custom(items[0])["logger"] == "shop"

    rollbar = got["rollbar"][0].json()["data"]["body"]
    assert rollbar["trace"]["exception"] == {
        "class": "shop",
        "message": "payment for order 7 failed",
    }
    inner = rollbar["trace"]["frames"][-1]
    assert inner["filename"].endswith("test_logging_stack_frames.py")
    assert inner["code"].strip().startswith("logger.error(")  # source read on the worker
    raygun = got["raygun"][0].json()["details"]["error"]
    assert raygun["message"] == "payment for order 7 failed"
    bugsnag = got["bugsnag"][0].json()["events"][0]["exceptions"][0]
    assert bugsnag["message"] == "payment for order 7 failed"


def test_without_stack_info_a_message_has_no_frames(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    got = log_payment_provider_error(app_logging, receiver)
    assert got["rollbar"][0].json()["data"]["body"]["message"]["body"] == (
        "payment provider answered 503"
    )
    assert got["bugsnag"][0].json()["events"][0]["exceptions"][0]["stacktrace"] == []
