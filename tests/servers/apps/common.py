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
    errorwire.init(storm_limit=10_000)
