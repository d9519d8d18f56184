"""A real APScheduler 3 BackgroundScheduler running jobs on its thread pool; errorwire
reports over HTTP to the receiver."""

from __future__ import annotations

import datetime
import threading
import time
from typing import Any, Dict, Iterator, List, Tuple

import pytest

pytest.importorskip("apscheduler")

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

import errorwire
from errorwire.core.context import current_scope
from errorwire.integrations.apscheduler import Errorwire
from tests.receiver import Receiver
from tests.reports import VENDORS, Reports, start, vendor_context

CARD = "4111111111111111"


def charge(card_number: str, cents: int, note: str = "", password: str = "") -> None:
    errorwire.add_breadcrumb("charging", category="payments")
    raise ValueError(f"card declined for {cents} cents")


def greet(user: str) -> None:
    errorwire.set_person(id=user)
    errorwire.add_breadcrumb(f"greeted {user}")
    # A job doing some work: one that ends before APScheduler attaches its completion
    # callback is told on the scheduler's thread (see the module's docstring).
    time.sleep(0.05)


def greet_at_once(user: str) -> None:
    """Done in microseconds: APScheduler often tells of its end from the submitting
    thread (before it attached the completion callback), not from the pool thread."""
    errorwire.set_person(id=user)
    current_scope().tags["greeted"] = user
    errorwire.add_breadcrumb(f"greeted {user}")


def nightly() -> None:
    raise RuntimeError("nightly export failed")


class Ended:
    """Counts the job runs that ended (executed, failed or missed)."""

    def __init__(self, scheduler: Any) -> None:
        self.count = 0
        self.changed = threading.Condition()
        scheduler.add_listener(self._ended, EVENT_JOB_ERROR | EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)

    def _ended(self, event: Any) -> None:
        with self.changed:
            self.count += 1
            self.changed.notify_all()

    def wait(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.count >= count, timeout=20), self.count


@pytest.fixture
def scheduler() -> Iterator[BackgroundScheduler]:
    # One worker thread: consecutive jobs share it, as on a busy scheduler.
    scheduler = BackgroundScheduler(executors={"default": ThreadPoolExecutor(1)}, timezone="UTC")
    yield scheduler
    if scheduler.running:
        scheduler.shutdown(wait=True)


def started_with_errorwire(
    scheduler: BackgroundScheduler, receiver: Receiver, all_vendors: Dict[str, Any]
) -> Tuple[Reports, Ended]:
    """``scheduler`` with ``Errorwire``, started, errorwire reporting to ``receiver``: the
    reports, and the count of the jobs that ended."""
    reports = start(receiver, all_vendors)
    Errorwire(scheduler)
    ended = Ended(scheduler)
    scheduler.start()
    return reports, ended


def soon(seconds: float = 0.0) -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)


def test_a_failing_job_is_one_report_with_its_id_in_a_scope_of_its_own(
    scheduler: BackgroundScheduler, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports, ended = started_with_errorwire(scheduler, receiver, all_vendors)
    scheduler.add_job(greet, "date", run_date=soon(), args=["alice"], id="greet-alice")
    ended.wait(1)
    scheduler.add_job(
        charge,
        "date",
        run_date=soon(),
        id="charge-card",
        name="charge the card",
        args=[CARD, 300],
        kwargs={"note": "gift", "password": "hunter2"},
    )
    ended.wait(2)
    scheduler.shutdown(wait=True)  # flushes

    event, payloads = reports.one()
    assert event.title == "ValueError: card declined for 300 cents"
    assert (event.handled, event.context) == (False, "charge-card")
    data = event.extra["apscheduler"]
    assert data["job_id"] == "charge-card" and data["name"] == "charge the card"
    assert data["function"].endswith(":charge")
    assert data["trigger"].startswith("date[")
    assert data["scheduled_run_time"]
    # Nothing of the job before it on the same thread: its person and breadcrumb.
    assert event.person is None
    crumbs = [c.message for c in event.breadcrumbs]
    assert "charging" in crumbs and "greeted alice" not in crumbs
    for vendor in VENDORS:
        assert vendor_context(vendor, payloads[vendor]) in ("charge-card", None)
        text = str(payloads[vendor])
        assert CARD not in text and "hunter2" not in text  # arguments scrubbed
    assert payloads["bugsnag"]["events"][0]["unhandled"] is True
    assert vendor_context("rollbar", payloads["rollbar"]) == "charge-card"


def test_a_missed_run_is_a_breadcrumb_of_the_jobs_next_report_not_a_report(
    scheduler: BackgroundScheduler, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports, ended = started_with_errorwire(scheduler, receiver, all_vendors)
    scheduler.add_job(nightly, "date", run_date=soon(-30), id="nightly", misfire_grace_time=1)
    ended.wait(1)
    assert errorwire.flush(5)
    assert reports.events == []  # missed: not a report
    scheduler.add_job(nightly, "date", run_date=soon(), id="nightly")
    ended.wait(2)
    scheduler.shutdown(wait=True)

    event, _ = reports.one()
    assert event.context == "nightly"
    missed: List[str] = [c.message for c in event.breadcrumbs if c.category == "apscheduler"]
    assert len(missed) == 1 and missed[0].startswith("run of job nightly scheduled at ")
    assert missed[0].endswith(" was missed")


def test_nothing_of_an_instant_job_reaches_the_next_report_on_its_thread(
    scheduler: BackgroundScheduler, receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    reports, ended = started_with_errorwire(scheduler, receiver, all_vendors)
    # The pool's first job: its thread is started inside the submit, so the job usually
    # ends before APScheduler attaches the completion callback (the path this is about).
    scheduler.add_job(greet_at_once, "date", run_date=soon(), args=["alice"])
    ended.wait(1)
    scheduler.add_job(charge, "date", run_date=soon(), id="charge-card", args=[CARD, 300])
    ended.wait(2)
    scheduler.shutdown(wait=True)

    event, _ = reports.one()
    assert event.context == "charge-card"
    assert event.person is None
    assert not any(tag.startswith("greeted") for tag in event.tags)
    assert not any(c.message.startswith("greeted") for c in event.breadcrumbs)
