"""What ``close`` does with the reports still owed when it stops waiting for them.

Without a spool they are dropped and counted. With one, rendered reports go to the
spool at once and queued events are rendered into it for up to ``SPOOL_AT_EXIT``
seconds. A report whose attempt is still in flight is written too, and the handover
to its sender happens under the lanes' lock: whichever of the two finishes second
deletes the row if the vendor accepted the report.
"""

from __future__ import annotations

import time
from typing import Callable, List, Tuple

from errorwire.core.event import Event
from errorwire.core.outcomes import DropReason
from errorwire.core.safety import logger, swallow
from errorwire.transport.delivery import Delivery, Lane
from errorwire.transport.holding import write_racing
from errorwire.transport.lanes import Lanes
from errorwire.transport.stats import QUEUE
from errorwire.vendors.base import Outgoing

SPOOL_AT_EXIT = 1.0
"""Seconds ``close`` spends rendering queued reports into the spool before it drops the rest."""


class Leftovers:
    def __init__(
        self,
        lanes: Lanes,
        events: List[Event],
        render: Callable[[Event], List[Outgoing]],
        count: Callable[[str, int], None],
    ) -> None:
        self.lanes = lanes
        self.events = events
        self.render = render
        self.count = count
        self.stats = lanes.deliverer.stats

    def _take_waiting(self) -> Tuple[List[Tuple[Lane, List[Delivery]]], List[Lane]]:
        """Every lane's backlog (now ours) and the lanes with an attempt on."""
        waiting: List[Tuple[Lane, List[Delivery]]] = []
        busy: List[Lane] = []
        claimed: List[Delivery] = []
        with self.lanes.lock:
            for lane in self.lanes.all():
                waiting.append((lane, list(lane.backlog)))
                lane.backlog.clear()
                if lane.in_flight is not None:
                    busy.append(lane)
                if lane.spooled is not None:
                    claimed.append(lane.spooled)
                    lane.spooled = None
        if self.lanes.feeder is not None:
            self.lanes.feeder.release(claimed)
        self.lanes.ledger.finish(len(self.events) + sum(len(d) for _, d in waiting))
        return waiting, busy

    def release_claims(self) -> None:
        """Everything was delivered: give back the spooled reports claimed but not sent."""
        self._take_waiting()

    def drop_all(self) -> None:
        waiting, _ = self._take_waiting()
        events = len(self.events)
        if events:
            self.stats.drop(DropReason.SHUTDOWN, QUEUE, events)
            self.count(DropReason.EXIT.value, events)
        for lane, deliveries in waiting:
            if deliveries:  # rendered, not yet sent: counted as the queued ones are
                self.stats.drop(DropReason.SHUTDOWN, lane.vendor, len(deliveries))
                self.count(DropReason.EXIT.value, len(deliveries))
        in_flight = self.lanes.ledger.open  # their senders count them when attempts end
        total = events + sum(len(d) for _, d in waiting) + in_flight
        if total:
            logger.warning("errorwire: shutting down with %d reports not delivered; dropped", total)

    def spool(self) -> None:
        """Into the spool: rendered reports at once, queued events for up to SPOOL_AT_EXIT s."""
        waiting, busy = self._take_waiting()
        kept = dropped = 0
        for lane, deliveries in waiting:
            for delivery in deliveries:
                if self.lanes.keep_or_drop(lane, delivery, DropReason.SHUTDOWN):
                    kept += 1
                else:
                    dropped += 1
        for lane in busy:
            kept += self._spool_in_flight(lane)
        k, d = self._spool_events()
        kept, dropped = kept + k, dropped + d
        feeder = self.lanes.feeder
        logger.warning(
            "errorwire: shutting down with reports not delivered: %d kept in the spool %s, "
            "%d dropped",
            kept,
            feeder.spool.path if feeder is not None else "",
            dropped,
        )

    def _spool_in_flight(self, lane: Lane) -> int:
        """Its attempt may still succeed: then the row is deleted, by its sender or by us."""
        with self.lanes.lock:
            delivery = lane.in_flight
        if delivery is None:
            return 0
        return write_racing(self.lanes, lane, delivery, DropReason.SHUTDOWN, held=False)

    def _spool_events(self) -> Tuple[int, int]:
        kept = dropped = 0
        deadline = time.monotonic() + SPOOL_AT_EXIT
        for index, event in enumerate(self.events):
            if time.monotonic() >= deadline:
                late = len(self.events) - index
                self.stats.drop(DropReason.SHUTDOWN, QUEUE, late)
                self.count(DropReason.EXIT.value, late)
                return kept, dropped + late
            items: List[Outgoing] = []
            with swallow("render report"):
                items = self.render(event)
            for item in items:
                lane = self.lanes.get(item.vendor_name)
                if self.lanes.keep_or_drop(lane, Delivery(item), DropReason.SHUTDOWN):
                    kept += 1
                else:
                    dropped += 1
        return kept, dropped
