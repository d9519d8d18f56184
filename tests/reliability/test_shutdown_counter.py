"""Reports still queued at shutdown are counted one by one in the client's
dropped_shutdown, as the transport counts them."""

from __future__ import annotations

import errorwire
from tests.receiver import Receiver, Reply

REPORTS = 40


def test_dropped_shutdown_counts_each_report(receiver: Receiver) -> None:
    receiver.script(Reply(stall=3.0))  # the worker is held on the first report
    client = errorwire.init(
        rollbar=errorwire.Rollbar(access_token="t", endpoint=receiver.endpoints()["rollbar"]),
        read_timeout=5.0,
        max_retries=0,
    )
    for index in range(REPORTS):
        errorwire.capture_message(f"report {index}")
    client.close(timeout=0.2)
    stats = errorwire.stats()
    queued = stats["transport"]["dropped"]["shutdown"]
    assert queued > 1
    assert stats["client"]["dropped_shutdown"] == queued
