"""Breadcrumbs: what happened before an error, per request, in a bounded ring.

Two sources fill the current scope's ring (``core/context.py``):
``errorwire.add_breadcrumb`` and, automatically, log records at INFO and above.

Log records are collected by one ``BreadcrumbHandler`` that ``errorwire.init``
adds to the root logger. That is the cheapest hook that needs no patching of
``logging``: a record exists only when its logger is enabled for its level, so
this follows the app's own logging configuration (Python's default root level
is WARNING: INFO records appear once the app enables INFO). Loggers with
``propagate = False`` never reach the root; add a ``BreadcrumbHandler`` to them.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Optional

from errorwire.core import context
from errorwire.core.event import LEVELS, Breadcrumb

BREADCRUMB_TYPES = ("manual", "navigation", "request", "log", "state", "user", "process", "error")
"""The types every vendor understands (Bugsnag's enum; the others map from it)."""

MAX_MESSAGE_CHARS = 1024
"""A ring holds up to 100 crumbs per request: keep each one small."""

_OWN_LOGGER = "errorwire"


def make_breadcrumb(
    message: object,
    category: Optional[str] = None,
    data: Optional[Mapping[str, Any]] = None,
    *,
    level: str = "info",
    type: str = "manual",
) -> Breadcrumb:
    """A breadcrumb with its fields made valid: unknown type -> manual, unknown level -> info."""
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
    try:
        message = record.getMessage()
    except Exception:  # a bad format string is the app's bug, not a crash here
        message = str(record.msg)
    crumb = make_breadcrumb(
        message,
        category=record.name,
        level=level_name(record.levelno),
        type="error" if record.levelno >= logging.ERROR else "log",
        data={"logger": record.name, "location": f"{record.module}:{record.lineno}"},
    )
    crumb.timestamp = record.created
    return crumb


RECORD_ATTRIBUTE = "errorwire_breadcrumb"
"""Set on a record made into a breadcrumb, so LoggingHandler can leave it out of
the report made from that same record (it is the report, not what came before)."""


class BreadcrumbHandler(logging.Handler):
    """Appends a breadcrumb to the current scope for each record at ``level`` and above."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level=level)

    def handle(self, record: logging.LogRecord) -> bool:
        # No handler lock: the ring is per context and deque.append is atomic.
        if record.levelno < self.level or is_own_record(record) or not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            crumb = from_record(record)
            context.add_breadcrumb(crumb)
            setattr(record, RECORD_ATTRIBUTE, crumb)
        except Exception:  # logging must never raise into the app
            self.handleError(record)


_installed: Optional[BreadcrumbHandler] = None


def install(logger: Optional[logging.Logger] = None) -> BreadcrumbHandler:
    """Add the breadcrumb handler to ``logger`` (the root logger) once."""
    global _installed
    target = logger or logging.getLogger()
    if _installed is None:
        _installed = BreadcrumbHandler()
    if _installed not in target.handlers:
        target.addHandler(_installed)
    return _installed


def uninstall(logger: Optional[logging.Logger] = None) -> None:
    if _installed is not None:
        (logger or logging.getLogger()).removeHandler(_installed)
