"""The capture pipeline's request-thread half.

``capture_exception``: ignore -> dedupe -> storm shortcut -> build the Event from
the exception and the current scope -> sample -> before_send -> storm -> enqueue.
The worker's half (source context, scrub, encode, cap) is core/render.py; the
transport calls it, never the client. Guarded: errorwire never raises into the app.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import sys
import threading
from typing import Any, Dict, Mapping, Optional, Tuple

from errorwire.core import ignore as ignore_rules
from errorwire.core.breadcrumbs import pending_log, settle_pending
from errorwire.core.config import Options
from errorwire.core.context import current_scope
from errorwire.core.counters import Counters
from errorwire.core.event import Event, Person
from errorwire.core.frame_variables import LocalsTaker
from errorwire.core.grouping import grouping_key
from errorwire.core.hooks import run_event_hook
from errorwire.core.identity import quick_identity
from errorwire.core.outcomes import DropReason
from errorwire.core.render import Renderer, complete, request_context
from errorwire.core.request_copy import RequestCopy
from errorwire.core.safety import (
    log_once,
    swallow,
    swallowed_error,
)
from errorwire.core.scoping import About, describe
from errorwire.core.server import server_info
from errorwire.core.stacktrace import extract_chain
from errorwire.core.storm import StormControl
from errorwire.core.trace_ids import API_MODULE as TRACE_API
from errorwire.core.trace_ids import current_trace
from errorwire.release.sessions import SEND_INTERVAL, tracker_for

MAX_REMEMBERED_GROUPS = 4096
"""Exception identities whose grouping key is remembered for the storm shortcut."""

REPORTED_MARK = "__errorwire_reported__"
"""Set on an exception object once reported, so every hook sees it only once."""


def already_reported(exc: BaseException) -> bool:
    try:
        return bool(getattr(exc, REPORTED_MARK, False))
    except Exception:  # a __getattr__ raising something else than AttributeError
        return False


def mark_reported(exc: BaseException) -> bool:
    """Mark ``exc``; False when it was already marked (or cannot be marked and is known)."""
    if already_reported(exc):
        return False
    try:  # noqa: SIM105 - the storm's hot path: try/except is free, suppress() is not
        setattr(exc, REPORTED_MARK, True)
    except Exception:  # no __dict__, or a __setattr__ that raises: report it, undeduped
        pass
    return True


def unmark_reported(exc: BaseException) -> None:
    """Undo ``mark_reported``: ``exc`` was not sent after all, a later report may be."""
    try:  # noqa: SIM105 - as in mark_reported
        setattr(exc, REPORTED_MARK, False)
    except Exception:
        pass


STORM = DropReason.STORM
"""Bound once: looking a member up on its enum class costs ~0.2 µs, per suppressed error."""


class _Capturing(threading.local):
    """Whether this thread is inside a capture. Per thread is per task too: a capture
    never awaits, so no other task runs on the thread until it returns."""

    active = False


class Client:
    def __init__(self, options: Options) -> None:
        from errorwire.transport import Transport  # the transport imports vendors/base

        self.options = options
        self.closed = False
        """Set by ``close()``: an integration holding this client takes the configured one."""
        self.server = server_info(options.project_root, options.code_version)
        self.project_root = self.server.root
        self.counters = Counters()
        self.count = self.counters.count
        self.drop = self.counters.drop
        self._ignored = ignore_rules.IgnoreRules(options.ignore, options.default_ignores)
        self.renderer = Renderer(options, self.counters)
        self.transport = Transport(options, self.renderer.render, self.counters.count)
        self.sessions = tracker_for(options, self.server, self.transport.start_worker)
        if self.sessions is not None:
            self.transport.every(SEND_INTERVAL, self.sessions.send)
        self.storm = StormControl(options.storm_limit, self._send_storm_summary)
        self._grouping_keys: Dict[Tuple[object, ...], str] = {}
        self._storm_hits = itertools.count()
        self._storm_reads = 0
        self._storm_lock = threading.Lock()
        self._capturing = _Capturing()
        if not options.vendors:
            log_once(
                "no-vendor",
                "errorwire: no vendor configured (rollbar, raygun or bugsnag); "
                "reports are dropped and counted",
            )

    # -- counters ------------------------------------------------------------------

    def stats(self) -> Dict[str, Any]:
        own = self.counters.snapshot()
        with self._storm_lock:
            # Each read takes a number too: the hits are what lies below it, minus reads.
            storm = next(self._storm_hits) - self._storm_reads
            self._storm_reads += 1
        if storm:
            own[DropReason.STORM.value] = own.get(DropReason.STORM.value, 0) + storm
        found = {"client": own, **self.transport.stats()}
        if self.sessions is not None:
            found["bugsnag_sessions"] = self.sessions.stats()
        return found

    # -- request thread ------------------------------------------------------------

    def capture_exception(
        self,
        exc: Optional[BaseException] = None,
        *,
        handled: bool = True,
        level: Optional[str] = None,
        extra: Optional[Mapping[str, Any]] = None,
        fingerprint: Optional[str] = None,
        severity_reason: Optional[str] = None,
        logger_name: Optional[str] = None,
        hint: Optional[Mapping[str, Any]] = None,
        about: Optional[About] = None,
    ) -> Optional[str]:
        """Report ``exc`` (default: the one being handled). The event id, or None if not sent.

        ``fingerprint`` overrides the computed grouping key for every vendor;
        ``hint`` adds entries to what ``before_send`` receives as its hint; ``about``
        the tags, context and metadata of this one report.

        Steps: ignore -> dedupe -> storm shortcut -> event -> ``_finish``. The first
        three are written out here, not in methods: an error storm ends at the third,
        and each method call would cost every suppressed error a Python frame.
        """
        if exc is None:
            exc = sys.exc_info()[1]
            if exc is None:
                return None
        capturing = self._capturing
        if capturing.active:
            self.drop(DropReason.NESTED)
            return None
        capturing.active = True
        try:  # not ``with swallow()``: an error storm passes here (see swallowed_error)
            ignored = self._ignored
            try:
                always_reported = exc.__class__ in ignored.always_reported
            except Exception:  # a metaclass whose __hash__ raises
                always_reported = False
            if not always_reported and ignored.matches(exc):
                self.drop(DropReason.IGNORED)
                return None
            if not mark_reported(exc):
                self.count(DropReason.DUPLICATE.value)
                return None
            identity = None
            if self.options.before_send is None:  # a hook may regroup: then no shortcut
                identity = quick_identity(exc, self.project_root)
                try:
                    known = fingerprint or (
                        self._grouping_keys.get(identity) if identity is not None else None
                    )
                except Exception:  # a metaclass whose __hash__ raises: no shortcut
                    identity = known = None
                if known is not None and self.storm.suppress_known(known):
                    self._drop_storm()
                    return None
            event = self._exception_event(exc, identity, handled, level, extra, fingerprint)
            describe(event, about, severity_reason, level, logger_name)
            exc_info = (type(exc), exc, exc.__traceback__)
            return self._finish(event, {**(hint or {}), "exc_info": exc_info})
        except Exception as error:
            swallowed_error("capture_exception", error)
        finally:
            capturing.active = False
        return None

    def _exception_event(
        self,
        exc: BaseException,
        identity: Optional[Tuple[object, ...]],
        handled: bool,
        level: Optional[str],
        extra: Optional[Mapping[str, Any]],
        fingerprint: Optional[str],
    ) -> Event:
        """The Event of ``exc`` in the current scope; its grouping key computed once per
        exception identity (the same identity has the same key)."""
        event = self._new_event(level or "error", extra, fingerprint)
        event.handled = handled
        event.severity_reason = "handledException" if handled else "unhandledException"
        take_locals = LocalsTaker() if self.options.include_locals else None
        event.exceptions = extract_chain(exc, self.project_root, lazy=True, take_locals=take_locals)
        known_key = self._grouping_keys.get(identity) if identity is not None else None
        event.grouping_key = known_key or grouping_key(event.exceptions)
        if identity is not None and known_key is None:
            self._remember_grouping_key(identity, event.grouping_key)
        return event

    def capture_message(
        self,
        message: str,
        *,
        level: str = "info",
        extra: Optional[Mapping[str, Any]] = None,
        fingerprint: Optional[str] = None,
        logger_name: Optional[str] = None,
        hint: Optional[Mapping[str, Any]] = None,
        group_by: Optional[str] = None,
        about: Optional[About] = None,
    ) -> Optional[str]:
        """Report ``message``. It is grouped by its text, or by ``group_by`` when given
        (a log record's unformatted template: one group for every order id)."""
        capturing = self._capturing
        if capturing.active:
            self.drop(DropReason.NESTED)
            return None
        capturing.active = True
        try:
            return self._message(
                message, level, extra, fingerprint, logger_name, hint, group_by, about
            )
        finally:
            capturing.active = False

    def _message(
        self,
        message: str,
        level: str,
        extra: Optional[Mapping[str, Any]],
        fingerprint: Optional[str],
        logger_name: Optional[str],
        hint: Optional[Mapping[str, Any]],
        group_by: Optional[str],
        about: Optional[About] = None,
    ) -> Optional[str]:
        with swallow("capture_message"):
            event = self._new_event(level, extra, fingerprint)
            event.message = str(message)
            event.severity_reason = "log"
            event.logger_name = logger_name
            key_text = group_by or event.message
            event.grouping_key = grouping_key([]) if not key_text else _message_key(key_text)
            if about is not None:
                about.apply(event)
            return self._finish(event, {**(hint or {}), "message": message})
        return None

    def _new_event(
        self, level: str, extra: Optional[Mapping[str, Any]], fingerprint: Optional[str]
    ) -> Event:
        options = self.options
        scope = current_scope()
        event = Event(
            level=level if level in ("critical", "error", "warning", "info", "debug") else "error",
            environment=options.environment or "production",
            code_version=options.code_version or self.server.code_version,
            server=self.server,
            framework=scope.framework,
            fingerprint=fingerprint,
            tags=scope.tag_list(options.tags),
        )
        event.extra = scope.merged_extra(options.extra, extra)
        if scope.sections:
            event.metadata = scope.merged_metadata(None)
        if TRACE_API in sys.modules:  # the app uses OpenTelemetry
            event.trace = current_trace()
        if scope.request_builder is not None:
            with swallow("read request"):
                built = scope.request_builder()
                if isinstance(built, RequestCopy):
                    event.request_copy = built
                else:
                    event.request = built
        event.person = scope.person or self._load_person(scope.person_loader)
        if pending_log.crumb is not None:
            settle_pending()  # the newest log breadcrumb's extra= fields
        event.breadcrumbs = scope.last_breadcrumbs(options.max_breadcrumbs)
        event.response_status = scope.response_status
        event.context = scope.context
        if event.context is None and event.request_copy is None:
            event.context = request_context(event)
        return event

    @staticmethod
    def _load_person(loader: Any) -> Optional[Person]:
        if loader is None:
            return None
        with swallow("read person"):
            person: Optional[Person] = loader()
            return person
        return None

    def _finish(self, event: Event, hint: Dict[str, Any]) -> Optional[str]:
        options = self.options
        if options.enabled_environments is not None and (
            event.environment not in options.enabled_environments
        ):
            self.drop(DropReason.ENVIRONMENT)
            return None
        if options.sample_rate < 1.0 and random.random() >= options.sample_rate:
            self.drop(DropReason.SAMPLED)
            return None
        if options.before_send is not None:
            complete(event)  # the hook sees the whole event
            filtered = run_event_hook(options.before_send, event, hint, self.count)
            if filtered is None:
                self.drop(DropReason.BEFORE_SEND)
                exc_info = hint.get("exc_info")
                if exc_info is not None:  # not sent: a later report of it may be
                    unmark_reported(exc_info[1])
                return None
            event = filtered
        if not self.storm.admit(event):
            self._drop_storm()
            return None
        if self.sessions is not None:
            self.sessions.attach(event)
        if not self.transport.submit(event):
            return None
        return event.event_id

    def _drop_storm(self) -> None:
        self.transport.note_error()  # a storm is no lull for the worker
        if self.counters.logged(STORM):  # the storm's hot path: no lock
            next(self._storm_hits)
            return
        self.drop(
            DropReason.STORM,
            f"storm_limit={self.options.storm_limit}; one summary per key and minute "
            "carries the count",
        )

    def _remember_grouping_key(self, identity: Tuple[object, ...], key: str) -> None:
        """Which grouping key an exception identity has: a storm of it can be counted
        without building its event (``StormControl.suppress_known``), and the next
        report of it need not compute the key again."""
        if len(self._grouping_keys) >= MAX_REMEMBERED_GROUPS:
            self._grouping_keys.clear()
        self._grouping_keys[identity] = key

    def _send_storm_summary(self, event: Event) -> None:
        """One event standing for a window's suppressed reports of its key (core/storm.py)."""
        self.count("storm_summaries")
        with swallow("storm summary"):
            self.transport.submit(event)

    # -- lifecycle -----------------------------------------------------------------

    def flush(self, timeout: float) -> bool:
        with swallow("storm flush"):
            self.storm.flush()
        delivered = self.transport.flush(timeout)
        if self.sessions is not None:
            with swallow("send session counts"):
                self.sessions.send()
        return delivered

    def close(self, timeout: Optional[float] = None) -> None:
        self.closed = True
        with swallow("storm close"):
            self.storm.close()
        wait = self.options.shutdown_timeout if timeout is None else timeout
        if self.sessions is not None:
            self.sessions.hurry(wait)
        self.transport.close(wait)
        if self.sessions is not None:  # its last counts went out in the transport's close
            self.sessions.close()


def _message_key(message: str) -> str:
    return hashlib.sha1(message.encode("utf-8", "replace"), usedforsecurity=False).hexdigest()
