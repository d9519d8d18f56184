"""What the log library integrations (loguru, structlog) share with ``LoggingHandler``:
a record at the report level becomes one report (an exception report when it carries
an exception, else a message report grouped by its template), a record below it a
breadcrumb of the current scope. Imports no log library.

One guard for all of them and ``LoggingHandler``: a record logged while errorwire is
itself reporting (a ``before_send`` hook that logs) is never reported, so no loops.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional

from errorwire.core.breadcrumbs import MAX_MESSAGE_CHARS, level_name
from errorwire.core.client import Client
from errorwire.core.context import add_breadcrumb
from errorwire.core.event import Breadcrumb
from errorwire.integrations.logging import _reporting

OWN_LOGGER = "errorwire"


def is_own(logger_name: Optional[str]) -> bool:
    """errorwire's own records are never reported nor kept as breadcrumbs."""
    name = logger_name or ""
    return name == OWN_LOGGER or name.startswith(OWN_LOGGER + ".")


def reporting() -> bool:
    """True while errorwire is making a report from a log record (in this context)."""
    return _reporting.get()


def breadcrumb(
    message: str,
    *,
    logger_name: Optional[str],
    levelno: int,
    location: Optional[str],
    timestamp: Optional[float],
    data: Optional[Mapping[str, Any]] = None,
) -> Breadcrumb:
    """The breadcrumb of one record, as ``core.breadcrumbs.from_record`` makes it."""
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "\u2026"
    crumb_data: Dict[str, Any] = dict(data or {})
    if location:
        crumb_data["location"] = location
    crumb = Breadcrumb(
        message=message,
        category=logger_name,
        level=level_name(levelno),
        type="error" if levelno >= logging.ERROR else "log",
        data=crumb_data,
    )
    if timestamp is not None:
        crumb.timestamp = timestamp
    return crumb


def keep_breadcrumb(crumb: Breadcrumb, client: Client) -> None:
    """Add ``crumb`` to the current scope, unless ``client`` has ``log_breadcrumbs=False``."""
    if client.options.log_breadcrumbs:
        add_breadcrumb(crumb)


def report(
    client: Client,
    *,
    exc: Optional[BaseException],
    message: str,
    levelno: int,
    logger_name: Optional[str],
    location: Optional[str],
    group_by: str,
    fingerprint: Optional[str],
    extra: Optional[Mapping[str, Any]],
    hint: Mapping[str, Any],
) -> None:
    """One report of a record to ``client`` (the integration's, held), as
    ``LoggingHandler`` makes it (called under the guard)."""
    level = level_name(levelno)
    fields: Dict[str, Any] = {"logger": logger_name, "log_location": location, **(extra or {})}
    if exc is not None:
        client.capture_exception(
            exc,
            handled=True,
            level=level,
            extra={**fields, "log_message": message},
            severity_reason="log",
            fingerprint=fingerprint,
            logger_name=logger_name,
            hint=hint,
        )
    else:
        client.capture_message(
            message,
            level=level,
            extra=fields,
            fingerprint=fingerprint,
            logger_name=logger_name,
            group_by=group_by,
            hint=hint,
        )


class guard:
    """``with guard():`` around a report: records logged inside it are not reported."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _reporting.set(True)

    def __exit__(self, *exc: object) -> None:
        _reporting.reset(self._token)
