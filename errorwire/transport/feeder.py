"""Everything the transport does with the spool, behind ``keep`` and ``take``.

``keep`` writes a report that cannot be delivered now (or at exit) to the spool;
``take`` claims the spool's oldest report for a vendor free to send it; ``settle``
deletes a spooled report once its vendor is done with it, or releases it for a later
attempt by any process. Only the worker (and ``close`` at exit) calls in here.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Union

from errorwire.core.config import Options
from errorwire.core.outcomes import DropReason, NextStep
from errorwire.core.safety import swallow
from errorwire.transport import policy
from errorwire.transport.delivery import DONE, EXHAUSTED, Delivery
from errorwire.transport.spool import Spool, Spooled
from errorwire.transport.stats import QuietLog
from errorwire.vendors.base import Outgoing

LOOK_EVERY = 2.0
"""Seconds between two looks into an empty spool (other processes may fill it)."""


class SpoolFeeder:
    def __init__(
        self,
        options: Options,
        spool: Spool,
        log: QuietLog,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options
        self.spool = spool
        self.log = log
        self.clock = clock
        self._empty_for: Set[str] = set()
        """Vendors the last claims found no row for; looked at again at ``look_at``, or at
        once when a report is written."""
        self.look_at = 0.0

    def due_at(self, free: Sequence[str]) -> Optional[float]:
        """None when the spool may hold rows for one of the ``free`` vendors now; else the
        clock time of the next look."""
        if self.clock() >= self.look_at or not set(free) <= self._empty_for:
            return None
        return self.look_at

    def keep(self, delivery: Delivery, reason: str) -> bool:
        """Into the spool for a later attempt; True when kept (or too large to keep: counted)."""
        if delivery.held and delivery.spool_id is not None:
            delivery.held = False
            with swallow("update the spool"):
                self.spool.keep(delivery.spool_id, reason)
            return True
        return self.write(delivery, reason) is not False

    def write(self, delivery: Delivery, reason: str, held: bool = False) -> Union[int, bool]:
        """Its row id; True when it was too large to keep (counted), False when writing failed.
        A ``held`` row stays claimed by this process (insurance while it sends the report)."""
        item = delivery.item
        vendor = item.vendor_name
        try:
            row_id = self.spool.add(
                vendor,
                item.event_id,
                item.headers,
                item.body,
                reason,
                captured=delivery.captured or None,
                held=held,
            )
        except Exception as exc:  # disk full, locked for longer than the busy timeout...
            self.log.log(
                f"spool-failed-{vendor}",
                "errorwire: could not write a %s report to the spool (%r)",
                vendor,
                exc,
            )
            return False
        if row_id is None:
            return True  # larger than the whole spool: counted as spool_full by the spool
        if held:
            return row_id
        self._empty_for.clear()
        self.log.log(
            f"spooled-{vendor}-{reason}",
            "errorwire: %s report not delivered (%s); kept in the spool %s",
            vendor,
            reason,
            self.spool.path,
            level=logging.INFO,
        )
        return row_id

    def hold(self, deliveries: Sequence[Delivery]) -> List[Union[int, bool]]:
        """Held rows for reports still being sent, in one transaction: per delivery its row
        id, True when too large to keep (counted), False when writing failed."""
        reports = [
            (d.item.vendor_name, d.item.event_id, d.item.headers, d.item.body, d.captured or None)
            for d in deliveries
        ]
        try:
            row_ids = self.spool.hold(reports)
        except Exception as exc:  # disk full, locked for longer than the busy timeout...
            self.log.log("spool-failed-hold", "errorwire: could not write to the spool (%r)", exc)
            return [False] * len(deliveries)
        return [True if row_id is None else row_id for row_id in row_ids]

    def take(self, free: Sequence[str]) -> Optional[Delivery]:
        """Claim the spool's oldest report for one of the ``free`` vendors, if it is time."""
        now = self.clock()
        if not free or self.due_at(free) is not None:
            return None
        known_empty = bool(self._empty_for)
        if now >= self.look_at:
            self._empty_for.clear()
        claimed: Optional[Spooled] = None
        with swallow("read the spool"):
            # A look takes no lock; a claim takes the write lock every process shares.
            if not known_empty or self.spool.has(free):
                claimed = self.spool.claim(free)
        if claimed is None:
            self._empty_for.update(free)
            self.look_at = now + LOOK_EVERY
            return None
        settings = next(v for v in self.options.vendors if v.name == claimed.vendor)
        payload: Dict[str, Any] = {}
        with swallow("read a spooled report"):
            payload = json.loads(claimed.body)  # only a 413 needs it (to shrink)
        item = Outgoing(
            vendor=settings,
            payload=payload,
            body=claimed.body,
            headers=claimed.headers,
            event_id=claimed.event_id,
        )
        return Delivery(item, spool_id=claimed.row_id, from_spool=True)

    def settle(self, delivery: Delivery, outcome: Optional[NextStep]) -> None:
        """Its vendor is done with a spooled report (or we stop): delete or release its row."""
        row_id = delivery.spool_id
        if row_id is None:
            return
        if delivery.held:
            self._settle_held(delivery, row_id, outcome)
            return
        with swallow("update the spool"):
            if outcome is not None and outcome != DONE:
                self.spool.release([row_id])  # kept for a later attempt, by any process
                return
            self.spool.delete(row_id)
            if outcome is None:
                self.spool.dropped[DropReason.INTERNAL_ERROR.value] += 1
            elif delivery.outcome == policy.SENT:
                self.spool.sent += 1
            else:
                self.spool.dropped[str(delivery.outcome)] += 1

    def _settle_held(self, delivery: Delivery, row_id: int, outcome: Optional[NextStep]) -> None:
        """Insurance no longer needed once the vendor is done with it; else kept for good."""
        if outcome is None or outcome == DONE:
            with swallow("update the spool"):
                self.spool.delete(row_id)
            return
        self.keep(
            delivery,
            DropReason.RETRIES_EXHAUSTED if outcome == EXHAUSTED else DropReason.SHUTDOWN,
        )

    def release(self, deliveries: Sequence[Delivery]) -> None:
        with swallow("update the spool"):
            self.spool.release([d.spool_id for d in deliveries if d.spool_id is not None])
