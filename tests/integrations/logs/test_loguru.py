"""errorwire's loguru sink through real loguru calls, delivered over HTTP to the receiver."""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterator

import pytest

pytest.importorskip("loguru")

from loguru import logger

import errorwire
from errorwire.core.context import RequestState, use_scope
from errorwire.integrations.loguru import Sink, sink
from tests.receiver import Receiver
from tests.reports import start

CARD = "4111111111111111"


@pytest.fixture
def added() -> Iterator[Any]:
    """The app's loguru setup: the sink at INFO (reports from ERROR, breadcrumbs below)."""
    handler_id = logger.add(sink, level="INFO")
    yield handler_id
    logger.remove(handler_id)


def checkout(order_id: int) -> None:
    raise LookupError(f"order {order_id} has no address")


def test_logged_exception_is_one_handled_report_with_breadcrumbs_before_it(
    receiver: Receiver, all_vendors: Dict[str, Any], added: Any
) -> None:
    reports = start(receiver, all_vendors)
    with use_scope(RequestState("test")):
        logger.info("cart has {} items", 3)
        logger.warning("retrying payment for card {}", CARD)
        logger.debug("not a breadcrumb: below the sink's level")
        try:
            checkout(7)
        except LookupError:
            logger.exception("checkout of order {} failed", 7)
    event, payloads = reports.one()
    assert event.title == "LookupError: order 7 has no address"
    assert (event.handled, event.level, event.severity_reason) == (True, "error", "log")
    assert event.extra["log_message"] == "checkout of order 7 failed"
    assert event.extra["logger"] == __name__
    location = event.extra["log_location"]
    assert "test_loguru.py:" in location
    assert location.split(" in ")[-1].startswith("test_logged_exception_is_one_handled")
    crumbs = [c.message for c in event.breadcrumbs]
    assert crumbs[-2:] == ["cart has 3 items", f"retrying payment for card {CARD}"]
    assert "not a breadcrumb: below the sink's level" not in crumbs
    assert "checkout of order 7 failed" not in crumbs  # the report itself
    bugsnag = payloads["bugsnag"]["events"][0]
    assert bugsnag["unhandled"] is False and bugsnag["severityReason"]["type"] == "log"
    assert CARD not in str(bugsnag["breadcrumbs"])  # scrubbed like every field
    assert payloads["rollbar"]["data"]["level"] == "error"


def test_messages_group_by_call_site_and_levels_map(
    receiver: Receiver, all_vendors: Dict[str, Any], added: Any
) -> None:
    reports = start(receiver, all_vendors)
    for order in (42, 43):
        logger.error("order {} failed", order)
    logger.critical("order {} failed", 44)
    events = reports.settle()
    assert [e.message for e in events] == ["order 42 failed", "order 43 failed", "order 44 failed"]
    assert events[0].grouping_key == events[1].grouping_key != events[2].grouping_key
    assert [e.level for e in events] == ["error", "error", "critical"]
    assert all(e.exceptions == [] and e.severity_reason == "log" for e in events)
    logger.bind(fingerprint="payments").error("provider {} down", "acme")
    assert errorwire.flush(5)
    assert reports.events[-1].group == "payments"


def test_no_second_report_of_an_exception_already_reported_nor_of_own_records(
    receiver: Receiver, all_vendors: Dict[str, Any], added: Any
) -> None:
    reports = start(receiver, all_vendors)
    try:
        with errorwire.monitor("nightly"):
            checkout(9)
    except LookupError:
        logger.exception("nightly failed")  # the monitor reported it already
    logger.patch(lambda record: record.update(name="errorwire.transport")).error("own record")
    event, _ = reports.one()
    assert event.handled is False and event.context == "nightly"


def test_a_record_logged_while_reporting_is_not_reported(
    receiver: Receiver, all_vendors: Dict[str, Any], added: Any
) -> None:
    """A before_send hook that logs through the standard library, where a LoggingHandler
    reports errors too: one guard for every log integration, so no second report. (A
    hook must not log through loguru itself: loguru forbids a sink to log, and 0.6
    deadlocks on it.)"""
    handler = errorwire.LoggingHandler()
    stdlib = logging.getLogger("hooks")
    stdlib.addHandler(handler)

    def logs_again(event: Any, hint: Dict[str, Any]) -> Any:
        stdlib.error("before_send logged this")
        return reports.keep(event, hint)

    try:
        reports = start(receiver, all_vendors)
        errorwire.init(**all_vendors, before_send=logs_again)
        logger.error("the only report")
        event, _ = reports.one()
    finally:
        stdlib.removeHandler(handler)
    assert event.message == "the only report"


def test_report_level_and_errors_only() -> None:
    assert Sink("WARNING").report_level == 30
    with pytest.raises(errorwire.ConfigError):
        Sink("NO_SUCH_LEVEL")
    with pytest.raises(errorwire.ConfigError):
        Sink(True)  # type: ignore[arg-type]
