"""Transport.every: a periodic job on the worker thread, and once more at close."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List

import pytest

import errorwire
from errorwire.transport.jobs import Periodic
from tests.receiver import Receiver


def test_a_job_runs_on_the_worker_every_interval_and_once_at_close(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    client = errorwire.init(**all_vendors)
    runs: List[str] = []
    times: List[float] = []
    caller = threading.get_ident()

    def job() -> None:
        runs.append("worker" if threading.get_ident() != caller else "caller")
        times.append(time.monotonic())

    client.transport.every(0.1, job)
    assert client.stats()["transport"]["worker"] == "idle"  # registering starts no thread
    client.transport.start_worker()
    deadline = time.monotonic() + 10
    while len(runs) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(runs) >= 3
    assert set(runs) == {"worker"}
    assert all(b - a >= 0.09 for a, b in zip(times, times[1:]))  # every interval, no faster
    client.close(timeout=1)
    assert runs[-1] == "caller" and runs.count("caller") == 1  # once at close, due or not
    closed = len(runs)
    time.sleep(0.25)
    assert len(runs) == closed  # and never after


def test_what_a_job_submits_at_close_is_flushed(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    client = errorwire.init(**all_vendors)

    def report_once() -> None:
        errorwire.capture_message("sessions at exit")

    client.transport.every(60, report_once)
    client.close(timeout=5)
    assert len(receiver.wait_for(3)) == 3


@pytest.mark.allow_internal_errors
def test_a_failing_job_is_counted_and_the_next_still_runs() -> None:
    now = [0.0]
    jobs = Periodic(clock=lambda: now[0])
    ran: List[int] = []

    def failing() -> None:
        raise RuntimeError("boom")

    jobs.add(1.0, failing)
    jobs.add(2.0, lambda: ran.append(1))
    assert jobs.due_in() == 1.0
    now[0] = 2.0
    jobs.run_due()
    assert ran == [1]
    assert jobs.due_in() == 1.0  # the failing one is due at 3.0
    with pytest.raises(ValueError, match="interval"):
        jobs.add(0, lambda: None)
