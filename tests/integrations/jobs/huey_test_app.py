"""The Huey instance and tasks the test consumers run (``huey_consumer
tests.integrations.jobs.huey_test_app.huey``), named ``$JOB_QUEUE`` on the Redis at
``$REDIS_URL``. The tests import it by the same name, to enqueue."""

from __future__ import annotations

import os
from typing import Any, Optional

from huey import RedisHuey
from huey.exceptions import RetryTask

import errorwire
from errorwire.core.context import current_scope
from errorwire.integrations.huey import Errorwire

huey = RedisHuey(os.environ.get("JOB_QUEUE", "huey-tests"), url=os.environ["REDIS_URL"])
Errorwire(huey)


@huey.task()
def charge(card_number: str, amount: int, note: Optional[str] = None, **more: Any) -> None:
    errorwire.add_breadcrumb(f"charging {amount}", category="shop")
    if more.get("customer"):
        errorwire.set_person(id=more["customer"])
    raise ValueError(f"card declined for {amount}")


@huey.task()
def leaves_state(marker: str) -> str:
    """Succeeds after setting person, breadcrumb and tag: none may reach a later report."""
    errorwire.set_person(id=f"person-{marker}")
    errorwire.add_breadcrumb(f"crumb-{marker}")
    current_scope().tags["leak"] = marker
    return marker


@huey.task(retries=2)
def flaky() -> None:
    errorwire.add_breadcrumb("flaky attempt")
    raise ConnectionError("upstream down")


@huey.task()
def retried_on_request() -> None:
    """``RetryTask`` with no retries left: Huey's way to say "again", not an error."""
    raise RetryTask()


@huey.task()
def fence() -> None:
    """Sent last, on one worker: once its report arrived, the earlier ones did."""
    raise LookupError("fence")
