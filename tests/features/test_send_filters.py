"""What is sent: before_send (event and per vendor), sample_rate, environments, release stages."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, List, Optional

import pytest

import errorwire
from errorwire.core.event import Event
from tests.features.feature_payloads import by_vendor, custom, title
from tests.receiver import Receiver
from tests.schemas import assert_valid


def report(message: str) -> None:
    try:
        raise ValueError(message)
    except ValueError as exc:
        errorwire.capture_exception(exc)


def titles(items: List[Any]) -> List[str]:
    return sorted(title(item) for item in items)


def test_before_send_returning_none_drops_and_counts(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    def before_send(event: Event, hint: Dict[str, Any]) -> Optional[Event]:
        exc = hint["exc_info"][1]
        return None if "secret" in str(exc) else event

    client = start(before_send=before_send)
    report("secret plan leaked")
    report("ordinary failure")
    assert errorwire.flush()

    receiver.wait_for(3)
    assert titles(receiver.received) == ["ValueError: ordinary failure"] * 3
    assert client.stats()["client"]["dropped_before_send"] == 1


def test_before_send_changes_what_every_vendor_receives(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    def before_send(event: Event, hint: Dict[str, Any]) -> Event:
        event.extra["tenant"] = "acme"
        event.level = "warning"
        event.exceptions[0].message = "rewritten"
        return event

    start(before_send=before_send)
    report("original")
    assert errorwire.flush()

    got = by_vendor(receiver.wait_for(3))
    for vendor, items in got.items():
        assert_valid(vendor, items[0].json())
        assert title(items[0]) == "ValueError: rewritten"
        assert custom(items[0])["tenant"] == "acme"
    assert got["rollbar"][0].json()["data"]["level"] == "warning"
    assert got["bugsnag"][0].json()["events"][0]["severity"] == "warning"


def test_before_send_that_raises_is_logged_once_and_the_report_goes_out_unmodified(
    start: Callable[..., Any], receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    def before_send(event: Event, hint: Dict[str, Any]) -> Event:
        event.extra["half"] = "done"  # changed in place, then the hook fails
        event.exceptions[0].message = "half rewritten"
        raise KeyError("tenant")

    client = start(before_send=before_send)
    with caplog.at_level(logging.WARNING, logger="errorwire"):
        report("first")
        report("second")
    assert errorwire.flush()

    received = receiver.wait_for(6)
    assert titles(received) == ["ValueError: first"] * 3 + ["ValueError: second"] * 3
    assert all("half" not in custom(item) for item in received)
    hook_logs = [r for r in caplog.records if "before_send raised" in r.getMessage()]
    assert len(hook_logs) == 1
    assert client.stats()["client"]["before_send_errors"] == 2


def test_before_send_returning_something_else_sends_unmodified(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    def before_send(event: Event, hint: Dict[str, Any]) -> Any:
        event.extra["changed"] = True
        return {"not": "an event"}

    client = start(before_send=before_send)
    report("kept")
    assert errorwire.flush()

    received = receiver.wait_for(3)
    assert titles(received) == ["ValueError: kept"] * 3
    assert all("changed" not in custom(item) for item in received)
    assert client.stats()["client"]["before_send_errors"] == 1


def test_before_send_sees_the_log_record_in_its_hint(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    seen: List[logging.LogRecord] = []

    def before_send(event: Event, hint: Dict[str, Any]) -> Event:
        seen.append(hint["log_record"])
        return event

    start(before_send=before_send)
    app_logging.error("with a record")
    assert errorwire.flush()
    assert [record.getMessage() for record in seen] == ["with a record"]


def test_vendor_before_send_changes_drops_or_fails_per_vendor(
    all_vendors: Dict[str, Any], receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    def rollbar_hook(payload: Dict[str, Any]) -> Dict[str, Any]:
        payload["data"]["custom"] = {**payload["data"].get("custom", {}), "region": "eu"}
        return payload

    def raygun_hook(payload: Dict[str, Any]) -> None:
        return None

    def bugsnag_hook(payload: Dict[str, Any]) -> Dict[str, Any]:
        payload["events"][0]["context"] = "half"
        del payload["apiKey"]  # in place, then it fails: the original must go out
        raise RuntimeError("hook bug")

    all_vendors["rollbar"].before_send = rollbar_hook
    all_vendors["raygun"].before_send = raygun_hook
    all_vendors["bugsnag"].before_send = bugsnag_hook
    client = errorwire.init(**all_vendors)
    with caplog.at_level(logging.WARNING, logger="errorwire"):
        report("one")
        report("two")
    assert errorwire.flush()

    receiver.wait_for(4)
    got = by_vendor(list(receiver.received))
    assert got["raygun"] == []
    assert [custom(item)["region"] for item in got["rollbar"]] == ["eu", "eu"]
    assert len(got["bugsnag"]) == 2
    for item in got["bugsnag"]:
        payload = item.json()
        assert_valid("bugsnag", payload)
        assert payload["apiKey"] == "bugsnag-key"
        assert payload["events"][0].get("context") != "half"
    hook_logs = [r for r in caplog.records if "bugsnag.before_send" in r.getMessage()]
    assert len(hook_logs) == 1
    counters = client.stats()["client"]
    assert counters["bugsnag.before_send_errors"] == 2
    assert counters["raygun.dropped_before_send"] == 2


def test_sample_rate_zero_sends_nothing_and_counts_and_says_why_once(
    start: Callable[..., Any], receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    client = start(sample_rate=0.0)
    with caplog.at_level(logging.INFO, logger="errorwire"):
        for number in range(20):
            report(f"failure {number}")
    assert errorwire.flush()
    assert receiver.received == []
    assert client.stats()["client"]["dropped_sampled"] == 20
    reasons = [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()]
    assert len(reasons) == 1 and "sample_rate" in reasons[0]


def test_sample_rate_half_sends_about_half(all_vendors: Dict[str, Any], receiver: Receiver) -> None:
    # One grouping key 200 times: lift the storm limit, this test is about sampling.
    client = errorwire.init(raygun=all_vendors["raygun"], sample_rate=0.5, storm_limit=1000)
    for number in range(200):
        report(f"failure {number}")
    assert errorwire.flush(timeout=30)
    sent = len(receiver.received)
    # Binomial(200, 0.5): sd 7; 50..150 is 7 sd either side.
    assert 50 <= sent <= 150
    assert client.stats()["client"]["dropped_sampled"] == 200 - sent


def test_enabled_environments_sends_only_from_those(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    client = start(environment="staging", enabled_environments=["production"])
    report("from staging")
    assert errorwire.flush()
    assert receiver.received == []
    assert client.stats()["client"]["dropped_environment"] == 1

    start(environment="production", enabled_environments=["production"])
    report("from production")
    assert errorwire.flush()
    assert titles(receiver.wait_for(3)) == ["ValueError: from production"] * 3


def test_bugsnag_notify_release_stages_limits_bugsnag_only(
    all_vendors: Dict[str, Any], receiver: Receiver
) -> None:
    all_vendors["bugsnag"].notify_release_stages = ["production"]
    client = errorwire.init(environment="staging", **all_vendors)
    report("staging failure")
    assert errorwire.flush()

    receiver.wait_for(2)
    got = by_vendor(list(receiver.received))
    assert [len(got[v]) for v in ("rollbar", "raygun", "bugsnag")] == [1, 1, 0]
    assert client.stats()["client"]["bugsnag.dropped_release_stage"] == 1

    all_vendors["bugsnag"].notify_release_stages = ["staging"]
    errorwire.init(environment="staging", **all_vendors)
    report("now allowed")
    assert errorwire.flush()
    bugsnag = [item for item in receiver.wait_for(5) if item.vendor == "bugsnag"]
    assert [title(item) for item in bugsnag] == ["ValueError: now allowed"]
    assert bugsnag[0].json()["events"][0]["app"]["releaseStage"] == "staging"
