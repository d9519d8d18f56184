"""A capture started inside a capture (a local's ``__repr__`` that reports, with
include_locals) is dropped and counted; the outer report still arrives."""

# ruff: noqa: F841 - the failing function's locals are what include_locals reads

from __future__ import annotations

import threading
from typing import List

import errorwire
from tests.receiver import Receiver

NESTED_LIMIT = 50


class ReportingModel:
    """A model whose repr reports (as one whose repr logs an error, with the handler on)."""

    reprs: List[str] = []

    def __repr__(self) -> str:
        self.reprs.append(threading.current_thread().name)
        if len(self.reprs) > NESTED_LIMIT:  # bounded, so the unfixed code ends too
            return "<ReportingModel>"
        try:
            raise LookupError("inside repr")
        except LookupError:
            errorwire.capture_exception()
        return "<ReportingModel>"


def fail_with_model() -> None:
    model = ReportingModel()
    raise ValueError("order failed")


def test_a_capture_inside_a_capture_is_dropped_and_counted(
    receiver: Receiver, all_vendors: dict
) -> None:
    ReportingModel.reprs.clear()
    errorwire.init(**all_vendors, include_locals=True)
    try:
        fail_with_model()
    except ValueError as exc:
        assert errorwire.capture_exception(exc) is not None
    assert errorwire.flush(timeout=5.0)
    arrived = receiver.wait_for(3)
    assert len(ReportingModel.reprs) == 1
    assert errorwire.stats()["client"]["dropped_nested"] == 1
    assert sorted(item.vendor for item in arrived) == ["bugsnag", "raygun", "rollbar"]
    assert "order failed" in arrived[0].body.decode()


def test_captures_on_other_threads_are_not_nested(receiver: Receiver, all_vendors: dict) -> None:
    """The guard is per thread: a capture while another thread captures is reported."""
    inside = threading.Event()
    release = threading.Event()

    def slow_hook(event: object, hint: object) -> object:
        if threading.current_thread().name == "slow":
            inside.set()
            release.wait(5.0)
        return event

    errorwire.init(**all_vendors, before_send=slow_hook)
    slow = threading.Thread(
        target=lambda: errorwire.capture_message("from the slow thread"), name="slow"
    )
    slow.start()
    assert inside.wait(5.0)
    assert errorwire.capture_message("meanwhile") is not None
    release.set()
    slow.join(5.0)
    assert errorwire.flush(timeout=5.0)
    receiver.wait_for(6)
    assert "dropped_nested" not in errorwire.stats()["client"]
