"""``errorwire.monitor(name)``: an escaping exception is reported with ``name`` as its
context and re-raised unchanged; a block that ends normally sends nothing."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from typing import Any, AsyncIterator, Dict, Iterator, List

import pytest

import errorwire
from tests.hooks.hook_payloads import VENDORS, breadcrumbs, bugsnag_unhandled, context
from tests.receiver import Receiver
from tests.reports import Reports, start, vendor_tags


def check_monitored(reports: Reports, name: str, title: str) -> Dict[str, Dict[str, Any]]:
    """One unhandled report whose context (and Raygun tag) is ``name``."""
    event, payloads = reports.one()
    assert event.title == title
    assert event.handled is False
    assert bugsnag_unhandled(payloads["bugsnag"]) is True
    for vendor in VENDORS:
        assert f"monitor:{name}" in vendor_tags(vendor, payloads[vendor])
        if vendor != "raygun":  # Raygun has no context field
            assert context(vendor, payloads[vendor]) == name
    return payloads


def test_a_decorated_function_that_raises_is_reported_and_the_exception_goes_on_unchanged(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    raised: List[BaseException] = []

    @errorwire.monitor("nightly-import")
    def import_rows(count: int) -> None:
        errorwire.add_breadcrumb(f"read {count} rows")
        error = ValueError("row 7 is not a number")
        raised.append(error)
        raise error

    with pytest.raises(ValueError) as caught:
        import_rows(7)

    assert caught.value is raised[0]
    assert caught.traceback[-1].name == "import_rows"
    payloads = check_monitored(reports, "nightly-import", "ValueError: row 7 is not a number")
    for vendor in VENDORS:
        assert breadcrumbs(vendor, payloads[vendor])[-1] == "read 7 rows"


def test_a_decorated_function_that_returns_sends_nothing_and_keeps_its_name_and_value(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)

    @errorwire.monitor("nightly-import")
    def import_rows(count: int) -> int:
        """Import ``count`` rows."""
        return count * 2

    assert import_rows(21) == 42
    assert (import_rows.__name__, import_rows.__doc__) == ("import_rows", "Import ``count`` rows.")
    reports.none()


def test_an_async_function_is_monitored_while_it_runs(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)

    @errorwire.monitor("sync-prices")
    async def sync_prices() -> None:
        await asyncio.sleep(0)
        errorwire.add_breadcrumb("prices fetched")
        raise ConnectionError("feed closed")

    assert asyncio.iscoroutinefunction(sync_prices)
    with pytest.raises(ConnectionError, match="feed closed"):
        asyncio.run(sync_prices())

    payloads = check_monitored(reports, "sync-prices", "ConnectionError: feed closed")
    assert breadcrumbs("rollbar", payloads["rollbar"])[-1] == "prices fetched"


def test_with_and_async_with_blocks(receiver: Receiver, all_vendors: Dict[str, Any]) -> None:
    reports = start(receiver, all_vendors)

    with pytest.raises(KeyError), errorwire.monitor("rebuild-index"):
        {}["page"]

    async def job() -> None:
        async with errorwire.monitor("send-mails"):
            raise TimeoutError("smtp")

    with pytest.raises(TimeoutError):
        asyncio.run(job())

    events = reports.settle()
    assert [(e.title, e.context, e.handled) for e in events] == [
        ("KeyError: 'page'", "rebuild-index", False),
        ("TimeoutError: smtp", "send-mails", False),
    ]


def test_what_happens_inside_the_block_stays_in_it(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)

    def script() -> None:
        errorwire.add_breadcrumb("before the block")
        with pytest.raises(RuntimeError), errorwire.monitor("cleanup"):
            errorwire.set_person(id="7")
            errorwire.add_breadcrumb("inside the block")
            raise RuntimeError("disk full")
        errorwire.capture_message("after the block")

    contextvars.Context().run(script)  # a context of its own: no breadcrumbs of other tests

    inside, after = reports.settle()
    assert (inside.context, inside.person and inside.person.id) == ("cleanup", "7")
    assert [c.message for c in inside.breadcrumbs] == ["before the block", "inside the block"]
    assert (after.context, after.person) == (None, None)
    assert [c.message for c in after.breadcrumbs] == ["before the block"]
    assert not any(tag.startswith("monitor") for tag in after.tags)


def test_a_nested_monitor_reports_once_under_the_innermost_name(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)

    with pytest.raises(ValueError), errorwire.monitor("nightly"), errorwire.monitor("step-2"):
        raise ValueError("bad")

    check_monitored(reports, "step-2", "ValueError: bad")
    assert errorwire.stats()["client"].get("duplicate", 0) == 0


def test_threads_running_one_monitored_function_keep_their_own_person(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports = start(receiver, all_vendors)
    both_inside = threading.Barrier(2)

    @errorwire.monitor("per-customer")
    def run_for(customer: str) -> None:
        errorwire.set_person(id=customer)
        both_inside.wait(timeout=10)
        raise LookupError(customer)

    def thread_main(customer: str) -> None:
        with contextlib.suppress(LookupError):
            run_for(customer)

    threads = [threading.Thread(target=thread_main, args=(c,)) for c in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    events = reports.settle()
    assert sorted((e.title, e.person and e.person.id) for e in events) == [
        ("LookupError: a", "a"),
        ("LookupError: b", "b"),
    ]


@pytest.mark.parametrize("name", ["", "  ", None, 3])
def test_a_monitor_needs_a_name(name: Any) -> None:
    with pytest.raises(errorwire.ConfigError, match="monitor name"):
        errorwire.monitor(name)


def test_a_generator_function_is_refused_rather_than_left_unwatched() -> None:
    def rows() -> Iterator[int]:
        yield 1

    async def pages() -> AsyncIterator[int]:
        yield 1

    for func in (rows, pages):
        with pytest.raises(TypeError, match="generator function"):
            errorwire.monitor("export")(func)
