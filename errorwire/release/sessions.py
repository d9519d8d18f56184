"""Bugsnag sessions, counted as bugsnag-python counts them: one per web request and per
task, aggregated per minute (``sessionCounts``), sent to the sessions endpoint every
SEND_INTERVAL seconds by the transport's worker and at exit.

The request path pays one C call: ``start_session()`` is a bound ``itertools.count``
``__next__`` (no Python frame, no object, no id). The worker reads the counter and
books the sessions since its last read on the minute that interval lay in. Only an
event needs a session of its own: ``SessionTracker.attach`` makes its id then, on the
error path, and keeps its handled/unhandled counts for the rest of the request.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
import uuid
import weakref
from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Tuple

import urllib3

from errorwire.core import context
from errorwire.core.config import Bugsnag, Options
from errorwire.core.event import Event, Server
from errorwire.core.outcomes import DropReason
from errorwire.core.safety import log_once
from errorwire.transport.http import HttpClient
from errorwire.vendors.base import NOTIFIER_NAME, NOTIFIER_URL, NOTIFIER_VERSION, to_json
from errorwire.vendors.fields import iso_utc

SEND_INTERVAL = 30.0
"""Seconds between two deliveries of session counts (bugsnag-python's timer)."""
SESSIONS_ENDPOINT = "https://sessions.bugsnag.com/"
SECONDARY_SESSIONS_ENDPOINT = "https://sessions.bugsnag.smartbear.com/"
SECONDARY_PREFIX = "00000"
PAYLOAD_VERSION = "1.0"
"""The sessions API's payload version (bugsnag-ruby SESSION_PAYLOAD_VERSION; RELEASES.md)."""
MAX_ATTEMPTS = 3
"""Deliveries a count may be part of when the endpoint cannot be reached or answers 5xx;
then it is dropped and counted. A refusal (4xx) drops it at once."""
RETRIED_STATUSES = (408, 429)

_started: List[None] = []
"""One ``None`` per session started since the last read: ``list.append`` is the cheapest C
call found (about 130 CPU instructions under CPython 3.11, against about 400 for an
``itertools.count`` whose ints past 256 are allocated). The worker takes and deletes
what it counted every SEND_INTERVAL, so the list stays small."""
_nothing: Dict[None, None] = {}


def _counting(active: bool) -> None:
    """Point ``start_session`` at the list while a tracker reads it; else at a call that
    keeps nothing (no tracker would ever empty the list)."""
    global start_session
    start_session = _started.append if active else _nothing.get
    if not active:
        _started.clear()


start_session: Callable[[None], Optional[None]] = _nothing.get
"""Called by the integrations once per request and per task, as
``sessions.start_session(None)``: the whole per-request cost, one C call."""
_booking = threading.Lock()


def _take_started() -> int:
    """Sessions started since the last call. Under the GIL, what is appended between the
    ``len`` and the ``del`` stays for the next call."""
    with _booking:
        started = len(_started)
        del _started[:started]
    return started


_current: contextvars.ContextVar[Tuple[object, Dict[str, Any]]] = contextvars.ContextVar(
    "errorwire_bugsnag_session"
)
"""The scope of the request an event was last reported in, and that request's session."""


def minute_of(timestamp: float) -> str:
    """``2026-05-01T12:34:00``: UTC, rounded down to the minute, no zone (bugsnag-python)."""
    return time.strftime("%Y-%m-%dT%H:%M:00", time.gmtime(timestamp))


def sessions_url(settings: Bugsnag) -> Optional[str]:
    """Where counts go; None when a custom notify endpoint has no sessions endpoint:
    bugsnag-python's rule, so counts never leave for Bugsnag from an app whose events
    go elsewhere."""
    if settings.sessions_endpoint:
        return settings.sessions_endpoint
    if settings.endpoint:
        return None
    if settings.api_key.startswith(SECONDARY_PREFIX):
        return SECONDARY_SESSIONS_ENDPOINT
    return SESSIONS_ENDPOINT


class SessionTracker:
    """Per process: books what ``start_session`` counted and sends it; gives events
    their session."""

    def __init__(self, settings: Bugsnag, url: str, options: Options, server: Server) -> None:
        self.settings = settings
        self.url = url
        app = {"releaseStage": options.environment, "version": server.code_version}
        self._app = {name: value for name, value in app.items() if value}
        self._device: Dict[str, Any] = {"hostname": server.host} if server.host else {}
        if server.python_version:
            self._device["runtimeVersions"] = {"python": server.python_version}
        self._lock = threading.Lock()
        self._http = HttpClient(options.connect_timeout, options.read_timeout)
        self._start_counting()
        _live.add(self)
        _counting(True)

    def _start_counting(self) -> None:
        """At creation and in a forked child (whose parent sends its own counts)."""
        _take_started()  # before init(): no session counting was asked for
        self._read_at = time.time()
        self._pending: Counter[str] = Counter()
        self._attempts: Dict[str, int] = {}
        self.sent = 0
        self.deliveries = 0
        self.dropped: Counter[str] = Counter()

    # -- the request thread, when an event is reported -------------------------------

    def attach(self, event: Event) -> None:
        """Give ``event`` its request's (or task's) session, counting the event in it."""
        if not context.scope_is_set() and context.in_request() is None:
            return  # outside any request or task: no session, as in bugsnag-python
        scope = context.current_scope()
        held = _current.get(None)
        if held is None or held[0] is not scope:
            session: Dict[str, Any] = {
                "id": uuid.uuid4().hex,
                "startedAt": minute_of(time.time()) + "Z",  # the notify API wants a date-time
                "events": {"handled": 0, "unhandled": 0},
            }
            _current.set((scope, session))
        else:
            session = held[1]
        counts = session["events"]
        counts["handled" if event.handled else "unhandled"] += 1
        event.session = {**session, "events": dict(counts)}

    # -- the worker (every SEND_INTERVAL), flush and close -------------------------------

    def collect(self) -> None:
        """Book the sessions started since the last read on the minute they fell in."""
        now = time.time()
        with self._lock:
            started = _take_started()
            elapsed = min(max(now - self._read_at, 0.0), 60.0)
            self._read_at = now
            if started > 0:
                self._pending[minute_of(now - elapsed / 2)] += started

    def send(self) -> None:
        """Send what is booked: one POST, its answer read; never raises."""
        self.collect()
        with self._lock:
            counts, self._pending = self._pending, Counter()
        if not counts:
            return
        payload = {
            "notifier": {"name": NOTIFIER_NAME, "version": NOTIFIER_VERSION, "url": NOTIFIER_URL},
            "device": self._device,
            "app": self._app,
            "sessionCounts": [
                {"startedAt": minute, "sessionsStarted": count}
                for minute, count in sorted(counts.items())
            ],
        }
        headers = {
            "Content-Type": "application/json",
            "Bugsnag-Api-Key": self.settings.api_key,
            "Bugsnag-Payload-Version": PAYLOAD_VERSION,
            "Bugsnag-Sent-At": iso_utc(time.time(), millis=True) or "",
        }
        problem = ""
        try:
            status: Optional[int] = self._http.post(self.url, to_json(payload), headers).status
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            status, problem = None, f"not reachable ({exc.__class__.__name__})"
        if status is not None and 200 <= status < 300:
            with self._lock:
                self.sent += sum(counts.values())
                self.deliveries += 1
                for minute in counts:
                    self._attempts.pop(minute, None)
            return
        if status is not None and 400 <= status < 500 and status not in RETRIED_STATUSES:
            self._drop(DropReason.REFUSED, counts, f"HTTP {status}", status)
            return
        if status is not None:
            problem = f"answered HTTP {status}"
        self._keep_for_later(counts, problem)

    def _keep_for_later(self, counts: Counter[str], problem: str) -> None:
        given_up: Counter[str] = Counter()
        with self._lock:
            for minute, count in counts.items():
                tries = self._attempts.get(minute, 0) + 1
                if tries >= MAX_ATTEMPTS:
                    self._attempts.pop(minute, None)
                    given_up[minute] = count
                else:
                    self._attempts[minute] = tries
                    self._pending[minute] += count
        if given_up:
            self._drop(DropReason.UNREACHABLE, given_up, f"{problem} {MAX_ATTEMPTS} times")

    def _drop(
        self, reason: DropReason, counts: Counter[str], detail: str, status: Optional[int] = None
    ) -> None:
        """Drop ``counts`` under ``reason`` (with the endpoint's HTTP ``status`` when it
        refused them: ``refused_401``); log the reason's sentence and ``detail`` once."""
        key = reason.key(status)
        with self._lock:
            self.dropped[key] += sum(counts.values())
            for minute in counts:
                self._attempts.pop(minute, None)
        log_once(
            f"bugsnag-sessions-{key}",
            "errorwire: session counts for Bugsnag's sessions endpoint %s are dropped: %s (%s); "
            "counted in stats()['bugsnag_sessions']",
            self.url,
            reason.sentence,
            detail,
        )

    def stats(self) -> Dict[str, Any]:
        self.collect()
        with self._lock:
            return {
                "sent": self.sent,
                "deliveries": self.deliveries,
                "waiting": sum(self._pending.values()),
                "dropped": dict(self.dropped),
            }

    def hurry(self, seconds: float) -> None:
        """At exit: the last delivery waits at most ``seconds`` (shutdown_timeout), not the
        usual connect and read timeouts."""
        short = max(seconds, 0.1)
        self._http.timeout = urllib3.Timeout(connect=short, read=short)

    def close(self) -> None:
        _live.discard(self)
        if not _live:
            _counting(False)
        self._http.close()


_live: weakref.WeakSet[SessionTracker] = weakref.WeakSet()


def tracker_for(options: Options, server: Server) -> Optional[SessionTracker]:
    """The process's tracker when Bugsnag is configured to count sessions, else None."""
    settings = options.bugsnag
    if settings is None or not settings.track_sessions:
        return None
    stages = settings.notify_release_stages
    if stages is not None and options.environment not in stages:
        return None
    url = sessions_url(settings)
    if url is None:
        log_once(
            "bugsnag-sessions-no-endpoint",
            "errorwire: Bugsnag has a custom endpoint and no sessions_endpoint: sessions are "
            "not counted (set errorwire.Bugsnag(sessions_endpoint=...) or "
            "BUGSNAG_SESSIONS_ENDPOINT)",
        )
        return None
    return SessionTracker(settings, url, options, server)


def _after_fork_in_child() -> None:
    global _booking
    _booking = threading.Lock()
    _take_started()  # the parent's sessions are the parent's to send
    for tracker in list(_live):
        tracker._start_counting()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
