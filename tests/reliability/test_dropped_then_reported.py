"""A report before_send drops does not mark its exception as reported: a later
capture of the same exception object (or another integration's) is sent."""

from __future__ import annotations

from typing import Any, List

import errorwire
from tests.receiver import Receiver


def test_an_exception_dropped_by_before_send_can_be_reported_later(
    receiver: Receiver, all_vendors: dict
) -> None:
    seen: List[Any] = []

    def drop_the_first(event: Any, hint: Any) -> Any:
        seen.append(event)
        return None if len(seen) == 1 else event

    errorwire.init(**all_vendors, before_send=drop_the_first)
    try:
        raise LookupError("dropped, then reported")
    except LookupError as exc:
        caught = exc
    assert errorwire.capture_exception(caught) is None
    assert errorwire.capture_exception(caught) is not None
    assert errorwire.flush(timeout=5.0)
    arrived = receiver.wait_for(3)
    assert len(arrived) == 3 and "dropped, then reported" in arrived[0].body.decode()
    client = errorwire.stats()["client"]
    assert client["dropped_before_send"] == 1
    assert "duplicate" not in client
    assert errorwire.capture_exception(caught) is None  # sent once: now it is a duplicate
    assert errorwire.stats()["client"]["duplicate"] == 1
