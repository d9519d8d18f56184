"""Tags, context, metadata and person set on the current scope, as each vendor receives them
(the payloads at the local receiver, valid against the vendors' schemas)."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from typing import Any, Dict, Iterator, List

import pytest

import errorwire
from errorwire.core import context as scope_state
from tests.receiver import Receiver
from tests.reports import Reports, start, vendor_context, vendor_section

Env = Dict[str, Any]
MODULE_IMPORTED_AT = time.time()


@pytest.fixture(autouse=True)
def _fresh_process_scope() -> Iterator[None]:
    """Each test starts with an empty process-default scope of its own."""
    token = scope_state._outside.set(scope_state.RequestState())
    yield
    scope_state._outside.reset(token)


def fail() -> None:
    raise RuntimeError("payment declined")


def report() -> None:
    try:
        fail()
    except RuntimeError as exc:
        errorwire.capture_exception(exc)


def rollbar_tags(payload: Dict[str, Any]) -> List[str]:
    return list(payload["data"].get("custom", {}).get("tags", []))


def raygun_tags(payload: Dict[str, Any]) -> List[str]:
    return list(payload["details"].get("tags", []))


def bugsnag_tags(payload: Dict[str, Any]) -> Dict[str, Any]:
    return dict(payload["events"][0]["metaData"].get("tags", {}))


def test_tags_context_metadata_and_person_reach_every_vendor(reports: Reports) -> None:
    errorwire.set_tag("tenant", "acme")
    errorwire.set_tags({"plan": "pro", "seats": 12})
    errorwire.set_context("checkout#pay")
    errorwire.add_metadata("order", {"id": 7, "total": 12.5})
    errorwire.add_metadata("order", {"currency": "EUR"})  # merged into the section
    errorwire.set_person(
        id="42", username="alice", email="a@example.com", name="Alice Liddell", anonymous=False
    )
    report()
    event, payloads = reports.one()

    assert event.metadata == {"order": {"id": 7, "total": 12.5, "currency": "EUR"}}
    order = {"id": 7, "total": 12.5, "currency": "EUR"}
    for vendor, payload in payloads.items():
        assert vendor_section(vendor, payload, "order") == order, vendor

    rollbar, raygun, bugsnag = payloads["rollbar"], payloads["raygun"], payloads["bugsnag"]
    expected_tags = {"tenant:acme", "plan:pro", "seats:12"}
    assert expected_tags <= set(rollbar_tags(rollbar))
    assert expected_tags | {"context:checkout#pay"} <= set(raygun_tags(raygun))
    assert bugsnag_tags(bugsnag) == {"tenant": "acme", "plan": "pro", "seats": "12"}

    assert vendor_context("rollbar", rollbar) == "checkout#pay"
    assert vendor_context("bugsnag", bugsnag) == "checkout#pay"
    assert raygun["details"]["userCustomData"]["context"] == "checkout#pay"

    assert rollbar["data"]["person"] == {"id": "42", "username": "alice", "email": "a@example.com"}
    assert raygun["details"]["user"] == {
        "identifier": "42",
        "isAnonymous": False,
        "email": "a@example.com",
        "fullName": "Alice Liddell",
        "firstName": "Alice",
    }
    assert bugsnag["events"][0]["user"] == {
        "id": "42",
        "name": "Alice Liddell",
        "email": "a@example.com",
    }


def test_one_calls_tags_context_and_metadata_add_to_the_scopes(reports: Reports) -> None:
    errorwire.set_tag("tenant", "acme")
    errorwire.set_tag("plan", "free")
    errorwire.set_context("cart")
    errorwire.add_metadata("order", {"id": 7})
    try:
        fail()
    except RuntimeError as exc:
        errorwire.capture_exception(
            exc,
            tags={"plan": "pro"},
            context="checkout#pay",
            metadata={"order": {"total": 3}, "payment": {"provider": "stripe"}},
        )
    errorwire.capture_message("after", level="warning")
    events = reports.settle()
    assert len(events) == 2
    first, second = events
    assert sorted(first.tags) == ["plan:pro", "tenant:acme"]
    assert first.context == "checkout#pay"
    assert first.metadata == {"order": {"id": 7, "total": 3}, "payment": {"provider": "stripe"}}
    # The call's additions were for its report only.
    assert sorted(second.tags) == ["plan:free", "tenant:acme"]
    assert second.context == "cart"
    assert second.metadata == {"order": {"id": 7}}
    bugsnag = reports.payloads("bugsnag")[0]["events"][0]
    assert bugsnag["metaData"]["payment"] == {"provider": "stripe"}
    assert bugsnag["context"] == "checkout#pay"


def test_metadata_is_scrubbed_like_the_rest(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    errorwire.add_metadata("account", {"login": "alice", "password": "hunter2"})
    errorwire.add_metadata("password", {"kept": "nothing"})
    report()
    _event, payloads = reports.one()
    for vendor, payload in payloads.items():
        account = vendor_section(vendor, payload, "account")
        assert account == {"login": "alice", "password": "[Filtered]"}, vendor
        assert vendor_section(vendor, payload, "password") == {"value": "[Filtered]"}, vendor
        assert "hunter2" not in str(payload) and "nothing" not in str(payload)


def test_a_scope_block_keeps_what_it_sets_inside(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    errorwire.set_tag("tenant", "acme")
    with errorwire.scope():
        errorwire.set_tag("step", "inner")
        errorwire.set_context("inner")
        errorwire.add_metadata("inner", {"n": 1})
        errorwire.set_person(id="in-block")
        report()
    report()
    inner, outer = reports.settle()
    assert sorted(inner.tags) == ["step:inner", "tenant:acme"]
    assert (inner.context, inner.metadata) == ("inner", {"inner": {"n": 1}})
    assert inner.person is not None and inner.person.id == "in-block"
    assert outer.tags == ["tenant:acme"]
    assert (outer.context, outer.metadata, outer.person) == (None, {}, None)


def test_scope_as_a_decorator_of_sync_and_async_functions(reports: Reports) -> None:

    @errorwire.scope()
    def sync_job(n: int) -> int:
        errorwire.set_tag("job", f"sync-{n}")
        report()
        return n

    @errorwire.scope()
    async def async_job(n: int) -> int:
        errorwire.set_tag("job", f"async-{n}")
        await asyncio.sleep(0.01)  # the other task sets its tag meanwhile
        report()
        return n

    async def both() -> List[int]:
        return list(await asyncio.gather(async_job(1), async_job(2)))

    assert sync_job(0) == 0
    assert asyncio.run(both()) == [1, 2]
    report()
    events = reports.settle()
    assert sorted(tuple(e.tags) for e in events) == [
        (),
        ("job:async-1",),
        ("job:async-2",),
        ("job:sync-0",),
    ]


def test_a_generator_function_cannot_be_wrapped() -> None:
    with pytest.raises(TypeError, match="generator"):

        @errorwire.scope()
        def numbers() -> Iterator[int]:
            yield 1


def test_threads_have_scopes_of_their_own(receiver: Receiver, all_vendors: Env) -> None:
    reports = start(receiver, all_vendors)
    ready = threading.Barrier(2)

    def work(name: str) -> None:
        errorwire.set_tag("thread", name)
        ready.wait(timeout=5)  # both have set their tag before either reports
        report()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tuple(e.tags) for e in reports.settle()) == [("thread:a",), ("thread:b",)]


def test_a_level_the_caller_chose_is_a_user_specified_severity(reports: Reports) -> None:
    try:
        fail()
    except RuntimeError as exc:
        errorwire.capture_exception(exc, level="warning")
    _event, payloads = reports.one()
    bugsnag = payloads["bugsnag"]["events"][0]
    assert bugsnag["severityReason"] == {"type": "userSpecifiedSeverity"}
    assert bugsnag["severity"] == "warning"


def test_a_job_scope_starts_clean_and_names_the_job(receiver: Receiver, all_vendors: Env) -> None:
    from errorwire.integrations import jobs

    reports = start(receiver, all_vendors)
    errorwire.set_tag("worker", "w1")  # the worker's own, before any job
    errorwire.set_person(id="left-by-the-worker")
    with jobs.job_scope("dramatiq", "tasks.charge") as scope:
        errorwire.set_tag("amount", 3)
        try:
            fail()
        except RuntimeError as exc:
            client = errorwire.api.ensure_client()
            jobs.report_failure(
                exc, client=client, scope=scope, data_key="dramatiq", data={"job_id": "j1"}
            )
    event, payloads = reports.one()
    assert (event.framework, event.context, event.tags) == (
        "dramatiq",
        "tasks.charge",
        ["amount:3"],
    )
    assert event.person is None and event.handled is False
    assert vendor_context("raygun", payloads["raygun"]) == "tasks.charge"
    assert scope_state.current_scope().tags == {"worker": "w1"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the start time comes from /proc")
def test_bugsnag_app_duration_is_the_age_of_the_process(reports: Reports) -> None:
    report()
    _event, payloads = reports.one()
    duration = payloads["bugsnag"]["events"][0]["app"]["duration"]
    at_least = (time.time() - MODULE_IMPORTED_AT) * 1000  # the process is older than this
    assert at_least - 50 <= duration < 24 * 3600 * 1000
