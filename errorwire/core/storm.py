"""Storm control: one grouping key reported more than ``storm_limit`` times a minute.

Each grouping key (``Event.group``: the user's fingerprint, else the computed
key) gets a fixed one-minute window starting at its first report. The first
``limit`` reports of a window are sent as usual; the rest are suppressed and
counted (``storm_suppressed``), and one suppressed event is kept.

When the window ends, that latest event is sent once as the window's summary:
the same error, same grouping key (so every vendor files it under the same
item), with ``extra["errorwire_storm"] = {"suppressed": n, "window_seconds":
60, "limit": limit}`` (n counts the summary itself: every event of the window
past the limit) and the tag ``errorwire:storm-summary``. So a key sends at most
``limit + 1`` reports per window. Windows are fixed, not sliding (one
timestamp and two counters per key, no per-report history): across a window
boundary up to twice the limit can go out within sixty seconds.

Once a window holds a summary event, later reports of its key are only counted
(``suppress_known``): the client recognises them by a cheap exception identity
and builds no event, so an error storm costs the request thread almost nothing.
The summary then shows the first suppressed report, carrying the full count.

The summary is due at the window's end and is sent by whichever comes first:
the next capture (any key), a timer started when a window first suppresses,
or ``flush()`` / ``close()`` (which send pending summaries early so nothing is
lost at exit).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from errorwire.core.event import Event

WINDOW_SECONDS = 60.0
MAX_KEYS = 10_000
"""Keys tracked at once; past this, expired windows are purged, then new keys pass untracked."""
SUMMARY_TAG = "errorwire:storm-summary"


@dataclass
class _Window:
    started: float
    sent: int = 0
    suppressed: int = 0
    """Suppressed by ``admit`` (under the lock) since the last summary."""
    latest: Optional[Event] = None
    known_hits: itertools.count[int] = field(default_factory=itertools.count)
    """Suppressed by ``suppress_known`` without the lock: each takes the next number.
    A summary takes one too: the hits since the previous summary lie in between."""
    known_mark: int = -1
    final_mark: Optional[int] = None
    """Set when the window closes: hits numbered above it were in no summary."""

    def take_known(self) -> int:
        """Hits by ``suppress_known`` since the last call (under the lock)."""
        mark = next(self.known_hits)
        taken, self.known_mark = mark - self.known_mark - 1, mark
        return taken


class StormControl:
    """``admit(event)`` says whether to send; summaries go to ``send_summary``."""

    def __init__(
        self,
        limit: int,
        send_summary: Callable[[Event], None],
        *,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        use_timer: bool = True,
    ) -> None:
        self.limit = limit
        self.window = window
        self._send_summary = send_summary
        self._clock = clock
        self._use_timer = use_timer
        self._lock = threading.Lock()
        self._windows: Dict[str, _Window] = {}
        self._next_due: Optional[float] = None
        """Earliest end of a window with suppressed events: a cheap check per capture."""
        self._timer: Optional[threading.Timer] = None
        self._pid = os.getpid()
        self._closed = False

    def admit(self, event: Event) -> bool:
        """True: send ``event``. False: it was suppressed and counted in its window."""
        key = event.group
        if key is None:
            return True
        now = self._clock()
        due: List[Event] = []
        start_timer = False
        with self._lock:
            self._check_fork()
            if self._next_due is not None and now >= self._next_due:
                due = self._collect(now)
            window = self._windows.get(key)
            if window is not None and now - window.started >= self.window:
                due.extend(self._close_window(key, window))
                window = None
            if window is None:
                self._open_window(key, now)
                admitted = True
            elif window.sent < self.limit:
                window.sent += 1
                admitted = True
            else:
                start_timer = self._suppress(window, event)
                admitted = False
        self._emit(due)
        if start_timer:
            self._schedule()
        return admitted

    def _open_window(self, key: str, now: float) -> None:
        """A window for ``key`` from ``now`` (under the lock), unless too many distinct keys
        are tracked even after a purge: then its events go untracked, never dropped blindly."""
        if len(self._windows) >= MAX_KEYS:
            self._purge(now)
        if len(self._windows) < MAX_KEYS:
            self._windows[key] = _Window(started=now, sent=1)

    def _suppress(self, window: _Window, event: Event) -> bool:
        """Count ``event`` in its full window (under the lock); True when that window now
        ends first, so the summary timer must be set for it."""
        window.suppressed += 1
        window.latest = event
        ends = window.started + self.window
        if self._next_due is None or ends < self._next_due:
            self._next_due = ends
            return True
        return False

    def suppress_known(self, key: str) -> bool:
        """Count one more report of ``key`` as suppressed, without its event, when the
        key's window is already past the limit and holds a summary event; else False
        (the caller then builds the event and asks ``admit``).

        Lock-free: a storm is many threads reporting the same key, and a lock here
        made them queue behind whichever thread the GIL paused inside it."""
        window = self._windows.get(key)
        if (
            window is None
            or window.latest is None
            or window.sent < self.limit
            or self._clock() - window.started >= self.window
        ):
            return False
        number = next(window.known_hits)
        final = window.final_mark
        # A window closed meanwhile did not count this one: then report it the long way.
        return final is None or number <= final

    def flush(self) -> None:
        """Send every pending summary now (windows keep counting)."""
        with self._lock:
            due = [s for s in (self._take_summary(w) for w in self._windows.values()) if s]
            self._next_due = None
        self._emit(due)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        self.flush()

    # -- under the lock ------------------------------------------------------------

    def _check_fork(self) -> None:
        # A forked child inherits the parent's windows but not its timer thread.
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            self._windows.clear()
            self._next_due = None
            self._timer = None

    def _collect(self, now: float) -> List[Event]:
        due: List[Event] = []
        self._next_due = None
        for key, window in list(self._windows.items()):
            if now - window.started >= self.window:
                due.extend(self._close_window(key, window))
            elif window.suppressed:
                ends = window.started + self.window
                if self._next_due is None or ends < self._next_due:
                    self._next_due = ends
        return due

    def _close_window(self, key: str, window: _Window) -> List[Event]:
        del self._windows[key]
        summary = self._take_summary(window)
        window.final_mark = window.known_mark
        return [summary] if summary is not None else []

    def _take_summary(self, window: _Window) -> Optional[Event]:
        known = window.take_known()
        event, window.latest = window.latest, None
        if event is None:
            window.suppressed += known  # (raced with the previous summary) the next one
            return None
        suppressed, window.suppressed = window.suppressed + known, 0
        event.extra = {
            **event.extra,
            "errorwire_storm": {
                "suppressed": suppressed,
                "window_seconds": self.window,
                "limit": self.limit,
            },
        }
        event.tags = [*event.tags, SUMMARY_TAG]
        return event

    def _purge(self, now: float) -> None:
        for key, window in list(self._windows.items()):
            if now - window.started >= self.window and not window.suppressed:
                del self._windows[key]

    # -- outside the lock ----------------------------------------------------------

    def _emit(self, summaries: List[Event]) -> None:
        for event in summaries:
            self._send_summary(event)

    def _schedule(self) -> None:
        if not self._use_timer:
            return
        with self._lock:
            if self._closed or self._next_due is None:
                return
            if self._timer is not None and self._timer.is_alive():
                self._timer.cancel()
            delay = max(0.0, self._next_due - self._clock()) + 0.01
            timer = threading.Timer(delay, self._on_timer)
            timer.daemon = True
            self._timer = timer
        timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            if self._closed:
                return
            due = self._collect(self._clock())
            again = self._next_due is not None
        self._emit(due)
        if again:
            self._schedule()
