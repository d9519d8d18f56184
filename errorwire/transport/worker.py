"""The transport: a bounded queue served by one lazily started daemon thread per process.

The request thread only appends the event (a lock held for microseconds, never
waited on for I/O). The worker renders it (source context, scrub, encode, cap),
puts one delivery per vendor in that vendor's lane, and sends from whichever
lanes are due. ``sync=True``, or uWSGI without threads, sends in the caller.
"""

from __future__ import annotations

import _thread
import os
import threading
import time
import weakref
from collections import deque
from typing import Any, Callable, Deque, Dict, List, Optional

from errorwire.core.config import Options
from errorwire.core.event import Event
from errorwire.core.safety import let_request_threads_run, logger, swallow
from errorwire.transport.delivery import Deliverer, Delivery, Lane
from errorwire.transport.http import HttpClient
from errorwire.transport.runtime import sending_mode
from errorwire.transport.stats import QUEUE, QuietLog, TransportStats
from errorwire.vendors.base import Outgoing

LULL = 0.002
"""Seconds without a new error (reported or suppressed) that count as a lull."""
MAX_DEFER = 1.0
"""The longest the worker waits for a lull in one stretch of back-to-back errors."""

_live: weakref.WeakSet[Transport] = weakref.WeakSet()


class Transport:
    def __init__(
        self,
        options: Options,
        render: Callable[[Event], List[Outgoing]],
        count: Callable[[str], None],
    ) -> None:
        self.options = options
        self.render = render
        self.count = count
        self.mode = sending_mode(options.sync)
        self._closed = False
        self._start_process()
        _live.add(self)

    def _start_process(self) -> None:
        """Fresh process-local state: at creation and in a forked child."""
        self._pid = os.getpid()
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

    # -- request thread ------------------------------------------------------------

    def submit(self, event: Event) -> bool:
        """Queue ``event``; False when it was dropped (queue full, closed). Never blocks."""
        if self._pid != os.getpid():
            self._start_process()  # forked without os.register_at_fork (uWSGI forks in C)
        if self._closed:
            self._drop_event("closed")
            return False
        if self.mode != "thread":
            self._send_inline(event)
            return True
        ended = 0
        with self._lock:
            full = len(self._events) >= self.options.queue_size
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
        self.count(f"dropped_{reason}")

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
            with self._changed:
                while not self._stopping:
                    if self._events:
                        event = self._events.popleft()
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
        ready = [lane.ready_at for lane in self._lanes.values() if lane.backlog]
        return min(ready) - time.monotonic() if ready else None

    def _distribute(self, event: Event) -> None:
        items: List[Outgoing] = []
        with swallow("render report"):
            items = self.render(event)
        overflow: List[str] = []
        with self._lock:
            added = 0
            for item in items:
                lane = self._lane(item.vendor_name)
                if len(lane.backlog) >= self.options.queue_size:
                    overflow.append(item.vendor_name)
                    continue
                lane.backlog.append(Delivery(item))
                added += 1
            self._unfinished += added - 1
            self._changed.notify_all()
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
                if not lane.due(time.monotonic()):
                    continue
                # Out of the backlog while in flight, so close() never counts it twice.
                delivery = lane.backlog.popleft()
            let_request_threads_run()
            finished: Optional[bool] = None
            with swallow(f"deliver to {lane.vendor}"):
                finished = self._deliverer.attempt(lane, delivery)
            if finished is None:
                self._stats.drop(lane.vendor, "internal_error")
            with self._lock:
                if finished is False:
                    if not self._stopping:
                        lane.backlog.appendleft(delivery)
                        continue
                    self._stats.drop(lane.vendor, "shutdown")
                self._unfinished -= 1
                self._changed.notify_all()

    # -- in the calling thread (sync mode, uWSGI without threads) -------------------

    def _send_inline(self, event: Event) -> None:
        items: List[Outgoing] = []
        with swallow("render report"):
            items = self.render(event)
        for item in items:
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
            self._drop_leftovers()
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
            self.count("dropped_shutdown")
        for lane, waiting in lanes:
            if waiting:
                self._stats.drop(lane.vendor, "shutdown", waiting)
        total = events + sum(waiting for _, waiting in lanes) + in_flight
        if total:
            logger.warning("errorwire: shutting down with %d reports not delivered; dropped", total)

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
        return {"transport": totals, **snapshot}


def _after_fork_in_child() -> None:
    """The child gets its own queue, connections and thread; the parent's stay untouched."""
    for transport in list(_live):
        transport._start_process()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
