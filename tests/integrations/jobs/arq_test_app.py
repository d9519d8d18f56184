"""The arq functions and worker settings the test workers run (``arq
arq_test_app.WorkerSettings``), on the queue ``$JOB_QUEUE`` of the Redis at
``$REDIS_URL``. ``WorkerSettings`` names errorwire's hooks itself; ``WrappedSettings``
has hooks of its own and ``Errorwire(WrappedSettings)`` adds errorwire's."""

from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, Optional

from arq import Retry
from arq.connections import RedisSettings

import errorwire
from errorwire.core.context import current_scope
from errorwire.integrations.arq import Errorwire, after_job_end, on_job_start

Ctx = Dict[Any, Any]


async def charge(
    ctx: Ctx, card_number: str, amount: int, note: Optional[str] = None, **more: Any
) -> None:
    errorwire.add_breadcrumb(f"charging {amount}", category="shop")
    if more.get("customer"):
        errorwire.set_person(id=more["customer"])
    await asyncio.sleep(0.2)  # while the other jobs set their own state
    raise ValueError(f"card declined for {amount}")


async def leaves_state(ctx: Ctx, marker: str) -> str:
    """Succeeds after setting person, breadcrumb and tag, running beside the failing
    jobs: none may reach their reports."""
    errorwire.set_person(id=f"person-{marker}")
    errorwire.add_breadcrumb(f"crumb-{marker}")
    current_scope().tags["leak"] = marker
    await asyncio.sleep(0.5)
    return marker


async def flaky(ctx: Ctx) -> None:
    """arq's pattern: ``Retry`` while tries are left, the error on the last one."""
    errorwire.add_breadcrumb("flaky attempt")
    if ctx["job_try"] < 3:
        raise Retry(defer=0.05)
    raise ConnectionError("upstream down")


FUNCTIONS = [charge, leaves_state, flaky]
REDIS = RedisSettings.from_dsn(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
QUEUE = os.environ.get("JOB_QUEUE", "arq:queue")


class WorkerSettings:
    functions = FUNCTIONS
    redis_settings = REDIS
    queue_name = QUEUE
    max_jobs = 4
    poll_delay = 0.05
    on_job_start = on_job_start
    after_job_end = after_job_end


async def own_job_start(ctx: Ctx) -> None:
    errorwire.add_breadcrumb("own on_job_start")  # after errorwire's: in the job's scope


class WrappedSettings:
    functions = FUNCTIONS
    redis_settings = REDIS
    queue_name = QUEUE
    max_jobs = 4
    poll_delay = 0.05
    on_job_start = own_job_start


Errorwire(WrappedSettings)
