"""structlog.

    structlog.configure(processors=[
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        errorwire.integrations.structlog.processor,   # before format_exc_info / renderers
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(),
    ])

The processor behaves as ``LoggingHandler``: an event at error level or above is one
report (an exception report, handled, when it carries an exception:
``log.exception(...)``, ``exc_info=...``; else a message report grouped by the event
as written: ``log.error("order_failed", order_id=42)`` groups every order, and so does
``log.error("order %s failed", 42)`` on stdlib loggers, which format positional
arguments after the chain; structlog's own loggers format them before it). An event
below it, from info up, is a breadcrumb of the current scope. The event's other keys
are the report's custom data ``structlog`` and the breadcrumb's data (scrubbed like
every field). ``Processor(report_level="warning")`` reports from another level.
The event dict goes on unchanged to the next processor.

List it before ``format_exc_info`` (or ``dict_tracebacks``), which turns the exception
into text. On top of the standard library's logging (``structlog.stdlib.LoggerFactory``)
the log record already makes the breadcrumb, so the processor makes none; report
through this processor or ``LoggingHandler``, not both.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Dict, MutableMapping, Optional, Union

from errorwire.core.config import ConfigError
from errorwire.core.safety import swallowed_error
from errorwire.integrations import log_records
from errorwire.integrations.base import HeldClient
from errorwire.integrations.jobs import copy_value

__all__ = ["Processor", "processor"]

LEVELS = {
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
    "exception": logging.ERROR,
    "error": logging.ERROR,
    "err": logging.ERROR,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "msg": logging.INFO,
    "debug": logging.DEBUG,
    "notset": logging.NOTSET,
}
NOT_DATA = frozenset(
    (
        "event",
        "level",
        "timestamp",
        "logger",
        "logger_name",
        "exc_info",
        "positional_args",
        "stack_info",
        "fingerprint",
        "grouping_key",
        "_record",
        "_from_structlog",
    )
)
"""Keys structlog itself fills, or that say how to report: not the event's data."""
MAX_DATA_KEYS = 50


class Processor:
    """A structlog processor: events at ``report_level`` and above become reports."""

    def __init__(self, report_level: Union[int, str] = logging.ERROR) -> None:
        if isinstance(report_level, str):
            if report_level.lower() not in LEVELS:
                raise ConfigError(f"report_level: unknown level {report_level!r}")
            report_level = LEVELS[report_level.lower()]
        if isinstance(report_level, bool) or not isinstance(report_level, int):
            raise ConfigError("report_level must be a level name or number")
        self.report_level = report_level
        self.client = HeldClient()
        """The configured client (``init()`` from the environment if none), at the first record."""

    def __call__(
        self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        try:  # not ``with swallow()``: on every event of the chain
            name = event_dict.get("logger") or getattr(logger, "name", None)
            name = None if name is None else str(name)
            if not log_records.is_own(name) and not log_records.reporting():
                self._handle(logger, method_name, event_dict, name)
        except Exception as error:
            swallowed_error("structlog processor", error)
        return event_dict

    def _handle(
        self,
        logger: Any,
        method_name: str,
        event_dict: MutableMapping[str, Any],
        name: Optional[str],
    ) -> None:
        levelno = _levelno(event_dict.get("level") or method_name)
        template = str(event_dict.get("event", ""))
        text = _formatted(template, event_dict.get("positional_args"))
        data = _data(event_dict)
        if levelno >= self.report_level:
            with log_records.guard():
                log_records.report(
                    self.client(),
                    exc=_exception(event_dict.get("exc_info")),
                    message=text,
                    levelno=levelno,
                    logger_name=name,
                    location=_call_site(),
                    group_by=f"{name}:{template}",
                    fingerprint=_fingerprint(event_dict),
                    extra={"structlog": data} if data else None,
                    hint={"structlog_event": event_dict},
                )
        if levelno < logging.INFO or isinstance(logger, logging.Logger):
            return  # below breadcrumbs; or a log record will make it (stdlib logging)
        log_records.keep_breadcrumb(
            log_records.breadcrumb(
                text, logger_name=name, levelno=levelno, location=None, timestamp=None, data=data
            ),
            self.client(),
        )


def _levelno(level: Any) -> int:
    if isinstance(level, int) and not isinstance(level, bool):
        return level
    return LEVELS.get(str(level).lower(), logging.INFO)


def _formatted(template: str, args: Any) -> str:
    if not args:
        return template
    try:
        return template % tuple(args) if isinstance(args, (list, tuple)) else template % args
    except (TypeError, ValueError, KeyError):  # the app's bad format: still a report
        return template


def _exception(exc_info: Any) -> Optional[BaseException]:
    if exc_info is None or exc_info is False:
        return None
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        return exc_info[1] if isinstance(exc_info[1], BaseException) else None
    return sys.exc_info()[1]  # True, as log.exception() passes it


def _fingerprint(event_dict: MutableMapping[str, Any]) -> Optional[str]:
    for key in ("fingerprint", "grouping_key"):
        value = event_dict.get(key)
        if value:
            return str(value)
    return None


def _data(event_dict: MutableMapping[str, Any]) -> Dict[str, Any]:
    data: Dict[str, Any] = {}
    for key, value in event_dict.items():
        if key not in NOT_DATA:
            data[str(key)] = copy_value(value)
            if len(data) >= MAX_DATA_KEYS:
                break
    return data


def _call_site() -> Optional[str]:
    """Where the app logged: the first frame outside structlog and errorwire."""
    frame = sys._getframe(1)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if not (module.startswith(("structlog", "errorwire.")) or module == "errorwire"):
            code = frame.f_code
            return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


processor = Processor()
"""``errorwire.integrations.structlog.processor`` in the processor chain."""
