"""A backlog of Bugsnag reports joined in one notify (transport/batch.py), end to end:
fewer POSTs, every report arriving once with its own event id, and a batch the vendor
refuses or fails split or retried, never lost."""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional

import errorwire
from tests.helpers import QUICK
from tests.receiver import EVENT_ID_HEADER, Received, Receiver, Reply, accepted
from tests.schemas import assert_valid
from tests.transport.transport_helpers import capture, messages

COUNT = 40
ALL = sorted(f"report {index}" for index in range(COUNT))


class Posts:
    """Every HTTP request to Bugsnag as sent (a batch is one), answering the first one
    carrying several reports with ``first_batch`` (None: accepted)."""

    def __init__(self, receiver: Receiver, first_batch: Optional[Reply] = None) -> None:
        self.sent: List[Received] = []
        self.first_batch = first_batch
        self._lock = threading.Lock()
        receiver.responder = self.answer

    def answer(self, item: Received) -> Optional[Reply]:
        if item.vendor != "bugsnag":
            return None
        with self._lock:
            self.sent.append(item)
            reply, joined = self.first_batch, len(item.json()["events"]) > 1
            if joined:
                self.first_batch = None
        return reply if joined else None

    def sizes(self) -> List[int]:
        return [len(item.json()["events"]) for item in self.sent]


PATIENT = {**QUICK, "read_timeout": 5.0}
"""QUICK, but a stalled answer is waited for: a read timeout would send a report twice."""


def run(receiver: Receiver, all_vendors: Dict[str, Any]) -> Dict[str, Any]:
    receiver.script_for("bugsnag", accepted("bugsnag", stall=0.6))  # a backlog forms behind it
    errorwire.init(**all_vendors, **PATIENT)
    capture(COUNT)
    assert errorwire.flush(20), errorwire.stats()
    stats: Dict[str, Any] = errorwire.stats()
    return stats


def test_a_backlog_goes_in_fewer_notifies_and_every_report_arrives_once(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    posts = Posts(receiver)
    stats = run(receiver, all_vendors)
    # How many join depends on how far rendering got when the notify left: at least one
    # notify carries several reports (4 + 4 + singles was seen on a loaded CI machine).
    assert max(posts.sizes()) > 1 and len(posts.sent) < COUNT, posts.sizes()
    assert sum(posts.sizes()) == COUNT
    for post in posts.sent:
        assert_valid("bugsnag", post.json())
        assert len(post.headers[EVENT_ID_HEADER].split(",")) == len(post.json()["events"])
    assert messages(receiver.received, "bugsnag") == ALL
    ids = [r.headers[EVENT_ID_HEADER] for r in receiver.by_vendor("bugsnag")]
    assert len(set(ids)) == COUNT
    assert sorted(ids) == sorted(r.headers[EVENT_ID_HEADER] for r in receiver.by_vendor("raygun"))
    for vendor in ("rollbar", "raygun", "bugsnag"):
        assert (stats[vendor]["sent"], stats[vendor]["dropped"]) == (COUNT, {})
        assert messages(receiver.received, vendor) == ALL


def test_a_batch_refused_as_too_large_is_split_not_lost_nor_shrunk(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    posts = Posts(receiver, first_batch=Reply(413))
    stats = run(receiver, all_vendors)["bugsnag"]
    refused = next(i for i, size in enumerate(posts.sizes()) if size > 1)
    after = posts.sizes()[refused + 1 : refused + 1 + posts.sizes()[refused]]
    assert after == [1] * posts.sizes()[refused], posts.sizes()  # one by one next
    assert messages(receiver.received, "bugsnag") == ALL
    assert (stats["sent"], stats["shrunk"], stats["dropped"]) == (COUNT, 0, {})


def test_a_batch_that_fails_is_retried_and_every_report_arrives_once(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    posts = Posts(receiver, first_batch=Reply(500))
    stats = run(receiver, all_vendors)["bugsnag"]
    assert sum(posts.sizes()) > COUNT  # the failed batch's reports were sent again
    assert messages(receiver.received, "bugsnag") == ALL  # once each
    assert (stats["sent"], stats["retried"], stats["dropped"]) == (COUNT, 1, {})


def test_with_a_spool_a_batch_is_held_and_settled_per_report(
    receiver: Receiver, all_vendors: Dict[str, Any], tmp_path: Any
) -> None:
    posts = Posts(receiver)
    receiver.script_for("bugsnag", accepted("bugsnag", stall=0.6))  # a backlog forms behind it
    errorwire.init(**all_vendors, **PATIENT, spool_dir=str(tmp_path), spool_after=0.1)
    capture(COUNT)
    assert errorwire.flush(20), errorwire.stats()
    stats = errorwire.stats()
    assert max(posts.sizes()) > 1
    assert messages(receiver.received, "bugsnag") == ALL
    assert (stats["bugsnag"]["sent"], stats["bugsnag"]["dropped"]) == (COUNT, {})
    spool = stats["spool"]
    assert spool["held"] > 1  # each waiting report written past spool_after
    assert (spool["waiting"], spool["dropped"]) == (0, {})  # and each row deleted once sent
