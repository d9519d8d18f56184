"""Bugsnag sessions of real Celery tasks: one per task, counted in the worker process
that ran it and sent to the sessions endpoint (at the latest when the worker stops)."""

from __future__ import annotations

import gc
import socket
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("celery")
pytest.importorskip("redis")

import celery

from tests.integrations.jobs import job_workers
from tests.integrations.jobs.test_celery_worker import POOLS, run, stop
from tests.receiver import Receiver
from tests.session_counts import started_counts

HERE = Path(__file__).resolve().parent


@pytest.fixture
def sender(redis_url: str) -> Iterator[Any]:
    app = celery.Celery("sender", broker=redis_url, backend=redis_url)
    yield app
    gc.collect()  # the task results let go while Redis still answers their __del__
    app.close()


def wait_until_idle(sender: Any, queue: str) -> None:
    """Until the worker's main process has taken in the end of its last task. Celery 5.4's
    prefork pool, stopped by SIGTERM while a child is still finishing a task (its result
    stored, its end not yet taken in), can block its warm shutdown for good, with no
    errorwire installed too: the test stops the worker as a process manager would, between
    tasks."""
    worker = f"{queue}@{socket.gethostname()}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        active = sender.control.inspect(destination=[worker], timeout=1).active() or {}
        if active.get(worker) == []:
            return
        time.sleep(0.05)
    raise AssertionError(f"{worker} still busy after 30 s: {active}")


@pytest.mark.parametrize("pool", POOLS)
def test_each_task_is_one_session(
    pool: str, queue: str, receiver: Receiver, redis_url: str, sender: Any
) -> None:
    env = job_workers.worker_environment(receiver, redis_url, HERE)
    env["BUGSNAG_SESSIONS_ENDPOINT"] = f"{receiver.url}/sessions"
    worker = job_workers.start(
        ["-m", "celery", "-A", "celery_test_app", "worker", f"--pool={pool}",
         "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-Q", queue, "-n", f"{queue}@%h"],
        env,
        HERE,
    )  # fmt: skip
    try:
        for marker in ("a", "b", "c"):
            assert run(sender, queue, "tasks.leaves_state", marker) == "SUCCESS"
        assert run(sender, queue, "tasks.charge", "4111111111111111", 3) == "FAILURE"
        wait_until_idle(sender, queue)
    finally:
        out = stop(worker)
    assert sum(started_counts(receiver)) == 4, out
    events = [
        item.json()["events"][0] for item in receiver.received if item.path.startswith("/bugsnag")
    ]
    assert [e["session"]["events"] for e in events] == [{"handled": 0, "unhandled": 1}]
