"""Bugsnag session counts as the receiver got them (each request checked against the
sessions API in tests/release_schemas.py), and an init() that counts them."""

from __future__ import annotations

from typing import Any

import errorwire
from tests.receiver import Receiver
from tests.release_schemas import assert_valid_release_request


def init_counting(receiver: Receiver, **options: Any) -> None:
    """errorwire reporting to Bugsnag at ``receiver``, sessions counted."""
    errorwire.init(
        bugsnag=errorwire.Bugsnag(
            api_key="bugsnag-key",
            endpoint=f"{receiver.url}/bugsnag/",
            sessions_endpoint=f"{receiver.url}/sessions",
        ),
        **options,
    )


def sessions_started(receiver: Receiver) -> int:
    total = 0
    for item in receiver.received:
        if item.path.startswith("/sessions"):
            assert_valid_release_request(item)
            total += sum(c["sessionsStarted"] for c in item.json()["sessionCounts"])
    return total
