"""The Celery app the test workers run (``celery -A celery_test_app worker``)."""

from __future__ import annotations

import os
from typing import Any, Optional

from celery import Celery
from celery.exceptions import Ignore, Reject

import errorwire
from errorwire.core.context import current_scope
from errorwire.integrations.celery import Errorwire

app = Celery("celery_test_app", broker=os.environ["REDIS_URL"], backend=os.environ["REDIS_URL"])
app.conf.update(
    broker_connection_retry_on_startup=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    result_expires=600,
)


class ExpectedError(Exception):
    """In ``ignore``: never reported."""


Errorwire(app, ignore=["celery_test_app.ExpectedError"])


@app.task(name="tasks.charge")
def charge(card_number: str, amount: int, note: Optional[str] = None, **more: Any) -> None:
    errorwire.add_breadcrumb(f"charging {amount}", category="shop")
    errorwire.set_tag("amount", amount)
    errorwire.add_metadata("charge", {"amount": amount})
    if more.get("customer"):
        errorwire.set_person(id=more["customer"])
    raise ValueError(f"card declined for {amount}")


@app.task(name="tasks.leaves_state")
def leaves_state(marker: str) -> str:
    """Succeeds after setting person, breadcrumb, tags, context and metadata: none may
    reach a later report."""
    errorwire.set_person(id=f"person-{marker}")
    errorwire.add_breadcrumb(f"crumb-{marker}")
    current_scope().tags["leak"] = marker
    errorwire.set_tag("leaked", marker)
    errorwire.set_context(f"ctx-{marker}")
    errorwire.add_metadata("leak", {"marker": marker})
    return marker


@app.task(name="tasks.flaky", bind=True, max_retries=2)
def flaky(self: Any) -> None:
    errorwire.add_breadcrumb(f"attempt {self.request.retries}")
    try:
        raise ConnectionError("upstream down")
    except ConnectionError as exc:
        raise self.retry(exc=exc, countdown=0) from exc


@app.task(name="tasks.ignored")
def ignored() -> None:
    raise Ignore()


@app.task(name="tasks.rejected")
def rejected() -> None:
    raise Reject("not for us", requeue=False)


@app.task(name="tasks.expected")
def expected() -> None:
    raise ExpectedError("in the ignore option")


@app.task(name="tasks.thrown", throws=(KeyError,))
def thrown() -> None:
    """An error the task expects (``throws``): the task fails, nothing is reported."""
    raise KeyError("no such order")


@app.task(name="tasks.fence")
def fence() -> None:
    """Sent last: one report process its reports in order, so once this one arrived,
    everything reported before it did."""
    raise LookupError("fence")
