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
    if uwsgi_stops_brutally():
        log_once(
            "uwsgi-die-on-term",
            "errorwire: uWSGI runs with die-on-term, which stops each worker brutally: a "
            "worker still inside a request skips atexit, and the reports it has queued are "
            "lost; stop gracefully with --hook-master-start "
            '"unix_signal:15 gracefully_kill_them_all" (or the master FIFO\'s q)',
        )
    return "thread"


def _uwsgi_options() -> Any:
    """uWSGI's options table, or None outside uWSGI."""
    try:
        uwsgi: Any = importlib.import_module("uwsgi")  # only importable inside uWSGI
    except ImportError:
        return None
    opt: Any = getattr(uwsgi, "opt", None)
    return opt if hasattr(opt, "get") else None


def uwsgi_stops_brutally() -> bool:
    """True under uWSGI whose SIGTERM is ``die-on-term``'s brutal stop (SIGINT to each worker,
    which then skips Python's atexit if uWSGI counts it busy) and not a graceful one."""
    opt = _uwsgi_options()
    if opt is None or not _enabled(opt.get("die-on-term")):
        return False
    hooks = opt.get("hook-master-start")
    hooks = hooks if isinstance(hooks, list) else [hooks]
    return not any("gracefully_kill_them_all" in _text(hook) for hook in hooks)


def uwsgi_without_threads() -> bool:
    """True under uWSGI started without ``enable-threads``: a Python thread would never run."""
    opt = _uwsgi_options()
    if opt is None:
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
