"""errorwire's structlog processor in a real structlog chain, delivered over HTTP to
the receiver."""

from __future__ import annotations

import io
import json
import logging
from typing import Any, Dict, Iterator, List

import pytest

pytest.importorskip("structlog")

import structlog

import errorwire
from errorwire.core.context import RequestState, use_scope
from errorwire.integrations.structlog import Processor, processor
from tests.receiver import Receiver
from tests.reports import start

CARD = "4111111111111111"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """The app's structlog setup, rendering JSON lines into ``output``."""
    out = io.StringIO()
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            processor,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    yield out
    structlog.reset_defaults()


def lines(out: io.StringIO) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def checkout(order_id: int) -> None:
    raise LookupError(f"order {order_id} has no address")


def test_logged_exception_is_one_report_and_the_chain_goes_on(
    receiver: Receiver, all_vendors: Dict[str, Any], output: io.StringIO
) -> None:
    reports = start(receiver, all_vendors)
    log = structlog.get_logger("shop")
    with use_scope(RequestState("test")):
        log.info("cart_loaded", items=3)
        log.warning("payment_retry", card=CARD)
        log.debug("not_a_breadcrumb")
        try:
            checkout(7)
        except LookupError:
            log.exception("checkout_failed", order_id=7, password="hunter2")
    event, payloads = reports.one()
    assert event.title == "LookupError: order 7 has no address"
    assert (event.handled, event.level, event.severity_reason) == (True, "error", "log")
    assert event.extra["log_message"] == "checkout_failed"
    assert event.extra["structlog"]["order_id"] == 7
    assert "test_structlog.py:" in event.extra["log_location"]
    crumbs = [(c.message, c.level) for c in event.breadcrumbs]
    assert crumbs[-2:] == [("cart_loaded", "info"), ("payment_retry", "warning")]
    assert event.breadcrumbs[-2].data == {"items": 3}
    text = json.dumps(payloads)
    assert "hunter2" not in text and CARD not in text  # custom data and crumbs scrubbed
    assert payloads["bugsnag"]["events"][0]["unhandled"] is False
    # The processor handed the event on unchanged: the renderer printed the traceback.
    rendered = lines(output)
    assert rendered[-1]["event"] == "checkout_failed"
    assert "LookupError: order 7 has no address" in rendered[-1]["exception"]


def test_messages_group_by_template(
    receiver: Receiver, all_vendors: Dict[str, Any], output: io.StringIO
) -> None:
    reports = start(receiver, all_vendors)
    log = structlog.get_logger("shop")
    log.error("order_failed", order_id=42)
    log.error("order_failed", order_id=43)
    log.critical("provider_down", provider="acme")
    events = reports.settle()
    assert [e.message for e in events] == ["order_failed", "order_failed", "provider_down"]
    assert [e.extra["structlog"].get("order_id") for e in events] == [42, 43, None]
    assert events[0].grouping_key == events[1].grouping_key != events[2].grouping_key
    assert [e.level for e in events] == ["error", "error", "critical"]
    assert events[2].extra["structlog"] == {"provider": "acme"}


def test_no_second_report_of_an_exception_already_reported(
    receiver: Receiver, all_vendors: Dict[str, Any], output: io.StringIO
) -> None:
    reports = start(receiver, all_vendors)
    log = structlog.get_logger("shop")
    try:
        with errorwire.monitor("nightly"):
            checkout(9)
    except LookupError:
        log.exception("nightly_failed")
    event, _ = reports.one()
    assert event.context == "nightly" and event.handled is False


def test_on_stdlib_logging_the_record_makes_the_breadcrumb_and_templates_group(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.INFO)
    structlog.configure(
        processors=[processor, structlog.stdlib.render_to_log_kwargs],
        wrapper_class=structlog.stdlib.BoundLogger,
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    try:
        log = structlog.get_logger("shop")
        with use_scope(RequestState("test")):
            log.info("cart_loaded")
            log.error("order %s failed", 42)
            log.error("order %s failed", 43)  # positional arguments: formatted after the chain
    finally:
        structlog.reset_defaults()
        root.setLevel(old_level)
    events = reports.settle()
    assert [e.message for e in events] == ["order 42 failed", "order 43 failed"]
    assert events[0].grouping_key == events[1].grouping_key
    assert [c.message for c in events[0].breadcrumbs] == ["cart_loaded"]  # once, not twice


def test_report_level() -> None:
    assert Processor("warning").report_level == logging.WARNING
    with pytest.raises(errorwire.ConfigError):
        Processor("loud")
