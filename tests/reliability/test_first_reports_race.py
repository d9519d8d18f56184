"""Threads that report at once in a process with no client yet: one client comes out
of their implicit init(), and none of their reports is lost."""

from __future__ import annotations

import threading
from typing import List, Optional

import pytest

import errorwire
from errorwire import api
from errorwire.core.client import Client
from tests.receiver import Receiver
from tests.reports import vendor_env

THREADS = 8


@pytest.fixture
def vendors_in_environment(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in vendor_env(receiver).items():
        monkeypatch.setenv(var, value)


def test_concurrent_first_reports_make_one_client_and_lose_none(
    receiver: Receiver, vendors_in_environment: None
) -> None:
    assert api.get_client() is None
    barrier = threading.Barrier(THREADS)
    clients: List[Optional[Client]] = [None] * THREADS

    def report(index: int) -> None:
        barrier.wait()
        assert errorwire.capture_message(f"first report {index}") is not None
        clients[index] = api.get_client()

    threads = [threading.Thread(target=report, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10.0)
    assert errorwire.flush(timeout=5.0)
    arrived = receiver.wait_for(3 * THREADS, timeout=5.0)
    assert len(arrived) == 3 * THREADS
    assert len({id(client) for client in clients}) == 1
    assert errorwire.stats()["client"].get("dropped_shutdown", 0) == 0
