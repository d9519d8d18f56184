"""What the apps share: the error they raise and errorwire's set-up at import."""

from __future__ import annotations

import os
import threading

import errorwire

FAIL_DELAY = float(os.environ.get("SERVED_FAIL_DELAY", "0"))
"""Seconds a failing request waits before it raises: lets requests overlap in threaded workers."""


class ServedError(RuntimeError):
    pass


def failure(token: str) -> ServedError:
    if FAIL_DELAY:
        threading.Event().wait(FAIL_DELAY)
    return ServedError(f"ticket={token} pid={os.getpid()}")


def init() -> None:
    # storm_limit: every failing request of a test is one report, even when they are alike.
    # shutdown_timeout: the stop tests stall the receiver 0.15 s per request, so a worker that
    # served all 4 failures owes 12 slow requests (1.8 s), too close to the default 2 s on a
    # busy machine; the tests prove the flush at exit, not how long it may take.
    errorwire.init(storm_limit=10_000, shutdown_timeout=5.0)
