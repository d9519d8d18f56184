"""``errorwire.integrations.asyncio.install()``: what reaches a real loop's exception
handler is reported, then the handler that was there before runs."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any, Dict, List

import pytest

from errorwire.integrations import asyncio as errorwire_asyncio
from tests.hooks.hook_payloads import VENDORS, bugsnag_unhandled, custom
from tests.receiver import Receiver
from tests.reports import start


async def lose_a_failed_task() -> None:
    """A task that fails and that nobody awaits: asyncio calls the handler when it is gone."""

    async def charge_card() -> None:
        raise ValueError("card declined")

    task = asyncio.get_running_loop().create_task(charge_card(), name="charge-42")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert task.done()
    del task
    gc.collect()


def test_a_task_exception_never_retrieved_is_reported_then_asyncio_logs_it(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    reports = start(receiver, all_vendors)

    async def main() -> None:
        errorwire_asyncio.install()
        await lose_a_failed_task()

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        asyncio.run(main())

    event, payloads = reports.one()
    assert event.title == "ValueError: card declined"
    assert event.handled is False
    assert bugsnag_unhandled(payloads["bugsnag"]) is True
    for vendor in VENDORS:
        described = custom(vendor, payloads[vendor])["asyncio"]
        assert described["message"] == "Task exception was never retrieved"
        assert described["task"] == "charge-42"
        assert described["coroutine"].endswith("charge_card")
    # asyncio's default handler ran after the report, as it would without errorwire.
    logged = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert len(logged) == 1 and logged[0].startswith("Task exception was never retrieved")


def test_the_previous_handler_runs_once_however_often_install_is_called(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    seen: List[str] = []

    def own_handler(loop: asyncio.AbstractEventLoop, context: Dict[str, Any]) -> None:
        seen.append(str(context["message"]))

    def broken_callback() -> None:
        raise KeyError("price")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(own_handler)
        errorwire_asyncio.install()
        errorwire_asyncio.install(loop)
        loop.call_soon(broken_callback)
        await asyncio.sleep(0.01)
        loop.call_exception_handler({"message": "a note without an exception"})

    asyncio.run(main())

    assert len(seen) == 2, seen
    assert seen[0].startswith("Exception in callback")
    assert seen[1] == "a note without an exception"
    event, payloads = reports.one()  # the note had no exception: not reported
    assert event.title == "KeyError: 'price'"
    assert custom("rollbar", payloads["rollbar"])["asyncio"]["message"] == seen[0]


def test_a_loop_not_yet_running_can_be_given(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    reports = start(receiver, all_vendors)
    loop = asyncio.new_event_loop()
    try:
        errorwire_asyncio.install(loop)
        with caplog.at_level(logging.CRITICAL, logger="asyncio"):
            loop.run_until_complete(lose_a_failed_task())
    finally:
        loop.close()

    event, _ = reports.one()
    assert event.title == "ValueError: card declined"


def test_install_outside_a_running_loop_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="no running loop"):
        errorwire_asyncio.install()
