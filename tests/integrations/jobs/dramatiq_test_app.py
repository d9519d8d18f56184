"""The Dramatiq broker and actors the test workers run (``dramatiq dramatiq_test_app``),
on the queue ``$JOB_QUEUE`` of the Redis at ``$REDIS_URL``."""

from __future__ import annotations

import os
from typing import Any, Optional

import dramatiq
from dramatiq.brokers.redis import RedisBroker

import errorwire
from errorwire.core.context import current_scope
from errorwire.integrations.dramatiq import ErrorwireMiddleware

QUEUE = os.environ.get("JOB_QUEUE", "default")

broker = RedisBroker(url=os.environ["REDIS_URL"])
broker.add_middleware(ErrorwireMiddleware())
dramatiq.set_broker(broker)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def charge(card_number: str, amount: int, note: Optional[str] = None, **more: Any) -> None:
    errorwire.add_breadcrumb(f"charging {amount}", category="shop")
    if more.get("customer"):
        errorwire.set_person(id=more["customer"])
    raise ValueError(f"card declined for {amount}")


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def leaves_state(marker: str) -> None:
    """Succeeds after setting person, breadcrumb and tag: none may reach a later report."""
    errorwire.set_person(id=f"person-{marker}")
    errorwire.add_breadcrumb(f"crumb-{marker}")
    current_scope().tags["leak"] = marker


@dramatiq.actor(queue_name=QUEUE, max_retries=2, min_backoff=1, max_backoff=20)
def flaky() -> None:
    errorwire.add_breadcrumb("flaky attempt")
    raise ConnectionError("upstream down")


@dramatiq.actor(queue_name=QUEUE, throws=(KeyError,))
def thrown() -> None:
    """An error the actor expects (``throws``): the message fails, nothing is reported."""
    raise KeyError("no such order")


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def fence() -> None:
    """Sent last, on one worker thread: once its report arrived, the earlier ones did."""
    raise LookupError("fence")
