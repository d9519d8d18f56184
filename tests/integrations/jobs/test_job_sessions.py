"""Bugsnag sessions of real Dramatiq, Huey and arq workers: one per job (an attempt
retried is a job of its own, as a Celery retry is), counted in the process that ran it
and sent to the sessions endpoint (at the latest when the worker stops)."""

from __future__ import annotations

import importlib
import uuid
from typing import Any, Callable, Dict

import pytest

from tests.integrations.jobs import job_workers
from tests.receiver import Receiver
from tests.session_counts import started_counts


def counting_sessions(monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> None:
    """The job tests' workers also send session counts to ``receiver``."""
    environment: Callable[..., Dict[str, str]] = job_workers.worker_environment

    def with_sessions(*args: Any) -> Dict[str, str]:
        env = environment(*args)
        env["BUGSNAG_SESSIONS_ENDPOINT"] = f"{receiver.url}/sessions"
        return env

    monkeypatch.setattr(job_workers, "worker_environment", with_sessions)


def job_test_module(framework: str, monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> Any:
    """``test_<framework>_worker`` (skipped without ``framework``), its workers sending
    session counts to ``receiver``."""
    pytest.importorskip(framework)
    module = importlib.import_module(f"tests.integrations.jobs.test_{framework}_worker")
    counting_sessions(monkeypatch, receiver)
    return module


def test_each_dramatiq_message_is_one_session(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, redis_url: str
) -> None:
    module = job_test_module("dramatiq", monkeypatch, receiver)
    queue = f"q-{uuid.uuid4().hex[:8]}"
    broker = module.RedisBroker(url=redis_url)
    worker = module.start_worker(queue, receiver, redis_url)
    try:
        for marker in ("a", "b", "c"):
            module.send(broker, queue, "leaves_state", marker)
        module.send(broker, queue, "fence")  # one worker thread: after the three
        job_workers.wait_for_reports(receiver, 1)
    finally:
        out = module.stop(worker)
        broker.close()
    assert sum(started_counts(receiver)) == 4, out


def test_each_huey_task_is_one_session(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, redis_url: str
) -> None:
    module = job_test_module("huey", monkeypatch, receiver)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("JOB_QUEUE", module.QUEUE)
    from tests.integrations.jobs import huey_test_app as app

    app.huey.flush()
    consumer = module.start_consumer("thread", receiver, redis_url)
    try:
        for marker in ("a", "b", "c"):
            app.leaves_state(marker)
        app.fence()  # one worker: after the three
        job_workers.wait_for_reports(receiver, 1)
    finally:
        out = job_workers.stop_by_signal(consumer)
    assert sum(started_counts(receiver)) == 4, out


def test_each_arq_job_is_one_session(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver, redis_url: str
) -> None:
    module = job_test_module("arq", monkeypatch, receiver)
    queue = f"arq-{uuid.uuid4().hex[:8]}"
    worker = module.start_worker("WorkerSettings", queue, receiver, redis_url)
    try:
        module.run_jobs(redis_url, queue, [("leaves_state", m, {}) for m in "abc"])
    finally:
        out = job_workers.stop_by_signal(worker)
    assert sum(started_counts(receiver)) == 3, out


def test_each_job_an_rq_worker_forks_is_one_session(receiver: Receiver, redis_url: str) -> None:
    pytest.importorskip("rq")
    from redis import Redis
    from rq import Queue

    from tests.integrations.jobs.test_rq_worker import HERE, cli

    queue = Queue(f"q-{uuid.uuid4().hex[:8]}", connection=Redis.from_url(redis_url))
    for marker in ("a", "b", "c"):
        queue.enqueue("rq_jobs.leaves_state", marker)
    queue.enqueue("rq_jobs.charge", "4111111111111111", 3)
    env = job_workers.worker_environment(receiver, redis_url, HERE)
    env["BUGSNAG_SESSIONS_ENDPOINT"] = f"{receiver.url}/sessions"
    # --burst: the worker stops when the queue is done
    worker = job_workers.start([*cli(redis_url, queue.name), "--burst"], env, HERE)
    out = job_workers.output_of(worker)
    assert worker.returncode == 0, out
    assert sum(started_counts(receiver)) == 4, out  # counted and sent by the worker
    events = [
        item.json()["events"][0]
        for item in receiver.by_vendor("bugsnag")
        if not item.path.startswith("/sessions")
    ]
    assert [e["session"]["events"] for e in events] == [{"handled": 0, "unhandled": 1}]
