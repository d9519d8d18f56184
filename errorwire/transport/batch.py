"""Several waiting Bugsnag reports in one notify: its ``events`` is an array (v4 schema).

When a backlog forms (an error storm), each notify costs a POST; joining the reports
that wait saves one POST's CPU per report. Each report keeps its own delivery: sent
counts, spool rows and the ledger are settled per report. A batch is only an attempt
of its first report with the others riding along: a 413 or another refusal of the batch
splits it (its reports go one by one next, each with its own 413 handling), and a
failure or a rate limit is charged to the first report alone, as one attempt would be.
"""

from __future__ import annotations

from dataclasses import replace
from typing import List, Optional, Tuple

from errorwire.core.outcomes import NextStep
from errorwire.core.render import EVENT_ID_HEADER
from errorwire.transport.delivery import AGAIN, DONE, SPLIT, Delivery, Lane
from errorwire.vendors.base import Outgoing

EVENTS_KEY = {"bugsnag": b'"events":['}
"""The vendors whose payload holds a list of events, and the JSON that opens it: our
encoder writes it last, around exactly one event."""
MAX_BATCH = 32
"""Reports joined at most: one notify stays well under a second to send."""
MIN_BACKLOG = 8
"""Reports waiting behind the one sent before they are joined: a few reports go one per
notify (each attempt then stands for one report alone); a storm's backlog is joined."""
CLOSING = b"]}"
Results = List[Tuple[Delivery, Optional[NextStep]]]
"""Each delivery in an attempt (its first, then any riders) and its outcome."""


def take_riders(lane: Lane, head: Delivery) -> List[Delivery]:
    """Under the lanes' lock: the reports at the front of ``lane.backlog`` that can share
    ``head``'s notify, taken off the backlog (none after a batch was split)."""
    key = EVENTS_KEY.get(lane.vendor)
    if key is None or len(lane.backlog) < MIN_BACKLOG:
        return []
    if lane.singles > 0:
        lane.singles -= 1
        return []
    prefix = _prefix(head, key)
    if prefix is None:
        return []
    size = len(head.item.body)
    riders: List[Delivery] = []
    while lane.backlog and len(riders) < MAX_BATCH - 1:
        rider = lane.backlog[0]
        size += len(rider.item.body) - len(prefix) - 1
        if size > head.item.vendor.max_bytes or not _joins(rider, head, prefix):
            break
        riders.append(lane.backlog.popleft())
    return riders


def _joins(rider: Delivery, head: Delivery, prefix: bytes) -> bool:
    """Same vendor settings, same envelope before the events."""
    return (
        rider.item.vendor is head.item.vendor
        and _joinable(rider)
        and rider.item.body.startswith(prefix)
    )


def _joinable(delivery: Delivery) -> bool:
    """A first attempt of a report as our encoder wrote it (no hook reshaped it)."""
    item = delivery.item
    return (
        not delivery.from_spool
        and not delivery.retrying
        and not delivery.shrinks
        and item.vendor.before_send is None
        and item.body.endswith(CLOSING)
    )


def _prefix(head: Delivery, key: bytes) -> Optional[bytes]:
    """The bytes of ``head``'s body up to and with the opening of its event list."""
    if not _joinable(head):
        return None
    at = head.item.body.find(key)
    return None if at < 0 else head.item.body[: at + len(key)]


def joined(head: Delivery, riders: List[Delivery]) -> Outgoing:
    """One notify carrying the events of ``head`` and ``riders``, in order; the event ids
    header lists them all, comma-separated."""
    item = head.item
    start = len(_prefix(head, EVENTS_KEY[item.vendor_name]) or b"")
    parts = [d.item.body[start : -len(CLOSING)] for d in (head, *riders)]
    body = item.body[:start] + b",".join(parts) + CLOSING
    ids = ",".join(d.item.event_id for d in (head, *riders))
    return replace(item, body=body, headers={**item.headers, EVENT_ID_HEADER: ids})


def outcomes(
    head: Delivery, riders: List[Delivery], outcome: Optional[NextStep]
) -> Tuple[Results, int]:
    """What the attempt means for each report in it, and how many to send one by one
    next (a SPLIT batch: all of them, none charged)."""
    split = outcome == SPLIT
    first = AGAIN if split else outcome
    ridden = DONE if first in (DONE, None) else AGAIN
    results = [(head, first)] + [(rider, ridden) for rider in riders]
    return results, len(results) if split else 0


def back_in_line(results: Results, stopping: bool) -> Tuple[List[Delivery], Results]:
    """The deliveries to try again, and those whose attempts are over."""
    again: List[Delivery] = []
    over: Results = []
    for delivery, outcome in results:
        if outcome == AGAIN and not stopping:
            again.append(delivery)
        else:
            over.append((delivery, outcome))
    return again, over
