"""PEP 678 notes and an exception's own attributes, as each vendor receives them."""

from __future__ import annotations

import sys
from typing import Any, Dict

import pytest

import errorwire
from tests.receiver import Receiver
from tests.reports import Reports, start

Env = Dict[str, Any]

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="add_note is Python 3.11+")


class PaymentFailed(Exception):
    def __init__(self, message: str, code: int, password: str) -> None:
        super().__init__(message)
        self.code = code
        self.response_status = 402
        self.password = password
        self.retry = lambda: None  # callable: not data
        self._internal = "private"


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def raise_chain() -> None:
    try:
        try:
            {}["card"]
        except KeyError as inner:
            inner.add_note("looked up the saved card")
            raise
    except KeyError as exc:
        outer = PaymentFailed("declined", code=51, password="hunter2")
        outer.add_note("retried 3 times")
        outer.add_note("customer tier: gold")
        outer.__notes__.append(BrokenRepr())  # a broken note never breaks the report
        raise outer from exc


def capture() -> None:
    try:
        raise_chain()
    except PaymentFailed as exc:
        errorwire.capture_exception(exc)


def test_notes_and_attributes_of_every_exception_of_the_chain(reports: Reports) -> None:
    capture()
    event, payloads = reports.one()
    outer_notes = [
        "retried 3 times",
        "customer tier: gold",
        "<BrokenRepr object (repr failed: RuntimeError)>",
    ]
    outer_attributes = {"code": "51", "response_status": "402", "password": "[Filtered]"}
    outer_class = f"{__name__}.PaymentFailed"

    rollbar = payloads["rollbar"]["data"]
    traces = rollbar["body"]["trace_chain"]
    assert traces[0]["exception"]["description"] == "\n".join(outer_notes)
    assert traces[1]["exception"]["description"] == "looked up the saved card"
    assert rollbar["custom"]["exception"][outer_class] == {
        "notes": outer_notes,
        "attributes": outer_attributes,
    }

    error = payloads["raygun"]["details"]["error"]
    assert error["data"] == {"notes": outer_notes, "attributes": outer_attributes}
    assert error["innerError"]["data"] == {"notes": ["looked up the saved card"]}

    tab = payloads["bugsnag"]["events"][0]["metaData"]["exception"]
    assert tab == {
        outer_class: {"notes": outer_notes, "attributes": outer_attributes},
        "KeyError": {"notes": ["looked up the saved card"]},
    }
    assert "hunter2" not in str(payloads)
    assert "private" not in str(payloads) and "retry" not in str(tab)
    assert event.exceptions[0].notes == outer_notes


def test_notes_that_are_not_a_list_are_left_out(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    try:
        error = ValueError("odd notes")
        error.__notes__ = "not a list"  # type: ignore[attr-defined]
        raise error
    except ValueError as exc:
        errorwire.capture_exception(exc)
    event, payloads = reports.one()
    assert event.exceptions[0].notes == []
    assert "description" not in payloads["rollbar"]["data"]["body"]["trace"]["exception"]
    assert "data" not in payloads["raygun"]["details"]["error"]
