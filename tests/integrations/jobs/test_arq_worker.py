"""A real arq worker on a real Redis, reporting over HTTP to the receiver: with
errorwire's hooks named in ``WorkerSettings``, and added by ``Errorwire(settings)``."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

pytest.importorskip("arq")

from arq import create_pool
from arq.connections import RedisSettings
from arq.jobs import JobStatus

from errorwire.core.context import current_scope
from tests.integrations.jobs import job_workers
from tests.receiver import Receiver
from tests.reports import VENDORS

HERE = Path(__file__).resolve().parent
CARD = "4111111111111111"
TOKEN = "tok_8f2a9c"  # a card token: nothing in its value says secret, its parameter does
SETTINGS = ["WorkerSettings", "WrappedSettings"]


@pytest.fixture
def queue() -> str:
    return f"arq-{uuid.uuid4().hex[:8]}"


def start_worker(
    settings: str, queue: str, receiver: Receiver, redis_url: str
) -> subprocess.Popen[bytes]:
    env = job_workers.worker_environment(receiver, redis_url, HERE)
    env["JOB_QUEUE"] = queue
    return job_workers.start(["-m", "arq", f"arq_test_app.{settings}"], env, HERE)


def run_jobs(redis_url: str, queue: str, jobs: List[Tuple[Any, ...]]) -> List[str]:
    """Enqueue ``(function, *args, kwargs)`` each, wait until arq is done with all; ids."""

    async def enqueue_and_wait() -> List[str]:
        pool = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=queue)
        try:
            sent = [await pool.enqueue_job(name, *args, **kwargs) for name, *args, kwargs in jobs]
            deadline = time.monotonic() + 60
            for job in sent:
                assert job is not None
                while await job.status() != JobStatus.complete:
                    assert time.monotonic() < deadline, f"job {job.job_id} never completed"
                    await asyncio.sleep(0.05)
            return [job.job_id for job in sent if job is not None]
        finally:
            await pool.aclose()

    return asyncio.run(enqueue_and_wait())


@pytest.mark.parametrize("settings", SETTINGS)
def test_failed_jobs_are_reported_once_each_with_their_own_scope(
    settings: str, queue: str, receiver: Receiver, redis_url: str
) -> None:
    worker = start_worker(settings, queue, receiver, redis_url)
    try:
        # max_jobs=4: the jobs run side by side on the worker's event loop.
        ids = run_jobs(redis_url, queue, [
            ("leaves_state", "before", {}),
            ("charge", TOKEN if settings == "WrappedSettings" else CARD, 3,
             {"note": "gift", "password": "hunter2", "customer": "alice"}),
            ("leaves_state", "between", {}),
            ("flaky", {}),
        ])  # fmt: skip
        job_workers.wait_for_reports(receiver, 2, timeout=30)
    finally:
        out = job_workers.stop_by_signal(worker)
    assert "failed, ValueError" in out  # arq's own handling went on: its log

    found = job_workers.arrived(receiver)
    for vendor in VENDORS:
        assert len(found[vendor]) == 2, (vendor, out)  # charge, flaky: nothing else
        by_function = {
            job_workers.custom_data(vendor, p, "arq")["function"]: p for p in found[vendor]
        }
        charged, flaky = by_function["charge"], by_function["flaky"]
        job_workers.assert_job_contexts(vendor, {"charge": charged, "flaky": flaky})
        data = job_workers.custom_data(vendor, charged, "arq")
        assert data["job_id"] == ids[1] and data["job_try"] == 1
        if settings == "WrappedSettings":  # Errorwire saw the functions: by parameter name
            assert data["args"] == ["[Filtered]", 3]
        else:  # the hooks alone: the card number caught by its value
            assert data["args"][1] == 3 and "4111" not in str(data["args"])
        crumbs = job_workers.assert_charge_reported(vendor, charged, data, leaks=["crumb-"])
        if settings == "WrappedSettings":  # the settings' own hook ran, in the job's scope
            assert "own on_job_start" in crumbs

        flaky_data = job_workers.custom_data(vendor, flaky, "arq")
        assert flaky_data["job_try"] == 3  # its Retry tries were not reported
        flaky_crumbs = job_workers.assert_flaky_reported(vendor, flaky, leak="crumb-")
        assert flaky_crumbs.count("flaky attempt") == 1, flaky_crumbs  # its own try's

    job_workers.assert_framework_named(found, "arq")


@pytest.mark.parametrize("settings", SETTINGS)
def test_a_worker_stopped_by_sigterm_still_delivers_what_it_queued(
    settings: str, queue: str, receiver: Receiver, redis_url: str
) -> None:
    stall = 1.0  # in flight at SIGTERM, within shutdown_timeout (2 s)
    stalls = job_workers.stall_first_report(receiver, stall)
    worker = start_worker(settings, queue, receiver, redis_url)
    try:
        run_jobs(redis_url, queue, [("charge", CARD, 5, {})])
        assert receiver.wait_for_attempts(1, timeout=30), "no report left the worker"
    finally:
        out = job_workers.stop_by_signal(worker)  # while the first report is in flight
    job_workers.assert_delivered_once_each(receiver, stalls, out)


def test_errorwire_on_a_settings_dict_runs_its_hooks_around_the_settings_own(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    import errorwire
    from errorwire.integrations.arq import Errorwire

    errorwire.init(**all_vendors)
    ran: List[str] = []

    async def theirs_start(ctx: Dict[Any, Any]) -> None:
        ran.append(f"theirs start, in errorwire's job scope: {current_scope().framework}")

    async def theirs_shutdown(ctx: Dict[Any, Any]) -> None:
        ran.append("theirs shutdown")

    settings: Dict[str, Any] = {"on_job_start": theirs_start, "on_shutdown": theirs_shutdown}
    Errorwire(settings)
    assert settings["after_job_end"] is not None and settings["on_startup"] is not None

    async def one_job() -> None:
        await settings["on_job_start"]({"job_id": "j1", "job_try": 1})
        await settings["after_job_end"]({"job_id": "j1", "job_try": 1})
        await settings["on_shutdown"]({})

    asyncio.run(one_job())
    assert ran == ["theirs start, in errorwire's job scope: arq", "theirs shutdown"]
