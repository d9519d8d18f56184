"""Facts about the hosting process that decide whether a worker thread can run."""

from __future__ import annotations

import importlib
from typing import Any

from errorwire.core.safety import log_once

_OFF = {"", "0", "false", "off", "no", "none"}


def sending_mode(sync: bool) -> str:
    """ "thread" (the background worker), "sync" (asked for) or "inline" (no threads run)."""
    if sync:
        return "sync"
    if uwsgi_without_threads():
        log_once(
            "uwsgi-no-threads",
            "errorwire: uWSGI runs without enable-threads, so a background thread would "
            "never run; reports are sent in the request thread (start uWSGI with "
            "--enable-threads to send them in the background)",
        )
        return "inline"
    return "thread"


def uwsgi_without_threads() -> bool:
    """True under uWSGI started without ``enable-threads``: a Python thread would never run."""
    try:
        uwsgi: Any = importlib.import_module("uwsgi")  # only importable inside uWSGI
    except ImportError:
        return False
    opt: Any = getattr(uwsgi, "opt", None)
    if not hasattr(opt, "get"):
        return False
    if _enabled(opt.get("enable-threads")):
        return False
    threads = _text(opt.get("threads"))
    return not (threads.isdigit() and int(threads) > 1)


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[-1] if value else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if value is True:
        return "true"
    return "" if value is None else str(value).strip().lower()


def _enabled(value: Any) -> bool:
    return _text(value) not in _OFF
