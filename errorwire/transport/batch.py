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
from typing import List, Optional

from errorwire.core.render import EVENT_ID_HEADER
from errorwire.transport.delivery import Delivery, Lane
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
        body = rider.item.body
        size += len(body) - len(prefix) - 1
        if (
            rider.item.vendor is not head.item.vendor
            or not _joinable(rider)
            or not body.startswith(prefix)
            or size > head.item.vendor.max_bytes
        ):
            break
        riders.append(lane.backlog.popleft())
    return riders


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
