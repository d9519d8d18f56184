"""The vendors' lanes: reports waiting per vendor, and serving one attempt from a lane.

Everything here runs under one lock (``changed`` is its condition). The worker thread
serves the lanes; a vendor that answers slowly (an attempt over ``SLOW_ATTEMPT``) gets
a sender thread of its own, so its stalls never hold up the other vendors.
"""

from __future__ import annotations

import _thread
import threading
from typing import Dict, Iterable, List, Optional, Tuple

from errorwire.core.config import Options
from errorwire.core.outcomes import DropReason, NextStep
from errorwire.core.safety import let_request_threads_run, swallow
from errorwire.transport.delivery import AGAIN, DONE, EXHAUSTED, Deliverer, Delivery, Lane
from errorwire.transport.feeder import SpoolFeeder
from errorwire.transport.ledger import Ledger
from errorwire.transport.schedule import Scheduler
from errorwire.vendors.base import Outgoing

SLOW_ATTEMPT = 0.5
"""Seconds an attempt may take before its vendor is sent to from a thread of its own."""


class Lanes:
    def __init__(
        self,
        options: Options,
        deliverer: Deliverer,
        scheduler: Scheduler,
        ledger: Ledger,
        feeder: Optional[SpoolFeeder],
    ) -> None:
        self.options = options
        self.deliverer = deliverer
        self.scheduler = scheduler
        self.ledger = ledger
        self.feeder = feeder
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.by_vendor: Dict[str, Lane] = {}
        self.stopping = False
        self.senders = 0
        """Vendor sender threads running (each ends once stopping, after its attempt)."""

    def lane(self, vendor: str) -> Lane:
        """Under the lock. With a spool every vendor has a sender thread from the start: the
        worker then never waits on a vendor and writes reports to the spool on time."""
        found = self.by_vendor.get(vendor)
        if found is None:
            found = self.by_vendor[vendor] = Lane(vendor, self.scheduler.health(vendor))
            if self.feeder is not None:
                self._start_own_sender(found)
        return found

    def get(self, vendor: str) -> Lane:
        with self.lock:
            return self.lane(vendor)

    # -- filling -------------------------------------------------------------------------

    def add(self, items: List[Outgoing], captured: float = 0.0) -> List[Tuple[Lane, Delivery]]:
        """One delivery per rendered item in its vendor's lane (or the spool, or dropped);
        those now in a lane."""
        overflow: List[Lane] = []
        spill: List[Tuple[Lane, Delivery]] = []
        added: List[Tuple[Lane, Delivery]] = []
        with self.lock:
            for item in items:
                lane = self.lane(item.vendor_name)
                delivery = Delivery(item, captured=captured)
                if self.feeder is not None and (
                    lane.open or len(lane.backlog) >= self.options.queue_size
                ):
                    spill.append((lane, delivery))  # safer on disk than in memory
                elif len(lane.backlog) >= self.options.queue_size:
                    overflow.append(lane)
                else:
                    lane.backlog.append(delivery)
                    added.append((lane, delivery))
                    self.ledger.begin()
            self.changed.notify_all()
        for lane, delivery in spill:
            self.keep_or_drop(
                lane,
                delivery,
                DropReason.CIRCUIT_OPEN if lane.open else DropReason.BACKLOG_FULL,
            )
        for lane in overflow:
            self.deliverer.drop(
                DropReason.BACKLOG_FULL,
                lane,
                "%d reports already wait for it",
                self.options.queue_size,
            )
        return added

    def keep_or_drop(self, lane: Lane, delivery: Delivery, reason: DropReason) -> bool:
        """Into the spool; else dropped and counted. True when kept."""
        if self.feeder is not None and self.feeder.keep(delivery, reason):
            return True
        if reason == DropReason.SHUTDOWN:
            self.deliverer.stats.drop(reason, lane.vendor)
        else:
            self.deliverer.drop(reason, lane, "and the spool could not keep it")
        return False

    def feed(self) -> None:
        """Claim a spooled report for one free vendor that is due (one per pass)."""
        if self.feeder is None:
            return
        now = self.scheduler.clock()
        with self.lock:
            free = [lane.vendor for lane in self.spool_lanes() if now >= lane.ready_at]
        delivery = self.feeder.take(free)
        if delivery is not None:
            with self.lock:
                self.lane(delivery.item.vendor_name).spooled = delivery
                self.changed.notify_all()

    def spool_lanes(self) -> List[Lane]:
        """Lanes of the configured vendors free to send a report from the spool."""
        lanes = (self.lane(v.name) for v in self.options.vendors)
        return [lane for lane in lanes if not lane.backlog and lane.spooled is None]

    # -- serving ---------------------------------------------------------------------------

    def next_due(self) -> Optional[float]:
        """Seconds until a lane the worker serves may send (<= 0: now); None when none waits.
        Under the lock."""
        waiting = [
            lane.vendor
            for lane in self.by_vendor.values()
            if not lane.own_sender and (lane.backlog or lane.spooled is not None)
        ]
        vendor, wait = self.scheduler.pick(waiting)
        if vendor is not None:
            return 0.0
        spool_wait = self._spool_wait()
        if spool_wait is None or wait is None:
            return wait if spool_wait is None else spool_wait
        return min(wait, spool_wait)

    def _spool_wait(self) -> Optional[float]:
        """Seconds until the worker should claim from the spool; None: nothing to claim."""
        if self.feeder is None:
            return None
        free = [lane.vendor for lane in self.spool_lanes()]
        look = self.feeder.due_at(free)
        if look is not None:
            return look - self.scheduler.clock()
        vendor, wait = self.scheduler.pick(free)
        return 0.0 if vendor is not None else wait

    def serve_due(self, rounds: int = 1) -> None:
        """Up to ``rounds`` times one attempt from each due lane the worker serves (until
        none is due); a slow one gets its own thread."""
        for _ in range(rounds):
            made = 0
            for lane in list(self.by_vendor.values()):
                took = None if lane.own_sender else self.serve(lane)
                if took is not None:
                    made += 1
                    if took >= SLOW_ATTEMPT:
                        self._give_own_sender(lane)
            if not made:
                return

    def serve(self, lane: Lane) -> Optional[float]:
        """One attempt from ``lane`` if it is due; the seconds it took (None: none made)."""
        with self.lock:
            if self.stopping or self.scheduler.wait(lane.vendor) > 0:
                return None
            delivery = lane.backlog.popleft() if lane.backlog else lane.spooled
            if delivery is None:
                return None
            if delivery.from_spool:
                lane.spooled = None
            lane.in_flight = delivery
        let_request_threads_run()
        started = self.scheduler.clock()
        outcome: Optional[NextStep] = None
        with swallow(f"deliver to {lane.vendor}"):
            outcome = self.deliverer.attempt(lane, delivery)
        took = self.scheduler.clock() - started
        if outcome is None:
            self.deliverer.stats.drop(DropReason.INTERNAL_ERROR, lane.vendor)
        self._settle(lane, delivery, outcome)
        return took

    def _settle(self, lane: Lane, delivery: Delivery, outcome: Optional[NextStep]) -> None:
        with self.lock:
            lane.in_flight = None
            requeued = outcome == AGAIN and not self.stopping
            if not requeued:
                delivery.final = outcome or DONE
            # Under the lock: a spool row for this very report may be being written.
            writer_settles = delivery.writing
            spill = self._requeue(lane, delivery) if requeued else []
            self.changed.notify_all()  # the lane is free: the worker may claim from the spool
        for waiting in spill:  # each stays unfinished until written
            self.keep_or_drop(lane, waiting, DropReason.CIRCUIT_OPEN)
            self.ledger.finish()
        if requeued:
            return
        if not writer_settles:
            self.done(lane, delivery, outcome)
        if not delivery.from_spool:
            self.ledger.finish()

    def done(self, lane: Lane, delivery: Delivery, outcome: Optional[NextStep]) -> None:
        """Its last attempt is over: settle its spool row, or keep it there at exit."""
        if delivery.spool_id is not None and self.feeder is not None:
            self.feeder.settle(delivery, outcome)  # exhausted: released for a later attempt
        elif outcome == AGAIN:  # stopping: kept in the spool, or counted as dropped
            self.keep_or_drop(lane, delivery, DropReason.SHUTDOWN)
        elif outcome == EXHAUSTED and not (
            self.feeder is not None and self.feeder.keep(delivery, "retries_exhausted")
        ):
            self.deliverer.drop_exhausted(lane, delivery)

    def _requeue(self, lane: Lane, delivery: Delivery) -> List[Delivery]:
        """Under the lock: back in line; what a spool should keep while the circuit is open."""
        if delivery.from_spool:
            lane.spooled = delivery
        else:
            lane.backlog.appendleft(delivery)
        self.changed.notify_all()
        if self.feeder is None or not lane.open:
            return []
        spill = list(lane.backlog)
        lane.backlog.clear()
        return spill

    # -- a sender thread per slow vendor ------------------------------------------------

    def _give_own_sender(self, lane: Lane) -> None:
        with self.lock:
            if not self.stopping and not lane.own_sender:
                self._start_own_sender(lane)

    def _start_own_sender(self, lane: Lane) -> None:
        """Under the lock."""
        lane.own_sender = True
        self.senders += 1
        try:
            _thread.start_new_thread(self._send_from_own_thread, (lane,))
        except RuntimeError:  # interpreter shutdown: the worker keeps serving it
            lane.own_sender = False
            self.senders -= 1

    def _send_from_own_thread(self, lane: Lane) -> None:
        try:
            while self._wait_until_due(lane):
                self.serve(lane)
        finally:
            with self.lock:
                self.senders -= 1
                self.changed.notify_all()

    def _wait_until_due(self, lane: Lane) -> bool:
        with self.changed:
            while not self.stopping:
                if lane.backlog or lane.spooled is not None:
                    wait = self.scheduler.wait(lane.vendor)
                    if wait <= 0:
                        return True
                    self.changed.wait(wait)
                else:
                    self.changed.wait()
        return False

    def all(self) -> Iterable[Lane]:
        return list(self.by_vendor.values())
