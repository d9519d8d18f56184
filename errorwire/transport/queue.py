"""The events request threads hand to the worker: bounded, never waited on for I/O."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Deque, List, Optional, Tuple

from errorwire.core.event import Event
from errorwire.core.outcomes import DropReason
from errorwire.core.safety import logger
from errorwire.transport.ledger import Ledger
from errorwire.transport.stats import QUEUE, TransportStats

LULL = 0.002
"""Seconds without a new error (reported or suppressed) that count as a lull."""
RUN = 16
"""At most this many queued events are rendered back to back before their reports are
sent (rendering and sending in runs, caches warm, rather than alternating per event:
about a tenth less CPU per report here); a lane then holds up to this many more."""
MAX_DEFER = 1.0
"""The longest the worker waits for a lull in one stretch of back-to-back errors."""


class EventQueue:
    def __init__(
        self,
        size: int,
        changed: threading.Condition,
        ledger: Ledger,
        stats: TransportStats,
        count: Callable[[str, int], None],
        spill: bool,
    ) -> None:
        self.size = size
        self.changed = changed
        """The lanes' condition: the worker waits on it for events and due lanes alike."""
        self.ledger = ledger
        self.stats = stats
        self.count = count
        self.events: Deque[Event] = deque()
        self.overflow: Deque[Event] = deque()
        """With a spool (``spill``): events past a full queue, rendered into the spool."""
        self.spill = spill
        self._full_burst = 0
        self._last_error = 0.0
        self._busy_since: Optional[float] = None
        self.max_defer = MAX_DEFER
        self.run_length = max(1, min(RUN, size // 4))
        self.taken = 0
        """Events the worker took since it last sent (only the worker touches it)."""

    def __len__(self) -> int:
        return len(self.events)

    def note_error(self) -> None:
        self._last_error = time.monotonic()

    def put(self, event: Event) -> bool:
        """Queue ``event``; False when the queue is full (counted, logged once per burst)."""
        ended = 0
        with self.changed:
            full = len(self.events) >= self.size
            if full and self.spill and len(self.overflow) < self.size:
                # No SQLite on the request thread: the worker renders it into the spool.
                self._last_error = time.monotonic()
                self.overflow.append(event)
                self.ledger.begin()
                self.changed.notify_all()  # the worker and the slow vendors' senders wait on it
                return True
            if full:
                self._full_burst += 1
                first_of_burst = self._full_burst == 1
            else:
                ended, self._full_burst = self._full_burst, 0
                self._last_error = time.monotonic()
                self.events.append(event)
                self.ledger.begin()
                self.changed.notify_all()  # the worker and the slow vendors' senders wait on it
        if full:
            self.drop(DropReason.QUEUE_FULL)
            if first_of_burst:
                logger.warning(
                    "errorwire: report queue full (%d waiting); new reports are dropped "
                    "until it drains",
                    self.size,
                )
            return False
        if ended:
            logger.info("errorwire: report queue drains again; %d reports were dropped", ended)
        return True

    def drop(self, reason: DropReason) -> None:
        self.stats.drop(reason, QUEUE)
        self.count(f"dropped_{reason.value}", 1)

    def take(self) -> Tuple[Optional[Event], Optional[Event]]:
        """Under the lock: the next queued event and the next overflowing one (or None)."""
        event = self.events.popleft() if self.events else None
        overflow = self.overflow.popleft() if self.overflow else None
        if event is not None:
            self.taken += 1
        return event, overflow

    def end_run(self) -> int:
        """The worker sends now: one attempt per lane for each event of the run (at least one)."""
        taken, self.taken = self.taken, 0
        return max(taken, 1)

    def drain(self) -> List[Event]:
        with self.changed:
            events = list(self.events) + list(self.overflow)
            self.events.clear()
            self.overflow.clear()
        return events

    def wait_for_a_lull(self, stopping: Callable[[], bool]) -> None:
        """Rendering and sending a report cost ~0.5 ms of CPU under the GIL: done while
        the app raises errors back to back, they slow the failing requests themselves.
        So the worker waits for a lull (LULL without a new error). An app that keeps
        failing for MAX_DEFER gets no more waiting until its next lull (the reports
        must go out), nor does a half-full queue."""
        half = self.size // 2
        while not stopping():
            now = time.monotonic()
            if now - self._last_error >= LULL:
                self._busy_since = None
                return
            if self._busy_since is None:
                self._busy_since = now
            if now - self._busy_since >= self.max_defer or len(self.events) >= half:
                return
            time.sleep(LULL)
