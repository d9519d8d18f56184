"""The transport: a bounded queue served by one lazily started daemon thread per process.

The request thread only appends the event (a lock held for microseconds, never
waited on for I/O). The worker renders it (source context, scrub, encode, cap),
puts one delivery per vendor in that vendor's lane (lanes.py) and sends from
whichever lanes are due; a vendor that answers slowly gets a sender thread of its
own. ``sync=True``, or uWSGI without threads, sends in the caller.
"""

from __future__ import annotations

import _thread
import os
import threading
import weakref
from typing import Any, Callable, Dict, List, Optional, Tuple

from errorwire.core.config import Options
from errorwire.core.event import Event
from errorwire.core.outcomes import DropReason
from errorwire.core.safety import log_once, swallow
from errorwire.transport.delivery import Deliverer, Delivery
from errorwire.transport.exit import Leftovers
from errorwire.transport.feeder import SpoolFeeder
from errorwire.transport.holding import Holds
from errorwire.transport.http import HttpClient
from errorwire.transport.jobs import Periodic
from errorwire.transport.lanes import Lanes
from errorwire.transport.ledger import Ledger
from errorwire.transport.queue import EventQueue
from errorwire.transport.runtime import sending_mode
from errorwire.transport.schedule import Scheduler
from errorwire.transport.spool import Spool
from errorwire.transport.stats import QuietLog, TransportStats
from errorwire.vendors.base import Outgoing

WORKER_AT_EXIT = 0.2
"""Seconds ``close`` waits for the worker to stop (vendor senders end after their attempt)."""

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
        self._periodic = Periodic()
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
        options = self.options
        self._worker_running = False
        self._worker_ident: Optional[int] = None
        self._worker_done = threading.Event()
        self._stats = TransportStats()
        self._log = QuietLog()
        self._http = HttpClient(options.connect_timeout, options.read_timeout)
        self.ledger = Ledger()
        """Events queued or being rendered, deliveries waiting or in flight: what flush awaits."""
        scheduler = Scheduler(options)
        deliverer = Deliverer(options, self._http, self._stats, self._log, scheduler)
        self.spool: Optional[Spool] = None
        feeder: Optional[SpoolFeeder] = None
        if options.spool_dir is not None and self.mode == "thread":
            self.spool = Spool(options.spool_dir, options.spool_max_bytes)
            feeder = SpoolFeeder(options, self.spool, self._log)
        self._lanes = Lanes(options, deliverer, scheduler, self.ledger, feeder)
        self._holds: Optional[Holds] = None
        if feeder is not None:
            self._holds = Holds(self._lanes, options.spool_after)
        self._lock = self._lanes.lock
        self._changed = self._lanes.changed
        spill = feeder is not None
        self._queue = EventQueue(
            options.queue_size, self._changed, self.ledger, self._stats, self.count, spill
        )
        if feeder is not None:  # rendered in time for spool_after, storm or not
            self._queue.max_defer = min(self._queue.max_defer, options.spool_after / 2)

    # -- request thread ------------------------------------------------------------

    def note_error(self) -> None:
        """The app reported an error (sent or suppressed): no lull for the worker yet."""
        self._queue.note_error()

    def every(self, interval: float, job: Callable[[], None]) -> None:
        """Run ``job`` on the worker thread every ``interval`` seconds, and once at close.
        For small periodic sends (session counts): it holds up reports while it runs. Its
        exceptions are logged once and counted."""
        self._periodic.add(interval, job)
        if self.mode == "thread":
            self._ensure_worker()
        with self._changed:
            self._changed.notify_all()

    def submit(self, event: Event) -> bool:
        """Queue ``event``; False when it was dropped (queue full, closed). Never blocks."""
        if self._pid != os.getpid():
            self._start_process()  # forked without os.register_at_fork (uWSGI forks in C)
        if self._closed:
            self._queue.drop(DropReason.QUEUE_CLOSED)
            return False
        if self.mode != "thread" or self.sink is not None:
            self._send_inline(event)
            return True
        if not self._queue.put(event):
            return False
        self._ensure_worker()
        return True

    def _ensure_worker(self) -> None:
        if self._worker_running:
            return
        with self._lock:
            if self._worker_running or self._lanes.stopping:
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
            for event in self._queue.drain():
                self._send_inline(event)
                self.ledger.finish()

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
        lanes = self._lanes
        while True:
            work = self._next_work()
            if work is None:
                return
            event, overflow = work
            self._queue.wait_for_a_lull(lambda: lanes.stopping)
            if event is not None:
                added = lanes.add(self._render(event), event.timestamp)
                if self._holds is not None:
                    self._holds.watch(added)
                self.ledger.finish()
            if overflow is not None:
                self._spool_event(overflow)
            if self._queue.events and self._queue.taken < self._queue.run_length:
                continue  # what is queued is rendered in a run, then sent: it costs less CPU
            self._periodic.run_due()
            if self._holds is not None:
                self._holds.write_due()
            lanes.feed()
            lanes.serve_due(self._queue.end_run())

    def _next_work(self) -> Optional[Tuple[Optional[Event], Optional[Event]]]:
        """Wait for an event, a due lane or a due job; None once stopping."""
        lanes, queue = self._lanes, self._queue
        with self._changed:
            while not lanes.stopping:
                if queue.events or queue.overflow:
                    return queue.take()
                holds = self._holds.wait() if self._holds is not None else None
                due = (lanes.next_due(), self._periodic.due_in(), holds)
                wait = min((w for w in due if w is not None), default=None)
                if wait is not None and wait <= 0:
                    return None, None
                self._changed.wait(wait)
        return None

    def _render(self, event: Event) -> List[Outgoing]:
        items: List[Outgoing] = []
        with swallow("render report"):
            items = self.render(event)
        return items

    def _spool_event(self, event: Event) -> None:
        """Render an event that found the queue full straight into the spool."""
        for item in self._render(event):
            self._lanes.keep_or_drop(
                self._lanes.get(item.vendor_name), Delivery(item), DropReason.QUEUE_FULL
            )
        self.ledger.finish()

    # -- in the calling thread (sync mode, uWSGI without threads) -------------------

    def _send_inline(self, event: Event) -> None:
        sink = self.sink
        for item in self._render(event):
            if sink is not None:
                sink(item)
                continue
            lane = self._lanes.get(item.vendor_name)
            with swallow(f"deliver to {lane.vendor}"):
                self._lanes.deliverer.deliver_now(lane, Delivery(item))

    # -- lifecycle ---------------------------------------------------------------------

    def flush(self, timeout: float) -> bool:
        """Wait until everything queued is delivered or dropped for good; False on timeout."""
        if self._pid != os.getpid():
            self._start_process()
        if self._worker_ident == threading.get_ident():
            return self.ledger.open == 0  # called from a hook on the worker: it cannot wait
        if self.ledger.open:
            self._ensure_worker()
        return self.ledger.wait(timeout)

    def close(self, timeout: float) -> None:
        """Flush for up to ``timeout`` seconds, then stop; what is left is dropped and counted."""
        if self._closed:
            return
        self._periodic.run_all()  # before closing: what the jobs submit is flushed too
        self._closed = True
        flushed = self.flush(timeout)
        with self._changed:
            self._lanes.stopping = True
            self._changed.notify_all()
        if self._worker_running and self._worker_ident != threading.get_ident():
            self._worker_done.wait(WORKER_AT_EXIT)
        leftovers = Leftovers(self._lanes, self._queue.drain(), self.render, self.count)
        if self.spool is None:
            if not flushed:
                leftovers.drop_all()
        elif flushed:
            leftovers.release_claims()
        else:
            leftovers.spool()
        if self.spool is not None:
            self.spool.close()
        self._http.close()

    def stats(self) -> Dict[str, Any]:
        """{"transport": {...totals, queue}, "<vendor>": {"sent", "retried", "dropped"...}}."""
        snapshot = self._stats.snapshot()
        totals = snapshot.pop("totals")
        lanes = self._lanes.by_vendor
        names = [v.name for v in self.options.vendors] + list(lanes)
        for name in dict.fromkeys(names):
            entry = snapshot.setdefault(
                name, {"sent": 0, "retried": 0, "shrunk": 0, "rate_limited": 0, "dropped": {}}
            )
            lane = lanes.get(name)
            entry["waiting"] = len(lane.backlog) if lane else 0
            entry["circuit"] = lane.circuit if lane else "closed"
        totals.update(
            mode=self.mode,
            worker="running" if self._worker_running else "idle",
            queued=len(self._queue),
            unfinished=self.ledger.open,
        )
        if self.spool is not None:
            snapshot["spool"] = self.spool.snapshot()
        return {"transport": totals, **snapshot}


def _after_fork_in_child() -> None:
    """The child gets its own queue, connections and thread; the parent's stay untouched."""
    for transport in list(_live):
        transport._start_process()
        if transport.mode == "thread" and transport._periodic.due_in() is not None:
            transport._ensure_worker()  # its session counts on the interval, as the parent's


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
