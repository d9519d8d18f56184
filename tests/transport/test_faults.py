"""Each fault a vendor can throw at us, end to end: init -> capture_exception -> real HTTP.

For every fault: the calling thread is not held, the set of reports the receiver
finally accepted is exactly what the rules say, the log names the cause and the
counters in ``errorwire.stats()`` agree.
"""

from __future__ import annotations

import logging
from typing import Any, Dict

import pytest

import errorwire
from tests.helpers import QUICK, closed_port_url
from tests.receiver import Receiver, Reply
from tests.schemas import assert_valid
from tests.transport.transport_helpers import (
    SubmitClock,
    capture,
    logged,
    message,
    messages,
)

ALL = ["report 0", "report 1", "report 2"]


@pytest.fixture(autouse=True)
def _log_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="errorwire")


def run(all_vendors: Dict[str, Any], **overrides: Any) -> None:
    """Three reports (the scripted fault hits the first); the caller is never held."""
    clock = SubmitClock(errorwire.init(**all_vendors, **{**QUICK, **overrides}))
    capture(3)
    clock.assert_caller_not_held()
    assert errorwire.flush(10), errorwire.stats()


def test_healthy_vendors_get_every_report_once(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    run(all_vendors)
    for vendor in ("rollbar", "raygun", "bugsnag"):
        assert messages(receiver.received, vendor) == ALL
        assert_valid(vendor, receiver.by_vendor(vendor)[0].json())
    stats = errorwire.stats()
    assert stats["transport"]["sent"] == 9
    assert stats["transport"]["dropped"] == {}


def test_refused_connection_is_retried_then_dropped_with_reason(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    all_vendors["rollbar"] = errorwire.Rollbar(
        access_token="token", endpoint=closed_port_url("/api/1/item/")
    )
    run(all_vendors)
    assert messages(receiver.received, "raygun") == ALL
    assert messages(receiver.received, "bugsnag") == ALL
    assert receiver.by_vendor("rollbar") == []
    rollbar = errorwire.stats()["rollbar"]
    assert rollbar["sent"] == 0
    assert rollbar["retried"] == 3 * QUICK["max_retries"]
    assert rollbar["dropped"] == {"retries_exhausted": 3}
    assert "connection refused" in logged(caplog)
    assert "retries_exhausted" in logged(caplog)


def test_stalled_vendor_times_out_and_the_report_is_retried(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("raygun", Reply(status=500, stall=5.0))
    run(all_vendors, read_timeout=0.3)
    assert messages(receiver.received, "raygun") == ALL
    assert len(receiver.attempts_for("raygun")) == 4
    raygun = errorwire.stats()["raygun"]
    assert (raygun["sent"], raygun["retried"], raygun["dropped"]) == (3, 1, {})
    assert "read timeout" in logged(caplog)


def test_server_errors_are_retried_until_delivered(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("bugsnag", Reply(500, body={"errors": ["try later"]}), Reply(502))
    run(all_vendors)
    assert messages(receiver.received, "bugsnag") == ALL
    assert len(receiver.attempts_for("bugsnag")) == 5
    bugsnag = errorwire.stats()["bugsnag"]
    assert (bugsnag["sent"], bugsnag["retried"], bugsnag["dropped"]) == (3, 2, {})
    assert "HTTP 500" in logged(caplog)


def test_server_errors_beyond_max_retries_drop_the_report(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("bugsnag", *[Reply(500)] * 3)
    run(all_vendors, max_retries=2)
    assert messages(receiver.received, "bugsnag") == ["report 1", "report 2"]
    assert [message(a) for a in receiver.attempts_for("bugsnag")[:3]] == ["report 0"] * 3
    assert errorwire.stats()["bugsnag"]["dropped"] == {"retries_exhausted": 1}
    assert "3 attempts failed, the last with HTTP 500" in logged(caplog)


def test_429_waits_for_retry_after_and_keeps_the_report(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("raygun", Reply(429, headers={"Retry-After": "1"}))
    run(all_vendors)
    assert messages(receiver.received, "raygun") == ALL
    first, second, *_ = receiver.attempts_for("raygun")
    assert second.at - first.at >= 0.9
    # The other vendors were not held up while raygun waited.
    others = receiver.by_vendor("rollbar") + receiver.by_vendor("bugsnag")
    assert len(others) == 6
    assert max(r.at for r in others) < second.at
    raygun = errorwire.stats()["raygun"]
    assert (raygun["sent"], raygun["rate_limited"], raygun["dropped"]) == (3, 1, {})
    assert "HTTP 429" in logged(caplog)
    assert "Retry-After" in logged(caplog)


def test_503_without_retry_after_backs_off_and_keeps_the_report(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("rollbar", Reply(503), Reply(503))
    run(all_vendors, max_retries=0)
    assert messages(receiver.received, "rollbar") == ALL
    rollbar = errorwire.stats()["rollbar"]
    assert (rollbar["sent"], rollbar["rate_limited"], rollbar["dropped"]) == (3, 2, {})
    assert "HTTP 503" in logged(caplog)


def test_413_resends_the_real_report_shrunk(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("raygun", Reply(413, body={"message": "too large"}))
    run(all_vendors)
    refused, accepted, *_ = receiver.attempts_for("raygun")
    assert message(refused) == message(accepted) == "report 0"
    assert_valid("raygun", accepted.json())
    assert len(accepted.body) <= len(refused.body)
    assert messages(receiver.received, "raygun") == ALL
    raygun = errorwire.stats()["raygun"]
    assert (raygun["sent"], raygun["shrunk"], raygun["dropped"]) == (3, 1, {})
    assert "HTTP 413" in logged(caplog)


def test_413_shrinks_a_large_report_to_half_and_resends_it(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    receiver.script_for("raygun", Reply(413))
    errorwire.init(**all_vendors, **QUICK)
    try:
        raise ValueError("report with a large blob")
    except ValueError as exc:
        errorwire.capture_exception(exc, extra={"blob": "x" * 40_000})
    assert errorwire.flush(10)
    refused, accepted = receiver.attempts_for("raygun")
    assert len(accepted.body) <= len(refused.body) // 2
    assert message(accepted) == "report with a large blob"
    assert_valid("raygun", accepted.json())
    assert errorwire.stats()["raygun"]["shrunk"] == 1


def test_413_after_every_shrink_drops_with_reason_and_never_a_placeholder(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("raygun", *[Reply(413)] * 4)
    run(all_vendors)
    attempts = receiver.attempts_for("raygun")
    assert [message(a) for a in attempts[:4]] == ["report 0"] * 4
    assert messages(receiver.received, "raygun") == ["report 1", "report 2"]
    assert errorwire.stats()["raygun"]["dropped"] == {"too_large": 1}
    assert "too_large" in logged(caplog)


@pytest.mark.parametrize(
    ("vendor", "status", "body", "explanation"),
    [
        ("rollbar", 401, {"err": 1, "message": "invalid access token"}, "invalid access token"),
        ("rollbar", 422, {"err": 1, "message": "body.trace is required"}, "body.trace is required"),
        ("bugsnag", 400, {"errors": ["events is required"]}, "events is required"),
        ("raygun", 403, "Invalid API Key", "Invalid API Key"),
    ],
)
def test_rejections_are_not_retried_and_logged_once_with_the_vendor_message(
    receiver: Receiver,
    all_vendors: Dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    vendor: str,
    status: int,
    body: Any,
    explanation: str,
) -> None:
    receiver.script_for(vendor, *[Reply(status, body=body)] * 3)
    run(all_vendors)
    assert len(receiver.attempts_for(vendor)) == 3
    assert receiver.by_vendor(vendor) == []
    stats = errorwire.stats()
    assert stats[vendor]["dropped"] == {f"rejected_{status}": 3}
    assert stats[vendor]["retried"] == 0
    assert logged(caplog).count(explanation) == 1
    assert f"HTTP {status}" in logged(caplog)
    for other in {"rollbar", "raygun", "bugsnag"} - {vendor}:
        assert messages(receiver.received, other) == ALL


def test_reset_before_the_answer_is_retried(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("bugsnag", Reply(reset=True))
    run(all_vendors)
    assert messages(receiver.received, "bugsnag") == ALL
    assert len(receiver.attempts_for("bugsnag")) == 4
    assert errorwire.stats()["bugsnag"]["retried"] == 1
    assert "connection reset" in logged(caplog)


def test_reset_in_the_middle_of_an_error_answer_is_retried(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("raygun", Reply(500, partial=True))
    run(all_vendors)
    assert messages(receiver.received, "raygun") == ALL
    assert len(receiver.attempts_for("raygun")) == 4
    raygun = errorwire.stats()["raygun"]
    assert (raygun["sent"], raygun["retried"]) == (3, 1)
    assert "raygun delivery failed (connection" in logged(caplog)


def test_reset_in_the_middle_of_an_accepting_answer_is_not_sent_twice(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    receiver.script_for("raygun", Reply(202, partial=True))
    run(all_vendors)
    assert messages(receiver.received, "raygun") == ALL
    assert len(receiver.attempts_for("raygun")) == 3
    assert errorwire.stats()["raygun"]["sent"] == 3
