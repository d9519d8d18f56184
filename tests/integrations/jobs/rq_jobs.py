"""The functions the RQ test workers run, and a worker built in code
(``python rq_jobs.py REDIS_URL QUEUE``: ``Worker(exception_handlers=[...])``)."""

from __future__ import annotations

import sys
from typing import Any

import errorwire
from errorwire.core.context import current_scope


def charge(card_number: str, amount: int, note: str = "", **more: Any) -> None:
    errorwire.add_breadcrumb(f"charging {amount}", category="shop")
    if more.get("customer"):
        errorwire.set_person(id=more["customer"])
    raise ValueError(f"card declined for {amount}")


def leaves_state(marker: str) -> str:
    errorwire.set_person(id=f"person-{marker}")
    errorwire.add_breadcrumb(f"crumb-{marker}")
    current_scope().tags["leak"] = marker
    return marker


def sets_everything(marker: str) -> str:
    """A job that succeeds after setting what a later job must not carry."""
    errorwire.set_person(id=f"person-{marker}", name=f"Name {marker}")
    errorwire.set_tag("tenant", marker)
    errorwire.set_context(f"ctx-{marker}")
    errorwire.add_metadata("order", {"marker": marker})
    return marker


def tagged_failure(marker: str) -> None:
    errorwire.set_tag("plan", marker)
    errorwire.set_context(f"ctx-{marker}")
    errorwire.add_metadata("payment", {"marker": marker})
    raise LookupError(f"no price for {marker}")


class Halt(BaseException):
    """A library's own BaseException (not one that stops the process)."""


def halts() -> None:
    raise Halt("stopped in the job")


def flaky() -> None:
    raise ConnectionError("upstream down")


def main(url: str, queue: str) -> None:
    from redis import Redis
    from rq import Queue, Worker

    from errorwire.integrations.rq import exception_handler

    connection = Redis.from_url(url)
    worker = Worker([Queue(queue, connection=connection)], connection=connection,
                    exception_handlers=[exception_handler])  # fmt: skip
    worker.work()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
