"""loguru.

    from loguru import logger
    logger.add(errorwire.integrations.loguru.sink, level="INFO")   # reports and breadcrumbs
    logger.add(errorwire.integrations.loguru.sink, level="ERROR")  # reports only

The sink behaves as ``LoggingHandler``: a record at ERROR or above is one report (an
exception report, handled, when it carries an exception: ``logger.exception(...)``,
``logger.opt(exception=True)``, ``@logger.catch``; else a message report). A record
below ERROR that reaches the sink (loguru hands it only what passes the ``level`` of
``logger.add``) is a breadcrumb of the current scope. ``Sink(report_level="WARNING")``
reports from another level. An exception an integration already reported is not
reported again; errorwire's own records never.

loguru formats the message before a sink sees it and keeps no template: message reports
group by their call site (module, function, line), so "order 42 failed" and "order 43
failed" from one line are one group. ``logger.bind(fingerprint="payments")`` (or
``grouping_key``) sets the grouping key.

Added with ``enqueue=True``, loguru calls sinks on its own thread, away from the
request that logged: reports are still made (without the request's scope), breadcrumbs
are not (they would land in no request).
"""

from __future__ import annotations

import threading
from typing import Any, Mapping, Optional, Union

from errorwire.integrations import needs

with needs(__name__, "loguru"):
    from loguru import logger as _loguru_logger

from errorwire.core.config import ConfigError
from errorwire.core.safety import swallowed_error
from errorwire.integrations import log_records
from errorwire.integrations.base import HeldClient

__all__ = ["Sink", "sink"]

ERROR = 40
"""loguru's ERROR level number (logging's too)."""


class Sink:
    """A loguru sink: records at ``report_level`` and above become reports, the ones
    below it breadcrumbs."""

    def __init__(self, report_level: Union[int, str] = ERROR) -> None:
        if isinstance(report_level, str):
            try:
                report_level = int(_loguru_logger.level(report_level).no)
            except ValueError as error:
                raise ConfigError(f"report_level: {error}") from None
        if isinstance(report_level, bool) or not isinstance(report_level, int):
            raise ConfigError("report_level must be a loguru level name or number")
        self.report_level = report_level
        self.client = HeldClient()
        """The configured client (``init()`` from the environment if none), at the first record."""

    def __call__(self, message: Any) -> None:
        try:  # not ``with swallow()``: on every record the sink gets
            record: Mapping[str, Any] = message.record
            name = record.get("name")
            if log_records.is_own(name) or log_records.reporting():
                return
            self._handle(record, name)
        except Exception as error:
            swallowed_error("loguru sink", error)

    def _handle(self, record: Mapping[str, Any], name: Optional[str]) -> None:
        levelno = int(record["level"].no)
        text = str(record["message"])
        location = f"{record['module']}:{record['line']}"
        if levelno >= self.report_level:
            extra = record.get("extra") or {}
            exception = record.get("exception")
            exc = getattr(exception, "value", None) if exception is not None else None
            with log_records.guard():
                log_records.report(
                    self.client(),
                    exc=exc if isinstance(exc, BaseException) else None,
                    message=text,
                    levelno=levelno,
                    logger_name=name,
                    location=f"{record['file'].path}:{record['line']} in {record['function']}",
                    group_by=f"{name}:{record['function']}:{record['line']}",
                    fingerprint=_fingerprint(extra),
                    extra=None,
                    hint={"loguru_record": record},
                )
        if record["thread"].id != threading.get_ident():  # enqueue=True: not the caller
            return
        log_records.keep_breadcrumb(
            log_records.breadcrumb(
                text,
                logger_name=name,
                levelno=levelno,
                location=location,
                timestamp=record["time"].timestamp(),
            ),
            self.client(),
        )


def _fingerprint(extra: Mapping[str, Any]) -> Optional[str]:
    for key in ("fingerprint", "grouping_key"):
        value = extra.get(key)
        if value:
            return str(value)
    return None


sink = Sink()
"""``logger.add(errorwire.integrations.loguru.sink, level="ERROR")``."""
