"""Flush at SIGTERM when nothing else handles it.

A process left with SIGTERM's default action dies without running ``atexit``, so the
queue's last reports would be lost: waitress never handles SIGTERM, and uvicorn (alone,
with ``--workers`` or as a gunicorn worker) shuts down gracefully and then raises SIGTERM
again with the handler it found. At ``init`` in the main thread, where SIGTERM still has
its default action, errorwire installs a handler that flushes for ``shutdown_timeout``,
restores the default action and raises the signal again: the process still dies of
SIGTERM, as it would have, only later. A server that installs its own handler replaces
this one (and keeps its own shutdown, which runs ``atexit``).
"""

from __future__ import annotations

import signal
import threading
from functools import partial
from types import FrameType
from typing import Callable, Optional

from errorwire.core.safety import swallow

JOIN_SLACK = 0.5
"""Seconds beyond ``shutdown_timeout`` the flush may take before the process dies anyway."""


def install(flush: Callable[[], None], timeout: Callable[[], float]) -> None:
    """Handle SIGTERM with ``flush`` if it still has its default action (main thread only).
    ``timeout()``: the configured client's ``shutdown_timeout``, read at the signal (a
    later ``init()`` finds this handler in place and changes only the client)."""
    if threading.current_thread() is not threading.main_thread():
        return
    with swallow("install the SIGTERM flush"):
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, partial(_on_sigterm, flush, timeout))


def _on_sigterm(
    flush: Callable[[], None],
    timeout: Callable[[], float],
    signum: int,
    frame: Optional[FrameType],
) -> None:
    # In a thread of its own: the signal may have interrupted the main thread inside
    # errorwire, holding a lock the flush needs; then the join gives up and we die.
    helper = threading.Thread(target=flush, name="errorwire-sigterm-flush", daemon=True)
    helper.start()
    helper.join(timeout() + JOIN_SLACK)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.raise_signal(signal.SIGTERM)
