"""arq jobs with errorwire.

    redis-server --port 6379 --save "" &
    cd example_apps && ROLLBAR_ACCESS_TOKEN=... arq arq_app.WorkerSettings

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox); Redis from ``$REDIS_URL`` (default
redis://127.0.0.1:6379/0). Enqueue with ``(await arq.create_pool(arq_app.REDIS))
.enqueue_job("send_invoice", 42, "alice@example.com")``: it fails and is reported;
``fetch_rates`` raises ``Retry`` twice, then its error on the third try: reported once.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Tuple

from arq import Retry
from arq.connections import RedisSettings

import errorwire
from errorwire.integrations.arq import Errorwire

Ctx = Dict[Any, Any]
REDIS = RedisSettings.from_dsn(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))

DEMO_JOBS: List[Tuple[str, Tuple[Any, ...], dict]] = [
    ("send_invoice", (42, "alice@example.com"), {"password": "not for reports"}),
    ("fetch_rates", (), {}),
    ("add", (2, 3), {}),
]
"""What ``example_apps/run_demo.py`` enqueues (function, args, kwargs)."""


async def send_invoice(ctx: Ctx, invoice: int, email: str, password: str = "") -> None:
    errorwire.set_person(id="alice", email=email)
    errorwire.add_breadcrumb("rendering the invoice", category="billing")
    raise RuntimeError(f"invoice {invoice}: the mail server refused it")


async def fetch_rates(ctx: Ctx) -> None:
    if ctx["job_try"] < 3:
        raise Retry(defer=0.1)  # not a failure: arq runs it again
    raise ConnectionError("the rates API did not answer")


async def add(ctx: Ctx, a: int, b: int) -> int:
    return a + b


class WorkerSettings:
    functions = [send_invoice, fetch_rates, add]
    redis_settings = REDIS
    poll_delay = 0.1


Errorwire(WorkerSettings)  # errorwire's hooks, and a flush at shutdown
