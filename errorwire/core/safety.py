"""Guards for errorwire's own work: nothing errorwire does may break the host app.

Every step of capturing and sending runs inside ``swallow()``. A failure there is
logged once per (step, error type) through the ``errorwire`` logger, counted, and
never propagates. Tests turn on ``record_swallowed`` to fail on any of them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from typing import Callable, Dict, List, Optional, Set, Tuple

logger = logging.getLogger("errorwire")

_lock = threading.Lock()
_logged_once: Set[Tuple[str, str]] = set()
internal_errors: Counter[str] = Counter()
failures: Counter[str] = Counter()
"""The same failures by ``"step: ErrorType"``: what ``errorwire.stats()`` shows."""

record_swallowed = False
"""When True (tests), swallowed exceptions are also kept in ``swallowed``."""
swallowed: List[BaseException] = []


def log_once(key: str, message: str, *args: object, level: int = logging.WARNING) -> None:
    """Log ``message`` the first time ``key`` is seen in this process."""
    marker = ("log", key)
    with _lock:
        if marker in _logged_once:
            return
        _logged_once.add(marker)
    logger.log(level, message, *args)


class swallow:
    """Run errorwire's own ``step``; log once, count and swallow any error it raises.

    A class rather than a generator-based context manager: it wraps every capture
    step, and this form costs a fraction of the other.
    """

    __slots__ = ("step",)

    def __init__(self, step: str) -> None:
        self.step = step

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: Optional[BaseException], tb: object) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        swallowed_error(self.step, exc)
        return True


def swallowed_error(step: str, exc: Exception) -> None:
    """Count ``exc`` as errorwire's own failure in ``step`` and log it once (never raises).

    What ``swallow(step)`` does; for the few hot paths that use ``try``/``except
    Exception`` instead: free in CPython 3.11 until something raises, where a
    ``with`` block costs two Python calls on every pass.
    """
    internal_errors[step] += 1
    key = (step, type(exc).__name__)
    with _lock:
        failures[f"{step}: {key[1]}"] += 1
        first = key not in _logged_once
        _logged_once.add(key)
        if record_swallowed:
            swallowed.append(exc)
    if first:
        logger.warning("errorwire: %s failed and was skipped: %r", step, exc, exc_info=exc)


def failure_counts() -> Dict[str, int]:
    with _lock:
        return dict(failures)


def reset_for_tests() -> None:
    with _lock:
        _logged_once.clear()
        swallowed.clear()
        internal_errors.clear()
        failures.clear()


_yield_gil: Callable[[], None] = getattr(os, "sched_yield", lambda: time.sleep(0))


def let_request_threads_run() -> None:
    """Release the GIL between the worker's CPU-bound steps.

    Without it a request thread that wants the GIL waits for the interpreter's
    switch interval (5 ms) while the worker encodes; releasing it between steps
    bounds that wait by the longest single step instead. ``os.sched_yield`` releases
    the GIL as ``time.sleep(0)`` does, for about 1 µs of CPU instead of 25-100 µs (a
    zero sleep arms a timer); on the worker that was a fifth of a report's CPU.
    """
    _yield_gil()
