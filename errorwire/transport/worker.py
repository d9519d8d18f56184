"""The transport: a bounded queue served by one lazily started daemon thread per process.

The request thread only appends the event (a lock held for microseconds, never
waited on for I/O). The worker renders it (source context, scrub, encode, cap),
puts one delivery per vendor in that vendor's lane, and sends from whichever
lanes are due. ``sync=True``, or uWSGI without threads, sends in the caller.
"""

from __future__ import annotations

import _thread
import json
import logging
import os
import threading
import time
import weakref
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional, Union

from errorwire.core.config import Options
from errorwire.core.event import Event
from errorwire.core.safety import let_request_threads_run, log_once, logger, swallow
from errorwire.transport import policy
from errorwire.transport.delivery import Deliverer, Delivery, Lane
from errorwire.transport.http import HttpClient
from errorwire.transport.runtime import sending_mode
from errorwire.transport.spool import Spool, Spooled
from errorwire.transport.stats import QUEUE, QuietLog, TransportStats
from errorwire.vendors.base import Outgoing

LULL = 0.002
"""Seconds without a new error (reported or suppressed) that count as a lull."""
MAX_DEFER = 1.0
"""The longest the worker waits for a lull in one stretch of back-to-back errors."""
SPOOL_LOOK = 2.0
"""Seconds between two looks into an empty spool (other processes may fill it)."""
SPOOL_AT_EXIT = 1.0
"""Seconds ``close`` spends rendering queued reports into the spool before it drops the rest."""

_live: weakref.WeakSet[Transport] = weakref.WeakSet()


class Transport:
    def __init__(
        self,
        options: Options,
        render: Callable[[Event], List[Outgoing]],
        count: Callable[[str, int], None],
    ) -> None:
        self.options = options
        self.render = render
        self.count = count
        self.mode = sending_mode(options.sync)
        self.sink: Optional[Callable[[Outgoing], None]] = None
        """Set by ``errorwire.testing.capture``: rendered reports go to it, not to a vendor."""
        self._closed = False
        if options.spool_dir is not None and self.mode != "thread":
            log_once(
                "spool-no-worker",
                "errorwire: spool_dir is used by the background worker only; in %s mode "
                "reports that cannot be delivered are dropped and counted",
                self.mode,
            )
        self._start_process()
        _live.add(self)
        if self.spool is not None:
            self._ensure_worker()  # what earlier processes left in the spool goes out now

    def _start_process(self) -> None:
        """Fresh process-local state: at creation and in a forked child."""
        self._pid = os.getpid()
        inherited: Optional[Spool] = getattr(self, "spool", None)
        if inherited is not None:
            inherited.abandon_after_fork()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._events: Deque[Event] = deque()
        self._busy_since: Optional[float] = None
        self.last_error = 0.0
        """When the app last reported an error (sent or suppressed): the worker renders
        in a lull of them (``_wait_for_a_lull``)."""
        self._lanes: Dict[str, Lane] = {}
        self._unfinished = 0
        """Events queued or being rendered, plus deliveries waiting in a lane."""
        self._full_burst = 0
        self._stopping = False
        self._worker_running = False
        self._worker_ident: Optional[int] = None
        self._worker_done = threading.Event()
        self._stats = TransportStats()
        self._log = QuietLog()
        self._http = HttpClient(self.options.connect_timeout, self.options.read_timeout)
        self._deliverer = Deliverer(self.options, self._http, self._stats, self._log)
        options = self.options
        self.spool: Optional[Spool] = None
        if options.spool_dir is not None and self.mode == "thread":
            self.spool = Spool(options.spool_dir, options.spool_max_bytes)
            self._deliverer.keep = self._keep
        self._overflow: Deque[Event] = deque()
        """With a spool: events past a full queue, rendered into the spool by the worker."""
        self._spool_slot: Dict[str, Delivery] = {}
        """Per vendor, the report claimed from the spool that is being sent (one at a time)."""
        self._spool_hint = True
        """The spool may hold rows for us; False until the next look (``_spool_look_at``)."""
        self._spool_look_at = 0.0
        self._in_flight: Optional[Delivery] = None

    # -- request thread ------------------------------------------------------------

    def submit(self, event: Event) -> bool:
        """Queue ``event``; False when it was dropped (queue full, closed). Never blocks."""
        if self._pid != os.getpid():
            self._start_process()  # forked without os.register_at_fork (uWSGI forks in C)
        if self._closed:
            self._drop_event("closed")
            return False
        if self.mode != "thread" or self.sink is not None:
            self._send_inline(event)
            return True
        ended = 0
        with self._lock:
            full = len(self._events) >= self.options.queue_size
            if full and self.spool is not None and len(self._overflow) < self.options.queue_size:
                # No SQLite on the request thread: the worker renders it into the spool.
                self.last_error = time.monotonic()
                self._overflow.append(event)
                self._unfinished += 1
                self._changed.notify()
                return True
            if full:
                self._full_burst += 1
                first_of_burst = self._full_burst == 1
            else:
                ended, self._full_burst = self._full_burst, 0
                self.last_error = time.monotonic()
                self._events.append(event)
                self._unfinished += 1
                self._changed.notify()
        if full:
            self._drop_event("queue_full")
            if first_of_burst:
                logger.warning(
                    "errorwire: report queue full (%d waiting); new reports are dropped "
                    "until it drains",
                    self.options.queue_size,
                )
            return False
        if ended:
            logger.info("errorwire: report queue drains again; %d reports were dropped", ended)
        self._ensure_worker()
        return True

    def _drop_event(self, reason: str) -> None:
        self._stats.drop(QUEUE, reason)
        self.count(f"dropped_{reason}", 1)

    def _ensure_worker(self) -> None:
        if self._worker_running:
            return
        with self._lock:
            if self._worker_running or self._stopping:
                return
            self._worker_running = True
            self._worker_done.clear()
        # threading.Thread.start() waits until the new thread is scheduled: 1-10 ms on a
        # busy host, paid by the request that reports the first error. The low-level
        # start returns at once; the thread is a daemon all the same.
        try:
            _thread.start_new_thread(self._run_worker, ())
        except RuntimeError:  # "can't create new thread at interpreter shutdown"
            with self._lock:
                self._worker_running = False
                pending = list(self._events)
                self._events.clear()
                self._unfinished -= len(pending)
            for event in pending:
                self._send_inline(event)

    # -- worker thread ---------------------------------------------------------------

    def _run_worker(self) -> None:
        self._worker_ident = threading.get_ident()
        try:
            self._run()
        finally:
            with self._lock:
                self._worker_running = False
                self._worker_ident = None
            self._worker_done.set()

    def _run(self) -> None:
        while True:
            event: Optional[Event] = None
            overflow: Optional[Event] = None
            with self._changed:
                while not self._stopping:
                    if self._events or self._overflow:
                        event = self._events.popleft() if self._events else None
                        overflow = self._overflow.popleft() if self._overflow else None
                        break
                    wait = self._next_due()
                    if wait is not None and wait <= 0:
                        break
                    self._changed.wait(wait)
                if self._stopping:
                    return
            self._wait_for_a_lull()
            if event is not None:
                self._distribute(event)
            if overflow is not None:
                self._spool_event(overflow, "queue_full")
            if self.spool is not None:
                self._feed_from_spool()
            self._send_due()

    def _wait_for_a_lull(self) -> None:
        """Rendering and sending a report cost ~0.5 ms of CPU under the GIL: done while
        the app raises errors back to back, they slow the failing requests themselves.
        So the worker waits for a lull (LULL without a new error). An app that keeps
        failing for MAX_DEFER gets no more waiting until its next lull (the reports
        must go out), nor does a half-full queue."""
        half = self.options.queue_size // 2
        while not self._stopping:
            now = time.monotonic()
            if now - self.last_error >= LULL:
                self._busy_since = None
                return
            if self._busy_since is None:
                self._busy_since = now
            if now - self._busy_since >= MAX_DEFER or len(self._events) >= half:
                return
            time.sleep(LULL)

    def _next_due(self) -> Optional[float]:
        """Seconds until some lane may send (<= 0: now), None when every lane is empty."""
        ready = [
            lane.ready_at
            for lane in self._lanes.values()
            if lane.backlog or lane.vendor in self._spool_slot
        ]
        if self.spool is not None:
            if self._spool_hint:
                ready.extend(lane.ready_at for lane in self._spool_lanes())
            else:
                ready.append(self._spool_look_at)
        return min(ready) - time.monotonic() if ready else None

    def _distribute(self, event: Event) -> None:
        items: List[Outgoing] = []
        with swallow("render report"):
            items = self.render(event)
        overflow: List[str] = []
        spill: List[Delivery] = []
        with self._lock:
            added = 0
            for item in items:
                lane = self._lane(item.vendor_name)
                if self.spool is not None and lane.open:
                    spill.append(Delivery(item))  # paused vendor: safer on disk than in memory
                    continue
                if len(lane.backlog) >= self.options.queue_size:
                    if self.spool is not None:
                        spill.append(Delivery(item))
                        continue
                    overflow.append(item.vendor_name)
                    continue
                lane.backlog.append(Delivery(item))
                added += 1
            self._unfinished += added + len(spill) - 1  # flush() waits for the spool writes
            self._changed.notify_all()
        for delivery in spill:
            lane = self._lanes[delivery.item.vendor_name]
            self._spool_or_drop(lane, delivery, "circuit_open" if lane.open else "backlog_full")
            self._finished_one()
        for vendor in overflow:
            self._deliverer.drop(
                self._lanes[vendor],
                "backlog_full",
                "%d reports already wait for it",
                self.options.queue_size,
            )

    def _lane(self, vendor: str) -> Lane:
        lane = self._lanes.get(vendor)
        if lane is None:
            lane = self._lanes[vendor] = Lane(vendor)
        return lane

    def _send_due(self) -> None:
        for lane in list(self._lanes.values()):
            with self._lock:
                if self._stopping:
                    return
                if time.monotonic() < lane.ready_at:
                    continue
                # New reports first; the spool's oldest only when none waits.
                from_spool = not lane.backlog
                if from_spool:
                    spooled = self._spool_slot.pop(lane.vendor, None)
                    if spooled is None:
                        continue
                    delivery = spooled
                else:
                    # Out of the backlog while in flight, so close() never counts it twice.
                    delivery = lane.backlog.popleft()
                self._in_flight = delivery
            let_request_threads_run()
            finished: Optional[bool] = None
            with swallow(f"deliver to {lane.vendor}"):
                finished = self._deliverer.attempt(lane, delivery)
            if finished is None:
                self._stats.drop(lane.vendor, "internal_error")
            spill: List[Delivery] = []
            unsent = finished is False
            with self._lock:
                self._in_flight = None
                stopping = self._stopping
                if unsent and not stopping:
                    if from_spool:
                        self._spool_slot[lane.vendor] = delivery
                    else:
                        lane.backlog.appendleft(delivery)
                    if self.spool is not None and lane.open:
                        spill = list(lane.backlog)
                        lane.backlog.clear()
            if unsent and not stopping:
                for waiting in spill:  # each stays unfinished until written
                    self._spool_or_drop(lane, waiting, "circuit_open")
                    self._finished_one()
                continue
            if delivery.spool_id is not None:
                self._settle_spooled(lane, delivery, finished)
            elif unsent:  # stopping: kept in the spool, or counted as dropped
                self._spool_or_drop(lane, delivery, "shutdown")
            if not from_spool:
                self._finished_one()

    def _finished_one(self) -> None:
        with self._lock:
            self._unfinished -= 1
            self._changed.notify_all()

    # -- the spool (worker thread; ``close`` at exit) -----------------------------------

    def _spool_lanes(self) -> List[Lane]:
        """Lanes of the configured vendors free to send a report from the spool."""
        return [
            lane
            for lane in (self._lane(v.name) for v in self.options.vendors)
            if not lane.backlog and lane.vendor not in self._spool_slot
        ]

    def _feed_from_spool(self) -> None:
        """Claim the spool's oldest report for a vendor that is free and due (one per pass)."""
        spool = self.spool
        assert spool is not None
        now = time.monotonic()
        with self._lock:
            free = [lane.vendor for lane in self._spool_lanes() if now >= lane.ready_at]
        if not free or (not self._spool_hint and now < self._spool_look_at):
            return
        claimed: Optional[Spooled] = None
        with swallow("read the spool"):
            # A look takes no lock; a claim takes the write lock every process shares.
            if self._spool_hint or spool.has(free):
                claimed = spool.claim(free)
        if claimed is None:
            self._spool_hint = False
            self._spool_look_at = now + SPOOL_LOOK
            return
        self._spool_hint = True
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
        with self._lock:
            self._spool_slot[claimed.vendor] = Delivery(item, spool_id=claimed.row_id)

    def _settle_spooled(self, lane: Lane, delivery: Delivery, finished: Optional[bool]) -> None:
        """A report with a spool row is done with (or the process stops): delete or release it."""
        spool = self.spool
        row_id = delivery.spool_id
        if spool is None or row_id is None:
            return
        outcome = delivery.outcome
        with swallow("update the spool"):
            if finished is False or (finished and outcome == policy.RETRY):
                spool.release([row_id])  # kept for a later attempt, by any process
                return
            spool.delete(row_id)
            if finished and outcome == policy.SENT:
                spool.sent += 1
            else:
                reason = "internal_error" if finished is None else outcome
                spool.dropped[reason] += 1

    def _keep(self, lane: Lane, delivery: Delivery, reason: str) -> bool:
        """The deliverer's last resort before a drop: True when the report is in the spool."""
        if delivery.spool_id is not None:
            return True  # already there: _settle_spooled releases it for a later attempt
        return self._spool_delivery(lane, delivery, reason) is not False

    def _spool_delivery(self, lane: Lane, delivery: Delivery, reason: str) -> Union[int, bool]:
        """Its row id; True when it was too large to keep (counted), False when writing failed."""
        spool = self.spool
        if spool is None:
            return False
        item = delivery.item
        try:
            row_id = spool.add(item.vendor_name, item.event_id, item.headers, item.body, reason)
        except Exception as exc:  # disk full, locked for longer than the busy timeout...
            self._log.log(
                f"spool-failed-{lane.vendor}",
                "errorwire: could not write a %s report to the spool (%r)",
                lane.vendor,
                exc,
            )
            return False
        if row_id is None:
            return True  # larger than the whole spool: counted as spool_full by the spool
        self._spool_hint = True
        self._log.log(
            f"spooled-{lane.vendor}-{reason}",
            "errorwire: %s report not delivered (%s); kept in the spool %s",
            lane.vendor,
            reason,
            spool.path,
            level=logging.INFO,
        )
        return row_id

    def _spool_or_drop(self, lane: Lane, delivery: Delivery, reason: str) -> bool:
        if self._spool_delivery(lane, delivery, reason) is not False:
            return True
        if reason == "shutdown":
            self._stats.drop(lane.vendor, reason)
        else:
            self._deliverer.drop(lane, reason, "and the spool could not keep it")
        return False

    def _spool_event(self, event: Event, reason: str) -> None:
        """Render an event that found the queue full straight into the spool."""
        items: List[Outgoing] = []
        with swallow("render report"):
            items = self.render(event)
        for item in items:
            with self._lock:
                lane = self._lane(item.vendor_name)
            self._spool_or_drop(lane, Delivery(item), reason)
        self._finished_one()

    # -- in the calling thread (sync mode, uWSGI without threads) -------------------

    def _send_inline(self, event: Event) -> None:
        items: List[Outgoing] = []
        with swallow("render report"):
            items = self.render(event)
        sink = self.sink
        for item in items:
            if sink is not None:
                sink(item)
                continue
            with self._lock:
                lane = self._lane(item.vendor_name)
            with swallow(f"deliver to {lane.vendor}"):
                self._deliverer.deliver_now(lane, Delivery(item))

    # -- lifecycle ---------------------------------------------------------------------

    def flush(self, timeout: float) -> bool:
        """Wait until everything queued is delivered or dropped for good; False on timeout."""
        if self._pid != os.getpid():
            self._start_process()
        if self._worker_ident == threading.get_ident():
            return self._unfinished == 0  # called from a hook on the worker: it cannot wait
        if self._unfinished:
            self._ensure_worker()
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._changed:
            while self._unfinished > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def close(self, timeout: float) -> None:
        """Flush for up to ``timeout`` seconds, then stop; what is left is dropped and counted."""
        if self._closed:
            return
        self._closed = True
        flushed = self.flush(timeout)
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._worker_running and self._worker_ident != threading.get_ident():
            self._worker_done.wait(0.2)
        if not flushed:
            if self.spool is not None:
                self._spool_leftovers()
            else:
                self._drop_leftovers()
        elif self.spool is not None:
            self._release_spool_slots()
        if self.spool is not None:
            self.spool.close()
        self._http.close()

    def _drop_leftovers(self) -> None:
        with self._lock:
            events = len(self._events)
            self._events.clear()
            lanes = [(lane, len(lane.backlog)) for lane in self._lanes.values()]
            for lane, _ in lanes:
                lane.backlog.clear()
            self._unfinished -= events + sum(waiting for _, waiting in lanes)
            in_flight = self._unfinished  # the worker counts it when its attempt ends
            self._changed.notify_all()
        if events:
            self._stats.drop(QUEUE, "shutdown", events)
            self.count("dropped_shutdown", events)
        for lane, waiting in lanes:
            if waiting:
                self._stats.drop(lane.vendor, "shutdown", waiting)
        total = events + sum(waiting for _, waiting in lanes) + in_flight
        if total:
            logger.warning("errorwire: shutting down with %d reports not delivered; dropped", total)

    def _release_spool_slots(self) -> None:
        with self._lock:
            slots = list(self._spool_slot.values())
            self._spool_slot.clear()
        if self.spool is not None:
            with swallow("update the spool"):
                self.spool.release([d.spool_id for d in slots if d.spool_id is not None])

    def _spool_leftovers(self) -> None:
        """At exit, what was not delivered goes to the spool: rendered reports at once,
        queued events rendered for up to SPOOL_AT_EXIT seconds (the rest is dropped)."""
        with self._lock:
            events = list(self._events) + list(self._overflow)
            self._events.clear()
            self._overflow.clear()
            waiting = [(lane, list(lane.backlog)) for lane in self._lanes.values()]
            for lane, _ in waiting:
                lane.backlog.clear()
            self._unfinished -= len(events) + sum(len(d) for _, d in waiting)
            in_flight = self._in_flight
            self._changed.notify_all()
        self._release_spool_slots()
        kept = dropped = 0
        for lane, deliveries in waiting:
            for delivery in deliveries:
                if self._spool_or_drop(lane, delivery, "shutdown"):
                    kept += 1
                else:
                    dropped += 1
        if in_flight is not None and in_flight.spool_id is None:
            # Its attempt may still succeed: the worker then deletes the row (spool_id).
            row_id = self._spool_delivery(
                self._lane(in_flight.item.vendor_name), in_flight, "shutdown"
            )
            if row_id is not False:
                kept += 1
                in_flight.spool_id = None if row_id is True else int(row_id)
        deadline = time.monotonic() + SPOOL_AT_EXIT
        for index, event in enumerate(events):
            if time.monotonic() >= deadline:
                late = len(events) - index
                self._stats.drop(QUEUE, "shutdown", late)
                self.count("dropped_shutdown", late)
                dropped += late
                break
            items: List[Outgoing] = []
            with swallow("render report"):
                items = self.render(event)
            for item in items:
                if self._spool_or_drop(self._lane(item.vendor_name), Delivery(item), "shutdown"):
                    kept += 1
                else:
                    dropped += 1
        logger.warning(
            "errorwire: shutting down with reports not delivered: %d kept in the spool %s, "
            "%d dropped",
            kept,
            self.spool.path if self.spool is not None else "",
            dropped,
        )

    def stats(self) -> Dict[str, Any]:
        """{"transport": {...totals, queue}, "<vendor>": {"sent", "retried", "dropped"...}}."""
        snapshot = self._stats.snapshot()
        totals = snapshot.pop("totals")
        names = [v.name for v in self.options.vendors] + list(self._lanes)
        for name in dict.fromkeys(names):
            entry = snapshot.setdefault(
                name, {"sent": 0, "retried": 0, "shrunk": 0, "rate_limited": 0, "dropped": {}}
            )
            lane = self._lanes.get(name)
            entry["waiting"] = len(lane.backlog) if lane else 0
            entry["circuit"] = lane.circuit if lane else "closed"
        totals.update(
            mode=self.mode,
            worker="running" if self._worker_running else "idle",
            queued=len(self._events),
            unfinished=self._unfinished,
        )
        if self.spool is not None:
            snapshot["spool"] = self.spool.snapshot()
        return {"transport": totals, **snapshot}


def _after_fork_in_child() -> None:
    """The child gets its own queue, connections and thread; the parent's stay untouched."""
    for transport in list(_live):
        transport._start_process()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
