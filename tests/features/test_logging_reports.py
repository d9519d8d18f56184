"""errorwire.LoggingHandler through real ``logging`` calls, delivered over HTTP to the receiver."""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict

import pytest

import errorwire
from errorwire.core.event import Event
from tests.features.feature_payloads import (
    by_vendor,
    custom,
    log_payment_provider_error,
    logged_titles,
    title,
)
from tests.receiver import Receiver
from tests.schemas import assert_valid


def checkout(order_id: int) -> None:
    raise LookupError(f"order {order_id} has no address")


def test_logged_exception_is_a_handled_report_with_the_record_level(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    try:
        checkout(7)
    except LookupError:
        app_logging.critical("checkout of order %s failed", 7, exc_info=True)
    assert errorwire.flush()

    got = by_vendor(receiver.wait_for(3))
    assert all(len(items) == 1 for items in got.values()), got
    for items in got.values():
        assert_valid(items[0].vendor, items[0].json())
        assert title(items[0]) == "LookupError: order 7 has no address"
        assert custom(items[0])["log_message"] == "checkout of order 7 failed"
        assert custom(items[0])["logger"] == "shop"

    rollbar = got["rollbar"][0].json()["data"]
    assert rollbar["level"] == "critical"
    assert rollbar["body"]["trace"]["frames"][-1]["method"].endswith("checkout")
    bugsnag = got["bugsnag"][0].json()["events"][0]
    assert bugsnag["unhandled"] is False
    assert bugsnag["severity"] == "error"
    assert bugsnag["severityReason"]["type"] == "log"


def test_record_without_exception_is_a_message_report(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    got = log_payment_provider_error(app_logging, receiver)
    assert all(len(items) == 1 for items in got.values()), got
    rollbar = got["rollbar"][0].json()["data"]
    assert rollbar["body"]["message"]["body"] == "payment provider answered 503"
    assert rollbar["level"] == "error"
    assert "payment provider answered 503" in title(got["raygun"][0])
    assert got["bugsnag"][0].json()["events"][0]["unhandled"] is False
    for items in got.values():
        assert_valid(items[0].vendor, items[0].json())


def test_records_below_the_handler_level_are_not_reported(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    app_logging.warning("disk 91% full")
    app_logging.error("disk full")
    assert logged_titles(receiver) == {"disk full"}


def test_errorwire_own_records_are_never_reported(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    logging.getLogger("errorwire").error("errorwire: delivery failed")
    logging.getLogger("errorwire.transport").error("errorwire: queue full")
    app_logging.error("the one report")
    assert logged_titles(receiver) == {"the one report"}


def test_a_logged_websocket_disconnect_is_no_report(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    websockets = pytest.importorskip("starlette.websockets")
    client = start()
    try:
        raise websockets.WebSocketDisconnect(code=1001)  # the client went away
    except websockets.WebSocketDisconnect:
        app_logging.exception("chat socket closed")
    app_logging.error("the one report")
    assert logged_titles(receiver) == {"the one report"}
    assert client.stats()["client"]["ignored"] == 1


def test_a_hook_that_logs_an_error_does_not_loop(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    def before_send(event: Event, hint: Dict[str, Any]) -> Event:
        logging.getLogger("hooks").error("saw %s", event.title)
        return event

    start(before_send=before_send)
    app_logging.error("first")
    assert errorwire.flush()

    receiver.wait_for(3)
    received = list(receiver.received)  # flushed: nothing more is on its way
    assert len(received) == 3
    assert {title(item).split(": ")[-1] for item in received} == {"first"}


def test_exception_already_reported_is_not_reported_again_by_its_log_record(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    client = start()
    try:
        checkout(1)
    except LookupError as exc:
        errorwire.capture_exception(exc)  # as an integration does before the framework logs
        app_logging.exception("Internal Server Error: /checkout")
    assert errorwire.flush()

    receiver.wait_for(3)
    assert len(receiver.received) == 3  # flushed: nothing more is on its way
    assert client.stats()["client"]["duplicate"] == 1


def test_handler_before_init_initialises_from_the_environment(
    receiver: Receiver, app_logging: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAYGUN_API_KEY", "env-key")
    monkeypatch.setenv("RAYGUN_ENDPOINT", receiver.endpoints()["raygun"])
    app_logging.error("logged before errorwire.init")
    assert errorwire.flush()

    received = receiver.wait_for(1)
    assert [item.vendor for item in received] == ["raygun"]
    assert received[0].headers["X-ApiKey"] == "env-key"


def test_extra_fields_reach_the_report_and_the_breadcrumbs_scrubbed(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    with errorwire.scope():  # a scope of its own: the breadcrumbs of this test only
        app_logging.info("cart loaded", extra={"cart_id": "c-9", "api_key": "k-secret"})
        app_logging.error(
            "payment failed", extra={"order": 7, "password": "hunter2"}, stack_info=True
        )
    assert errorwire.flush()

    got = by_vendor(receiver.wait_for(3))
    for items in got.values():
        payload = items[0].json()
        assert_valid(items[0].vendor, payload)
        data = custom(items[0])
        assert (data["order"], data["password"]) == (7, "[Filtered]")
        assert "Stack (most recent call last)" in data["log_stack"]
        assert "test_extra_fields_reach_the_report" in data["log_stack"]
        assert "hunter2" not in str(payload) and "k-secret" not in str(payload)
    crumbs = got["rollbar"][0].json()["data"]["custom"]["breadcrumbs"]
    loaded = [c for c in crumbs if c["message"] == "cart loaded"]
    assert loaded[0]["data"]["cart_id"] == "c-9"
    assert loaded[0]["data"]["api_key"] == "[Filtered]"
    bugsnag_crumbs = got["bugsnag"][0].json()["events"][0]["breadcrumbs"]
    assert [c["metaData"]["cart_id"] for c in bugsnag_crumbs if c["name"] == "cart loaded"] == [
        "c-9"
    ]
