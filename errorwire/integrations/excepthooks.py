"""Uncaught exceptions: what reaches ``sys.excepthook`` and ``threading.excepthook``.

``init(excepthooks=True)`` (the default) installs both hooks once per process; a
later ``init`` never stacks them: the installed hooks report through whichever
client is current when an exception arrives. Each reports the exception as
unhandled, then calls the hook that was there before, so Python's traceback is
printed and the exit status is what it would have been. The report of a main
thread that dies is delivered by the exit flush (``shutdown_timeout``).

``init(excepthooks=False)`` leaves both hooks alone (and puts back the previous
ones if errorwire's are still in place from an earlier ``init``).
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import Any, Callable, Optional, Type

from errorwire.core.client import already_reported
from errorwire.core.safety import swallowed_error

SysHook = Callable[[Type[BaseException], BaseException, Optional[TracebackType]], Any]
ThreadHook = Callable[[Any], Any]

NOT_CRASHES = (KeyboardInterrupt, SystemExit)
"""Ctrl-C and ``sys.exit()`` end a program on purpose; Python's own hooks keep quiet
about SystemExit too. Never reported by these hooks, whatever ``ignore`` says."""

_PYTHONS_THREAD_HOOK: ThreadHook = getattr(threading, "__excepthook__", threading.excepthook)
"""``threading.__excepthook__`` (Python 3.10+); on 3.9 the hook found at import."""

_lock = threading.Lock()
_previous_sys: Optional[SysHook] = None
_previous_thread: Optional[ThreadHook] = None
"""The hooks errorwire's call after reporting; None while errorwire's are not installed."""


def configure(enabled: bool) -> None:
    """Called by ``init``: install the hooks once, or take them out again."""
    if enabled:
        install()
    else:
        uninstall()


def install() -> None:
    """Install errorwire's hooks, once: a hook set after errorwire's may call it, and
    wrapping that one again would make the two call each other."""
    global _previous_sys, _previous_thread
    with _lock:
        if _previous_sys is None:
            _previous_sys, sys.excepthook = sys.excepthook, _sys_hook
        if _previous_thread is None:
            _previous_thread, threading.excepthook = threading.excepthook, _thread_hook


def uninstall() -> None:
    """Put back the previous hooks where errorwire's are still the current ones. Where
    another hook was set on top of errorwire's, errorwire's stay and only pass on
    (``report`` sees ``excepthooks=False``)."""
    global _previous_sys, _previous_thread
    with _lock:
        if sys.excepthook is _sys_hook and _previous_sys is not None:
            sys.excepthook, _previous_sys = _previous_sys, None
        if threading.excepthook is _thread_hook and _previous_thread is not None:
            threading.excepthook, _previous_thread = _previous_thread, None


def _sys_hook(
    exc_type: Type[BaseException], exc: BaseException, tb: Optional[TracebackType]
) -> None:
    try:
        # In the interactive interpreter every mistyped line would be a report.
        if not hasattr(sys, "ps1"):
            report(exc, "excepthook")
    finally:
        (_previous_sys or sys.__excepthook__)(exc_type, exc, tb)


def _thread_hook(args: Any) -> None:
    try:
        thread = getattr(args, "thread", None)
        name = getattr(thread, "name", None)
        report(getattr(args, "exc_value", None), "threading", {"thread": name} if name else None)
    finally:
        (_previous_thread or _PYTHONS_THREAD_HOOK)(args)


def report(exc: Optional[BaseException], mechanism: str, extra: Any = None) -> None:
    """Report ``exc`` as unhandled through the current client, if errorwire is set up
    with ``excepthooks`` on. Never raises."""
    from errorwire.api import get_client  # api imports this module

    try:
        client = get_client()
        if (
            client is None
            or not client.options.excepthooks
            or exc is None
            or isinstance(exc, NOT_CRASHES)
            or already_reported(exc)  # an integration reported it on its way up
        ):
            return
        client.capture_exception(exc, handled=False, extra=extra, hint={"mechanism": mechanism})
    except Exception as error:
        swallowed_error(f"{mechanism} report", error)
