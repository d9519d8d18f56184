"""A real ``dramatiq`` worker (its worker process and thread) on a real Redis, reporting
over HTTP to the receiver."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

pytest.importorskip("dramatiq")
pytest.importorskip("redis")

import dramatiq
from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker
from redis import Redis

from tests.integrations.jobs import job_workers
from tests.receiver import Receiver
from tests.reports import VENDORS, vendor_exception_classes

HERE = Path(__file__).resolve().parent
CARD = "4111111111111111"


@pytest.fixture
def sender(redis_url: str) -> Iterator[RedisBroker]:
    """A broker of the test's own: it sends messages by actor name, as another app would."""
    broker = RedisBroker(url=redis_url)
    yield broker
    broker.close()


def send(broker: RedisBroker, queue: str, actor: str, *args: Any, **kwargs: Any) -> str:
    message = Message(queue_name=queue, actor_name=actor, args=args, kwargs=kwargs, options={})
    broker.enqueue(message)
    return str(message.message_id)


def start_worker(queue: str, receiver: Receiver, redis_url: str) -> subprocess.Popen[bytes]:
    env = job_workers.worker_environment(receiver, redis_url, HERE)
    env["JOB_QUEUE"] = queue
    command = ["-m", "dramatiq", "dramatiq_test_app", "--processes", "1", "--threads", "1",
               "--queues", queue, "--skip-logging"]  # fmt: skip
    return job_workers.start(command, env, HERE)


def stop(worker: subprocess.Popen[bytes]) -> str:
    """SIGTERM, as a process manager stops it: Dramatiq's graceful shutdown."""
    out = job_workers.stop_by_signal(worker)
    assert worker.returncode == 0, out
    return out


def by_actor(found: Dict[str, List[Dict[str, Any]]], vendor: str) -> Dict[str, Dict[str, Any]]:
    actors = [job_workers.custom_data(vendor, p, "dramatiq")["actor"] for p in found[vendor]]
    assert len(actors) == len(set(actors)), (vendor, actors)  # one report per message
    return {job_workers.custom_data(vendor, p, "dramatiq")["actor"]: p for p in found[vendor]}


def test_messages_failing_for_good_are_reported_once_each_with_their_own_scope(
    queue: str, receiver: Receiver, redis_url: str, sender: RedisBroker
) -> None:
    worker = start_worker(queue, receiver, redis_url)
    try:
        send(sender, queue, "leaves_state", "before")
        charge_id = send(sender, queue, "charge", CARD, 3, note="gift", password="hunter2",
                         customer="alice")  # fmt: skip
        send(sender, queue, "leaves_state", "between")
        send(sender, queue, "thrown")
        send(sender, queue, "flaky")
        job_workers.wait_for_reports(receiver, 2)  # charge, then flaky after its two retries
        send(sender, queue, "fence")  # one worker thread: after everything sent before it
        job_workers.wait_for_reports(receiver, 3)
    finally:
        out = stop(worker)
    assert "Failed to process message" in out  # Dramatiq's own handling went on: its log

    found = job_workers.arrived(receiver)
    for vendor in VENDORS:
        assert len(found[vendor]) == 3, (vendor, out)  # charge, flaky, fence: nothing else
        reports = by_actor(found, vendor)
        assert set(reports) == {"charge", "flaky", "fence"}
        charge, flaky = reports["charge"], reports["flaky"]
        job_workers.assert_job_contexts(vendor, {"charge": charge, "flaky": flaky})
        data = job_workers.custom_data(vendor, charge, "dramatiq")
        assert data["message_id"] == charge_id and data["queue"] == queue
        assert data["retries"] == 0
        assert data["args"] == ["[Filtered]", 3]  # the card, by parameter name and value
        job_workers.assert_charge_reported(vendor, charge, data, leaks=["crumb-before"])

        assert (
            job_workers.custom_data(vendor, flaky, "dramatiq")["retries"] == 2
        )  # its third attempt
        flaky_crumbs = job_workers.assert_flaky_reported(vendor, flaky, leak="crumb-between")
        assert flaky_crumbs.count("flaky attempt") == 1, flaky_crumbs  # its own attempt's

    dead = Redis.from_url(redis_url).zrange(f"dramatiq:{queue}.XQ", 0, -1)
    assert len(dead) == 4  # Dramatiq still dead-lettered charge, thrown, flaky and fence
    job_workers.assert_framework_named(found, "dramatiq")


def test_a_worker_stopped_by_sigterm_still_delivers_what_it_queued(
    queue: str, receiver: Receiver, redis_url: str, sender: RedisBroker
) -> None:
    stalls = job_workers.stall_first_report(receiver, 2.2)  # in flight at SIGTERM
    worker = start_worker(queue, receiver, redis_url)
    try:
        send(sender, queue, "charge", CARD, 5)
        assert receiver.wait_for_attempts(1, timeout=30), "no report left the worker"
    finally:
        out = stop(worker)  # while the first report is in flight
    job_workers.assert_delivered_once_each(receiver, stalls, out)


def test_without_the_retries_middleware_every_failure_is_final_and_reported(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    """Dramatiq acks a failed message when no ``Retries`` middleware fails it: nothing
    runs it again, so errorwire reports it (a real Worker's threads, the stub broker)."""
    from dramatiq import Worker
    from dramatiq.brokers.stub import StubBroker

    import errorwire
    from errorwire.integrations.dramatiq import ErrorwireMiddleware

    errorwire.init(**all_vendors)
    broker = StubBroker(middleware=[])
    broker.add_middleware(ErrorwireMiddleware())

    def import_rows(path: str) -> None:
        raise OSError(f"{path}: gone")

    def fine() -> None:
        errorwire.add_breadcrumb("fine ran")

    failing = dramatiq.actor(import_rows, broker=broker, queue_name="plain")
    succeeding = dramatiq.actor(fine, broker=broker, queue_name="plain")
    worker = Worker(broker, worker_timeout=50, worker_threads=1)
    worker.start()
    try:
        succeeding.send()
        failing.send("rows.csv")
        broker.join("plain", fail_fast=False)
        worker.join()
    finally:
        worker.stop()
    assert errorwire.flush(10)
    found = job_workers.arrived(receiver)
    for vendor in VENDORS:
        assert len(found[vendor]) == 1, vendor  # the failure once; the success not
        data = job_workers.custom_data(vendor, found[vendor][0], "dramatiq")
        assert data["actor"] == "import_rows" and data["args"] == ["rows.csv"]
        assert vendor_exception_classes(vendor, found[vendor][0]) == ["OSError"]
