"""Breadcrumbs: what happened before an error, per request, in a bounded ring.

Two sources fill the current scope's ring (``core/context.py``):
``errorwire.add_breadcrumb`` and, automatically, log records at INFO and above.

Log records are collected where ``logging`` creates them: ``errorwire.init``
wraps the log record factory (``logging.setLogRecordFactory``, the documented
hook for this; the previous factory still makes the record). Not a handler on
the root logger: that would turn the app's later ``logging.basicConfig()`` into
a no-op (it does nothing once the root has a handler), a ``dictConfig`` of the
root would remove it, and loggers with ``propagate = False`` would never reach
it. A record exists only when its logger is enabled for its level, so this
follows the app's logging configuration (Python's default root level is
WARNING: INFO records appear once the app enables INFO).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from errorwire.core import context
from errorwire.core.event import LEVELS, Breadcrumb
from errorwire.core.safety import swallow

BREADCRUMB_TYPES = ("manual", "navigation", "request", "log", "state", "user", "process", "error")
"""The types every vendor understands (Bugsnag's enum; the others map from it)."""

MAX_MESSAGE_CHARS = 1024
"""A ring holds up to 100 crumbs per request: keep each one small."""

_OWN_LOGGER = "errorwire"


def make_breadcrumb(
    message: object,
    category: Optional[str],
    data: Optional[Mapping[str, Any]],
    *,
    level: str,
    type: str,
) -> Breadcrumb:
    """A breadcrumb with its fields made valid: unknown type -> manual, unknown level -> info.
    No defaults: ``errorwire.add_breadcrumb`` has the public ones, and each caller gives all."""
    text = str(message)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1] + "\u2026"
    return Breadcrumb(
        message=text,
        category=None if category is None else str(category),
        level=level if level in LEVELS else "info",
        type=type if type in BREADCRUMB_TYPES else "manual",
        data=dict(data or {}),
    )


def level_name(levelno: int) -> str:
    """The neutral level of a logging level number (between two, the lower one)."""
    if levelno >= logging.CRITICAL:
        return "critical"
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warning"
    if levelno >= logging.INFO:
        return "info"
    return "debug"


def is_own_record(record: logging.LogRecord) -> bool:
    """errorwire's own log records are never reported nor kept as breadcrumbs."""
    name = record.name
    return name == _OWN_LOGGER or name.startswith(_OWN_LOGGER + ".")


def from_record(record: logging.LogRecord) -> Breadcrumb:
    # On every log call of the app: build the Breadcrumb directly (fields known valid).
    try:
        message = record.getMessage()
    except Exception:  # a bad format string is the app's bug, not a crash here
        message = str(record.msg)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "\u2026"
    levelno = record.levelno
    return Breadcrumb(
        message=message,
        category=record.name,
        level=level_name(levelno),
        type="error" if levelno >= logging.ERROR else "log",
        data={"location": f"{record.module}:{record.lineno}"},
        timestamp=record.created,
    )


RECORD_ATTRIBUTE = "errorwire_breadcrumb"
"""Set on a record made into a breadcrumb, so LoggingHandler can leave it out of
the report made from that same record (it is the report, not what came before)."""

BREADCRUMB_LEVEL = logging.INFO

_enabled = False
_previous_factory: Optional[Callable[..., logging.LogRecord]] = None


NOT_EXTRA = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    RECORD_ATTRIBUTE,
    "fingerprint",
    "grouping_key",
}
"""A record's own attributes (and the grouping keys the handler reads): not ``extra=``."""


def record_extra(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """What ``logger.info(..., extra={...})`` set on a record (its ``__dict__``)."""
    return {
        key: value
        for key, value in fields.items()
        if key not in NOT_EXTRA and isinstance(key, str) and not key.startswith("_")
    }


class _Pending(threading.local):
    crumb: Optional[Tuple[Breadcrumb, Dict[str, Any]]] = None


pending_log = _Pending()
"""The thread's newest log breadcrumb and its record's fields: ``logging`` sets a record's
``extra=`` only after the factory made it, so they are copied into the breadcrumb's data
later: at the thread's next log record, or when a report is built (``settle_pending``).
One record per thread is referenced at most."""


def settle_pending() -> None:
    """Copy the ``extra=`` fields of the thread's newest log record into its breadcrumb."""
    pending = pending_log.crumb
    if pending is not None:
        pending_log.crumb = None
        extra = record_extra(pending[1])
        if extra:
            pending[0].data.update(extra)


def _record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    factory = _previous_factory or logging.LogRecord
    record = factory(*args, **kwargs)
    if _enabled and record.levelno >= BREADCRUMB_LEVEL and not is_own_record(record):
        try:
            if pending_log.crumb is not None:
                settle_pending()
            crumb = from_record(record)
            context.add_breadcrumb(crumb)
            record.__dict__[RECORD_ATTRIBUTE] = crumb
            pending_log.crumb = (crumb, record.__dict__)
        except Exception:
            with swallow("log breadcrumb"):  # counted and logged once, never raised
                raise
    return record


def install() -> None:
    """Make log records at INFO and above into breadcrumbs (idempotent)."""
    global _enabled, _previous_factory
    _enabled = True
    current = logging.getLogRecordFactory()
    if current is not _record_factory:
        _previous_factory = current
        logging.setLogRecordFactory(_record_factory)


def uninstall() -> None:
    """Stop; our factory is taken out unless another one was installed over it since."""
    global _enabled
    _enabled = False
    if logging.getLogRecordFactory() is _record_factory and _previous_factory is not None:
        logging.setLogRecordFactory(_previous_factory)
