"""A real Huey consumer (thread and process workers) on a real Redis, reporting over
HTTP to the receiver."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("huey")
pytest.importorskip("redis")

from tests.integrations.jobs import job_workers
from tests.receiver import Receiver
from tests.reports import VENDORS

HERE = Path(__file__).resolve().parent
CARD = "4111111111111111"
QUEUE = f"huey-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def app(redis_url: str) -> Iterator[Any]:
    """huey_test_app as the test process imports it to enqueue (its queue emptied)."""
    os.environ["REDIS_URL"], os.environ["JOB_QUEUE"] = redis_url, QUEUE
    from tests.integrations.jobs import huey_test_app

    huey_test_app.huey.flush()
    yield huey_test_app
    huey_test_app.huey.flush()


def start_consumer(kind: str, receiver: Receiver, redis_url: str) -> subprocess.Popen[bytes]:
    env = job_workers.worker_environment(receiver, redis_url, HERE)
    env["JOB_QUEUE"] = QUEUE
    # By the name the tests import it by: Huey knows a task by its module and name.
    app = "tests.integrations.jobs.huey_test_app.huey"
    command = ["-m", "huey.bin.huey_consumer", app, "-k", kind, "-w", "1"]
    return job_workers.start(command, env, HERE)


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_tasks_failing_for_good_are_reported_once_each_with_their_own_scope(
    kind: str, app: Any, receiver: Receiver, redis_url: str
) -> None:
    consumer = start_consumer(kind, receiver, redis_url)
    try:
        app.leaves_state("before")
        charge = app.charge(CARD, 3, note="gift", password="hunter2", customer="alice")
        app.leaves_state("between")
        app.retried_on_request()
        app.flaky()
        job_workers.wait_for_reports(receiver, 2)  # charge, then flaky after its two retries
        app.fence()  # one worker: after everything enqueued before it
        job_workers.wait_for_reports(receiver, 3)
    finally:
        out = job_workers.stop_by_signal(consumer)
    assert "Unhandled exception in task" in out  # Huey's own handling went on: its log

    found = job_workers.arrived(receiver)
    for vendor in VENDORS:
        assert len(found[vendor]) == 3, (vendor, out)  # charge, flaky, fence: nothing else
        by_task = {job_workers.custom_data(vendor, p, "huey")["task"]: p for p in found[vendor]}
        assert set(by_task) == {"charge", "flaky", "fence"}
        charged, flaky = by_task["charge"], by_task["flaky"]
        job_workers.assert_job_contexts(vendor, {"charge": charged, "flaky": flaky})
        data = job_workers.custom_data(vendor, charged, "huey")
        assert data["task_id"] == charge.id and data["retries_left"] == 0
        assert data["args"] == ["[Filtered]", 3]  # the card, by parameter name and value
        job_workers.assert_charge_reported(vendor, charged, data, leaks=["crumb-before"])

        assert job_workers.custom_data(vendor, flaky, "huey")["retries_left"] == 0
        flaky_crumbs = job_workers.assert_flaky_reported(vendor, flaky, leak="crumb-between")
        assert flaky_crumbs.count("flaky attempt") == 1, flaky_crumbs  # its own attempt's

    job_workers.assert_framework_named(found, "huey")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("kind", ["thread", "process"])
def test_a_stopped_consumer_still_delivers_what_it_queued(
    kind: str, how: int, app: Any, receiver: Receiver, redis_url: str
) -> None:
    stall = 1.0  # in flight at SIGTERM, within shutdown_timeout (2 s)
    stalls = job_workers.stall_first_report(receiver, stall)
    consumer = start_consumer(kind, receiver, redis_url)
    try:
        app.charge(CARD, 5)
        assert receiver.wait_for_attempts(1, timeout=30), "no report left the consumer"
    finally:
        out = job_workers.stop_by_signal(consumer, how)  # while the first report is in flight
    job_workers.assert_delivered_once_each(receiver, stalls, out)
