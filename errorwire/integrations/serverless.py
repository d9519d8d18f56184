"""What the serverless integrations (AWS Lambda, Google Cloud Functions) share: one
invocation of the function, run in a scope of its own, its escaping error reported
as unhandled, a timeout warning shortly before its deadline, and a flush before the
function returns or raises.

The platform freezes (or ends) the process as soon as the function returns: a report
still queued for errorwire's worker thread would wait there until the next
invocation thaws the process, or be lost with it. So every invocation that reported
something flushes before it hands its result back, for as long as its deadline
allows. One that reported nothing does not wait (the queue is empty).

The timeout warning is an alarm armed when the invocation starts and disarmed when it
ends, kept by one daemon thread for the process (not a thread per invocation): a
function that finishes in time never waits for it.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from types import FrameType, TracebackType
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Tuple

from errorwire.core.client import Client
from errorwire.core.config import ConfigError
from errorwire.core.context import RequestState, use_scope
from errorwire.core.safety import swallow
from errorwire.integrations import jobs

FLUSH_MARGIN = 0.1
"""Seconds kept back from the deadline when flushing: the platform needs the response."""


def warning_lead(value: Any, setting: str) -> Optional[float]:
    """Seconds before the deadline the timeout warning fires; None (or False, or 0): off."""
    if value is None or value is False or value == 0:
        return None
    if value is True:
        return DEFAULT_WARNING_LEAD
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{setting} must be a number of seconds (or None to turn it off)")
    return float(value)


DEFAULT_WARNING_LEAD = 1.5


def check_flush_timeout(value: Any) -> None:
    """``flush_timeout``: None (``shutdown_timeout``) or seconds, 0 or more."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError("flush_timeout must be a number of seconds, 0 or more (or None)")


class Invocation:
    """One call of the function. ``facts`` (a callable: read when a report is made)
    are the custom data under ``data_key``; ``deadline`` is ``time.monotonic()``
    based, None when the platform does not say."""

    __slots__ = ("_alarm", "_data_key", "_facts", "client", "deadline", "flush_timeout", "scope")

    def __init__(
        self,
        scope: RequestState,
        *,
        client: Client,
        data_key: str,
        facts: Callable[[], Mapping[str, Any]],
        deadline: Optional[float],
        flush_timeout: Optional[float],
    ) -> None:
        self.scope = scope
        self.client = client
        """Resolved when the invocation started: its reports and flush use it."""
        self.deadline = deadline
        self.flush_timeout = flush_timeout
        self._data_key = data_key
        self._facts = facts
        self._alarm: Optional[int] = None

    def warn_before_deadline(self, lead: Optional[float], message: str) -> None:
        """Arm the timeout warning ``lead`` seconds before the deadline (called on the
        thread that runs the function: the warning shows where that thread is)."""
        if lead is None or self.deadline is None:
            return
        with swallow("serverless timeout warning"):
            when = self.deadline - lead
            if when > time.monotonic():
                thread = threading.get_ident()
                self._alarm = ALARMS.arm(when, lambda: self._warn(message, thread))

    def _warn(self, message: str, thread: int) -> None:
        with swallow("serverless timeout warning"):
            client = self.client
            warning = TimeoutWarning(message).with_traceback(_stack_of(thread))
            with use_scope(self.scope):
                client.capture_exception(
                    warning,
                    handled=True,
                    level="warning",
                    extra={self._data_key: dict(self._facts())},
                    fingerprint=f"timeout:{self.scope.framework}:{self.scope.context}",
                    hint={"mechanism": "timeout_warning"},
                )
            self.flush()

    def failed(self, exc: BaseException) -> None:
        """Report ``exc``, escaping the function, as unhandled."""
        with swallow("serverless report"):
            jobs.report_failure(
                exc,
                client=self.client,
                scope=self.scope,
                data_key=self._data_key,
                data=self._facts(),
            )

    def finish(self) -> None:
        """Disarm the warning; deliver what this invocation reported before it returns."""
        if self._alarm is not None:
            ALARMS.disarm(self._alarm)
        self.flush()

    def flush(self) -> None:
        with swallow("serverless flush"):
            client = self.client
            timeout = (
                client.options.shutdown_timeout
                if self.flush_timeout is None
                else (self.flush_timeout)
            )
            if self.deadline is not None:
                timeout = min(timeout, self.deadline - FLUSH_MARGIN - time.monotonic())
            client.flush(max(timeout, 0.0))


class TimeoutWarning(Exception):
    """Raised nowhere: the report of a function about to time out, its stack the one the
    function's thread was running when the warning fired."""


def _stack_of(thread: int) -> Optional[TracebackType]:
    """A traceback of what ``thread`` is running now, outermost frame first."""
    frame: Optional[FrameType] = sys._current_frames().get(thread)
    stack: Optional[TracebackType] = None
    while frame is not None:
        stack = TracebackType(stack, frame, frame.f_lasti, frame.f_lineno)
        frame = frame.f_back
    return stack


def run(invocation: Optional[Invocation], call: Callable[[], Any]) -> Any:
    """``call()`` as ``invocation``: in its scope, what escapes reported, then flushed.
    Without an invocation (errorwire failed to start one) the call runs as it would."""
    if invocation is None:
        return call()
    with use_scope(invocation.scope):
        try:
            return call()
        except BaseException as exc:
            invocation.failed(exc)
            raise
        finally:
            invocation.finish()


async def run_async(invocation: Optional[Invocation], call: Callable[[], Awaitable[Any]]) -> Any:
    """``run`` for a coroutine function."""
    if invocation is None:
        return await call()
    with use_scope(invocation.scope):
        try:
            return await call()
        except BaseException as exc:
            invocation.failed(exc)
            raise
        finally:
            invocation.finish()


class Alarms:
    """Actions due at ``time.monotonic()`` moments, run by one daemon thread (started on
    first use, again in a forked child)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._pending: Dict[int, Tuple[float, Callable[[], None]]] = {}
        self._keys = itertools.count()
        self._pid: Optional[int] = None

    def arm(self, when: float, action: Callable[[], None]) -> int:
        with self._changed:
            key = next(self._keys)
            self._pending[key] = (when, action)
            if self._pid != os.getpid():
                self._pid = os.getpid()
                thread = threading.Thread(target=self._run, name="errorwire-alarms", daemon=True)
                thread.start()
            self._changed.notify()
        return key

    def disarm(self, key: int) -> None:
        """Never waits: the thread finds nothing due when it wakes."""
        with self._changed:
            self._pending.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._changed:
                due = self._take_due()
                if not due:
                    upcoming = min((when for when, _ in self._pending.values()), default=None)
                    wait = None if upcoming is None else max(upcoming - time.monotonic(), 0.0)
                    self._changed.wait(wait)
                    continue
            for action in due:
                with swallow("serverless alarm"):
                    action()

    def _take_due(self) -> List[Callable[[], None]]:
        now = time.monotonic()
        keys = [key for key, (when, _) in self._pending.items() if when <= now]
        return [self._pending.pop(key)[1] for key in keys]


ALARMS = Alarms()
