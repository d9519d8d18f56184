"""Real ``rq worker`` processes on a real Redis, reporting over HTTP to the receiver."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest

pytest.importorskip("rq")
pytest.importorskip("redis")

from redis import Redis
from rq import Queue, Retry
from rq.registry import FailedJobRegistry

from tests.integrations.jobs import job_workers
from tests.receiver import Receiver
from tests.reports import VENDORS, vendor_exception_classes, vendor_person_id

HERE = Path(__file__).resolve().parent
CARD = "4111111111111111"
HANDLER = "errorwire.integrations.rq.exception_handler"


def cli(url: str, queue: str) -> List[str]:
    return ["-m", "rq.cli", "worker", "--url", url, "--exception-handler", HANDLER, queue]


def in_code(url: str, queue: str) -> List[str]:
    return ["rq_jobs.py", url, queue]


@pytest.fixture
def queue(redis_url: str) -> Queue:
    return Queue(f"q-{uuid.uuid4().hex[:8]}", connection=Redis.from_url(redis_url))


def payload_for(found: Dict[str, List[Dict[str, Any]]], vendor: str, func: str) -> Dict[str, Any]:
    matches = [
        p for p in found[vendor] if job_workers.custom_data(vendor, p, "rq")["function"] == func
    ]
    assert len(matches) == 1, (vendor, func, len(matches))
    return matches[0]


@pytest.mark.parametrize("how", [cli, in_code], ids=["rq-worker-cli", "Worker-in-code"])
def test_failed_jobs_are_reported_once_and_still_land_in_the_failed_registry(
    how: Any, queue: Queue, receiver: Receiver, redis_url: str
) -> None:
    before = queue.enqueue("rq_jobs.leaves_state", "before")
    charge = queue.enqueue("rq_jobs.charge", CARD, 3, note="gift", password="hunter2",
                           customer="alice")  # fmt: skip
    queue.enqueue("rq_jobs.leaves_state", "between")
    flaky = queue.enqueue("rq_jobs.flaky", retry=Retry(max=2))

    worker = job_workers.start(
        how(redis_url, queue.name), job_workers.worker_environment(receiver, redis_url, HERE), HERE
    )
    failed = FailedJobRegistry(queue=queue)
    try:
        deadline = time.monotonic() + 60
        while len(failed.get_job_ids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        # RQ >= 2 runs the handler before it records the failure, RQ 1.x after: wait for
        # the reports a while. Only the work horse holds them: if it exited without
        # delivering them, they never come.
        job_workers.wait_for_reports(receiver, 2, timeout=10)
        found = job_workers.arrived(receiver)
    finally:
        worker.kill()
        out = job_workers.output_of(worker)
    assert sorted(failed.get_job_ids()) == sorted([charge.id, flaky.id]), out  # RQ went on
    for vendor in VENDORS:
        assert len(found[vendor]) == 2, (vendor, out)  # one each; flaky's retries were not
        charged = payload_for(found, vendor, "rq_jobs.charge")
        data = job_workers.custom_data(vendor, charged, "rq")
        assert data["job_id"] == charge.id and data["queue"] == queue.name
        assert data["args"] == ["[Filtered]", 3]
        leaks = [before.id, "crumb-before"]
        job_workers.assert_charge_reported(vendor, charged, data, leaks)

        retried = payload_for(found, vendor, "rq_jobs.flaky")
        assert job_workers.custom_data(vendor, retried, "rq")["retries_left"] == 0
        assert vendor_exception_classes(vendor, retried) == ["ConnectionError"]
        assert vendor_person_id(vendor, retried) is None
    assert {job_workers.context_of("rollbar", p) for p in found["rollbar"]} == {
        "rq_jobs.charge",
        "rq_jobs.flaky",
    }
    for payload in found["bugsnag"]:
        event = payload["events"][0]
        assert event["context"] in ("rq_jobs.charge", "rq_jobs.flaky")
        assert event["unhandled"] is True
        assert event["severityReason"]["type"] == "unhandledException"
        assert event["app"]["type"] == "rq"
    for payload in found["raygun"]:
        assert "framework:rq" in payload["details"]["tags"]


def simple_worker(url: str, queue: str) -> List[str]:
    """RQ's SimpleWorker: every job in the worker's own process, one after the other."""
    return [*cli(url, queue), "--worker-class", "rq.worker.SimpleWorker"]


@pytest.mark.parametrize("how", [simple_worker, cli], ids=["SimpleWorker", "rq-worker-cli"])
def test_each_job_starts_clean_of_what_earlier_jobs_set(
    how: Any, queue: Queue, receiver: Receiver, redis_url: str
) -> None:
    """Person, tags, context and metadata a job sets reach its own report only."""
    queue.enqueue("rq_jobs.sets_everything", "first")
    plain = queue.enqueue("rq_jobs.flaky")
    queue.enqueue("rq_jobs.sets_everything", "second")
    tagged = queue.enqueue("rq_jobs.tagged_failure", "third")

    worker = job_workers.start(
        how(redis_url, queue.name), job_workers.worker_environment(receiver, redis_url, HERE), HERE
    )
    try:
        job_workers.wait_for_reports(receiver, 2, timeout=60)
        found = job_workers.arrived(receiver)
    finally:
        worker.kill()
        out = job_workers.output_of(worker)
    for vendor in VENDORS:
        assert len(found[vendor]) == 2, (vendor, out)
        first = payload_for(found, vendor, "rq_jobs.flaky")
        assert job_workers.custom_data(vendor, first, "rq")["job_id"] == plain.id
        assert vendor_person_id(vendor, first) is None, vendor
        assert not [t for t in job_workers.vendor_tags(vendor, first) if t.startswith("tenant")], (
            vendor
        )
        assert job_workers.context_of(vendor, first) == "rq_jobs.flaky", vendor
        assert job_workers.vendor_section(vendor, first, "order") is None, vendor

        second = payload_for(found, vendor, "rq_jobs.tagged_failure")
        assert job_workers.custom_data(vendor, second, "rq")["job_id"] == tagged.id
        assert vendor_person_id(vendor, second) is None, vendor
        tags = job_workers.vendor_tags(vendor, second)
        assert "plan:third" in tags and not [t for t in tags if t.startswith("tenant")]
        assert job_workers.context_of(vendor, second) == "ctx-third", vendor
        assert job_workers.vendor_section(vendor, second, "payment") == {"marker": "third"}
        assert job_workers.vendor_section(vendor, second, "order") is None, vendor


def test_a_job_raising_a_base_exception_subclass_is_reported(
    queue: Queue, receiver: Receiver, redis_url: str
) -> None:
    queue.enqueue("rq_jobs.halts")
    worker = job_workers.start(
        cli(redis_url, queue.name), job_workers.worker_environment(receiver, redis_url, HERE), HERE
    )
    try:
        deadline = time.monotonic() + 60
        while any(not receiver.by_vendor(v) for v in VENDORS) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.kill()
    found = job_workers.arrived(receiver)
    for vendor in VENDORS:
        assert len(found[vendor]) == 1, vendor
        assert vendor_exception_classes(vendor, found[vendor][0])[-1].endswith("Halt")
