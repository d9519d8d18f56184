"""``errorwire.LoggingHandler``: report log records (with exc_info: an exception)."""

from __future__ import annotations

import logging

LEVELS = {
    logging.CRITICAL: "critical",
    logging.ERROR: "error",
    logging.WARNING: "warning",
    logging.INFO: "info",
    logging.DEBUG: "debug",
}


def level_name(levelno: int) -> str:
    for number in sorted(LEVELS, reverse=True):
        if levelno >= number:
            return LEVELS[number]
    return "debug"


class LoggingHandler(logging.Handler):
    """A logging handler: records at ``level`` and above become reports."""

    def __init__(self, level: int = logging.ERROR) -> None:
        super().__init__(level=level)

    def emit(self, record: logging.LogRecord) -> None:
        from errorwire.api import ensure_client

        if record.name == "errorwire" or record.name.startswith("errorwire."):
            return
        try:
            client = ensure_client()
            exc = record.exc_info[1] if record.exc_info else None
            if exc is not None:
                client.capture_exception(
                    exc,
                    handled=True,
                    level=level_name(record.levelno),
                    severity_reason="log",
                    logger_name=record.name,
                )
            else:
                client.capture_message(
                    record.getMessage(), level=level_name(record.levelno), logger_name=record.name
                )
        except Exception:  # noqa: BLE001 - logging must never raise into the app
            self.handleError(record)
