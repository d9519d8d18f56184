"""``errorwire.LoggingHandler``: report log records (with exc_info: an exception).

    logging.getLogger().addHandler(errorwire.LoggingHandler(level=logging.ERROR))

A record with ``exc_info`` becomes an exception report (handled, severity from
the record's level, the formatted message in ``extra["log_message"]``); one
without becomes a message report. Never reported: errorwire's own records (no
loops), records logged while errorwire is itself reporting (e.g. by a
before_send hook), and an exception an integration already reported (the
client marks reported exceptions, so Django's "Internal Server Error" record is
not a second report).

``logger.error("...", extra={"fingerprint": "payments"})`` (or ``grouping_key``)
sets the report's grouping key, as ``capture_exception(fingerprint=...)`` does; any
other ``extra=`` field goes with the report's custom data (and the record's
breadcrumb), scrubbed. ``stack_info=True`` sends the stack the record was logged
from as ``log_stack`` and, for a message report, as the report's own frames.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any, Dict, Optional

from errorwire.core.breadcrumbs import RECORD_ATTRIBUTE, is_own_record, level_name, record_extra
from errorwire.core.context import current_scope
from errorwire.core.event import Breadcrumb
from errorwire.core.message_stack import caller_frames
from errorwire.core.scoping import About
from errorwire.integrations.base import HeldClient

LEVELS = {
    logging.CRITICAL: "critical",
    logging.ERROR: "error",
    logging.WARNING: "warning",
    logging.INFO: "info",
    logging.DEBUG: "debug",
}

_reporting: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "errorwire_logging_reporting", default=False
)

__all__ = ["LEVELS", "LoggingHandler", "level_name"]


class LoggingHandler(logging.Handler):
    """A logging handler: records at ``level`` and above become reports."""

    def __init__(self, level: int = logging.ERROR) -> None:
        super().__init__(level=level)
        self.client = HeldClient()
        """The configured client (``init()`` from the environment if none), at the first record."""

    def emit(self, record: logging.LogRecord) -> None:
        if is_own_record(record) or _reporting.get():
            return
        token = _reporting.set(True)
        try:
            self._report(record)
        except Exception:  # logging must never raise into the app
            self.handleError(record)
        finally:
            _reporting.reset(token)

    def _report(self, record: logging.LogRecord) -> None:
        client = self.client()
        level = level_name(record.levelno)
        hint: Dict[str, Any] = {"log_record": record}
        exc = record.exc_info[1] if record.exc_info else None
        fingerprint = _fingerprint(record)
        with _without_own_breadcrumb(record):
            if exc is not None:
                client.capture_exception(
                    exc,
                    handled=True,
                    level=level,
                    extra=_extra(record, with_message=True),
                    severity_reason="log",
                    fingerprint=fingerprint,
                    logger_name=record.name,
                    hint=hint,
                )
            else:
                client.capture_message(
                    _message(record),
                    level=level,
                    extra=_extra(record, with_message=False),
                    fingerprint=fingerprint,
                    logger_name=record.name,
                    group_by=f"{record.name}:{record.msg}",
                    hint=hint,
                    about=_logged_from(record, client.options.project_root),
                )


def _fingerprint(record: logging.LogRecord) -> Optional[str]:
    for name in ("fingerprint", "grouping_key"):
        value = record.__dict__.get(name)
        if value:
            return str(value)
    return None


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a bad format string still deserves a report
        return str(record.msg)


def _extra(record: logging.LogRecord, *, with_message: bool) -> Dict[str, Any]:
    """The record's ``extra=`` fields, then where it was logged (and, with ``stack_info=True``,
    the stack it was logged from)."""
    extra: Dict[str, Any] = record_extra(record.__dict__)
    extra.update(logger=record.name, log_location=_location(record))
    if with_message:
        extra["log_message"] = _message(record)
    if isinstance(record.stack_info, str) and record.stack_info:
        extra["log_stack"] = record.stack_info
    return extra


def _logged_from(record: logging.LogRecord, project_root: Optional[str]) -> Optional[About]:
    """With ``stack_info=True``: the caller's stack, read now (emit runs in its call)."""
    if not record.stack_info:
        return None
    return About(frames=caller_frames(record.pathname, record.lineno, project_root))


def _location(record: logging.LogRecord) -> str:
    return f"{record.pathname}:{record.lineno} in {record.funcName}"


class _without_own_breadcrumb:
    """Leave the record's own breadcrumb out of its report: it is the report itself.

    The breadcrumb was made with the record, so it sits last in the ring (unless
    another handler added one since). Put back afterwards, so later reports of
    the request still see it.
    """

    def __init__(self, record: logging.LogRecord) -> None:
        self.crumb: Optional[Breadcrumb] = getattr(record, RECORD_ATTRIBUTE, None)
        self.removed = False

    def __enter__(self) -> None:
        if self.crumb is None:
            return
        ring = current_scope().breadcrumbs
        if ring and ring[-1] is self.crumb:
            ring.pop()
            self.removed = True

    def __exit__(self, *exc: object) -> None:
        if self.removed and self.crumb is not None:
            current_scope().breadcrumbs.append(self.crumb)
