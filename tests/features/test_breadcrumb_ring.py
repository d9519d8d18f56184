"""Breadcrumbs from log records and add_breadcrumb: per request, bounded, in every vendor."""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Dict, List

import errorwire
from errorwire.core.context import request_scope
from tests.features.feature_payloads import (
    breadcrumb_messages,
    by_vendor,
    each_vendors_crumbs,
    title,
)
from tests.receiver import Receiver
from tests.schemas import assert_valid


def fail(reason: str) -> None:
    raise RuntimeError(reason)


def test_logged_exception_carries_the_breadcrumbs_of_its_own_request_only(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    """Two requests on two threads, their log lines interleaved step by step."""
    start()
    turn = [threading.Event() for _ in range(4)]

    def request_a() -> None:
        with request_scope(framework="threads"):
            app_logging.info("A: cart loaded")
            turn[0].set()
            turn[1].wait(5)
            app_logging.warning("A: coupon %s expired", "SPRING")
            turn[2].set()
            turn[3].wait(5)
            try:
                fail("A: payment declined")
            except RuntimeError:
                app_logging.exception("A: checkout failed")

    def request_b() -> None:
        with request_scope(framework="threads"):
            turn[0].wait(5)
            app_logging.info("B: searched for socks")
            turn[1].set()
            turn[2].wait(5)
            errorwire.add_breadcrumb("B: clicked buy", category="ui", type="user")
            turn[3].set()

    threads = [threading.Thread(target=request_a), threading.Thread(target=request_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errorwire.flush()

    got = by_vendor(receiver.wait_for(3))
    for vendor, items in got.items():
        assert len(items) == 1, vendor
        assert_valid(vendor, items[0].json())
        assert title(items[0]) == "RuntimeError: A: payment declined"
        assert breadcrumb_messages(items[0]) == ["A: cart loaded", "A: coupon SPRING expired"]


def test_breadcrumb_fields_follow_each_vendor_rules(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    long_line = "inventory sync finished for warehouse north-east-7 after 3 retries"
    with request_scope():
        app_logging.info(long_line)
        errorwire.add_breadcrumb("opened cart", category="ui", data={"items": 3}, type="user")
        errorwire.add_breadcrumb("odd type", type="teleport")  # not a vendor type: manual
        try:
            fail("boom")
        except RuntimeError as exc:
            errorwire.capture_exception(exc)
    assert errorwire.flush()

    got = by_vendor(receiver.wait_for(3))
    for vendor, items in got.items():
        assert_valid(vendor, items[0].json())
        assert breadcrumb_messages(items[0]) == [long_line, "opened cart", "odd type"]
    crumbs = got["bugsnag"][0].json()["events"][0]["breadcrumbs"]
    assert [c["type"] for c in crumbs] == ["log", "user", "manual"]
    assert all(len(c["name"]) <= 30 for c in crumbs)
    assert crumbs[1]["metaData"]["items"] == 3
    raygun = got["raygun"][0].json()["details"]["breadcrumbs"]
    assert raygun[0]["category"] == "shop"
    assert raygun[1]["customData"] == {"items": 3}
    rollbar = got["rollbar"][0].json()["data"]["custom"]["breadcrumbs"]
    assert [c["type"] for c in rollbar] == ["log", "user", "manual"]


def test_error_record_is_not_a_breadcrumb_of_its_own_report_but_of_the_next(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    with request_scope():
        app_logging.info("step 1")
        app_logging.error("first failure")
        app_logging.error("second failure")
    assert errorwire.flush()

    received = receiver.wait_for(6)
    raygun = [item for item in received if item.vendor == "raygun"]
    assert sorted(breadcrumb_messages(item) for item in raygun) == [
        ["step 1"],
        ["step 1", "first failure"],
    ]
    bugsnag = [item.json()["events"][0] for item in received if item.vendor == "bugsnag"]
    second = next(e for e in bugsnag if e["exceptions"][0]["message"] == "second failure")
    assert [c["type"] for c in second["breadcrumbs"]] == ["log", "error"]


def test_debug_records_and_errorwire_records_are_not_breadcrumbs(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    logging.getLogger().setLevel(logging.DEBUG)
    with request_scope():
        app_logging.debug("cache miss for key 42")
        logging.getLogger("errorwire").warning("errorwire: retrying")
        app_logging.info("kept")
        app_logging.error("failure")
    assert each_vendors_crumbs(receiver) == [["kept"]] * 3


def test_ring_keeps_the_latest_max_breadcrumbs(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start(max_breadcrumbs=10)
    with request_scope():
        for number in range(25):
            app_logging.info("line %d", number)
        app_logging.error("failure")
    assert each_vendors_crumbs(receiver) == [[f"line {n}" for n in range(15, 25)]] * 3


def test_default_ring_is_bounded_at_100(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    with request_scope():
        for number in range(150):
            errorwire.add_breadcrumb(f"crumb {number}")
        app_logging.error("failure")
    for messages in each_vendors_crumbs(receiver):
        assert len(messages) == 100
        assert messages[0] == "crumb 50" and messages[-1] == "crumb 149"


def test_log_breadcrumbs_can_be_turned_off(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start(log_breadcrumbs=False)
    with request_scope():
        app_logging.info("not a breadcrumb")
        errorwire.add_breadcrumb("by hand")
        app_logging.error("failure")
    assert each_vendors_crumbs(receiver) == [["by hand"]] * 3


def test_each_request_starts_with_an_empty_ring(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    seen: List[Dict[str, Any]] = []

    def one_request(number: int) -> None:
        with request_scope():
            app_logging.info("request %d began", number)
            app_logging.error("request %d failed", number)

    for number in range(3):
        thread = threading.Thread(target=one_request, args=(number,))
        thread.start()
        thread.join(10)
    with request_scope():  # and on one thread, one scope after another
        one_request(3)
        one_request(4)
    assert errorwire.flush()

    raygun = [item for item in receiver.wait_for(15) if item.vendor == "raygun"]
    seen = [{"title": title(item), "crumbs": breadcrumb_messages(item)} for item in raygun]
    assert sorted(seen, key=lambda s: s["title"]) == [
        {"title": f"LogMessage: request {n} failed", "crumbs": [f"request {n} began"]}
        for n in range(5)
    ]


def test_init_adds_no_handler_so_a_later_basic_config_still_works(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    start()
    assert root.handlers == before  # logging.basicConfig() is a no-op once root has one


def test_records_of_loggers_that_do_not_propagate_are_breadcrumbs_too(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    audit = logging.getLogger("audit")
    audit.propagate = False
    audit.setLevel(logging.INFO)
    try:
        with request_scope():
            audit.info("refund approved by alice")
            errorwire.capture_message("refund failed", level="error")
    finally:
        audit.propagate = True
        audit.setLevel(logging.NOTSET)
    assert each_vendors_crumbs(receiver) == [["refund approved by alice"]] * 3


def test_long_log_lines_are_cut_in_the_ring(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    with request_scope():
        app_logging.info("payload: %s", "x" * 50_000)
        errorwire.capture_message("after a huge line", level="error")
    for (message,) in each_vendors_crumbs(receiver):
        assert message.startswith("payload: xxx")
        assert len(message) <= 1024
