"""The worker's life: a bounded queue, one thread, flush, circuit, sync and uWSGI modes, fork."""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
import types
from typing import Any, Dict, List

import pytest

import errorwire
from errorwire.core.config import Options, Raygun
from errorwire.core.event import Event
from errorwire.transport import Transport
from errorwire.vendors.base import Outgoing, to_json
from tests.helpers import QUICK, closed_port_url
from tests.receiver import Receiver, Reply
from tests.transport.transport_helpers import (
    SubmitClock,
    capture,
    logged,
    message,
    messages,
)


@pytest.fixture(autouse=True)
def _log_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="errorwire")


def test_flush_after_500_queued_reports_delivers_all_of_them(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    clock = SubmitClock(errorwire.init(**all_vendors, storm_limit=1000))  # one grouping key
    capture(500)
    assert errorwire.flush(30)
    clock.assert_caller_not_held()
    expected = sorted(f"report {i}" for i in range(500))
    for vendor in ("rollbar", "raygun", "bugsnag"):
        assert messages(receiver.received, vendor) == expected
    stats = errorwire.stats()
    assert stats["transport"]["sent"] == 1500
    assert stats["transport"]["dropped"] == {}
    assert stats["transport"]["unfinished"] == 0


class BlockingRender:
    """A render that holds the worker on its first event until released."""

    def __init__(self, vendor: Raygun) -> None:
        self.vendor = vendor
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, event: Event) -> List[Outgoing]:
        self.started.set()
        self.release.wait(10)
        payload = {"id": event.event_id}
        return [Outgoing(self.vendor, payload, to_json(payload), {})]


def test_full_queue_drops_the_newest_counts_them_and_warns_once_per_burst(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    options = Options(raygun=Raygun(api_key="key", endpoint=receiver.endpoints()["raygun"]))
    options.queue_size = 5
    render = BlockingRender(options.raygun)  # type: ignore[arg-type]
    counted: List[str] = []
    transport = Transport(options, render, lambda name, amount: counted.extend([name] * amount))
    try:
        first = Event()
        assert transport.submit(first)
        assert render.started.wait(5)
        kept = [Event() for _ in range(5)]
        dropped = [Event() for _ in range(3)]
        assert all(transport.submit(e) for e in kept)
        assert not any(transport.submit(e) for e in dropped)
        assert logged(caplog).count("queue full") == 1
        render.release.set()
        assert transport.flush(5)
        delivered = sorted(r.json()["id"] for r in receiver.received)
        assert delivered == sorted(e.event_id for e in [first, *kept])
        assert transport.stats()["transport"]["dropped"] == {"queue_full": 3}
        assert counted == ["dropped_queue_full"] * 3
        # The next accepted report ends the burst and says how many were lost.
        assert transport.submit(Event())
        assert "drains again; 3 reports were dropped" in logged(caplog)
        assert transport.flush(5)
        assert len(receiver.received) == 7
    finally:
        render.release.set()
        transport.close(1)


def test_a_paused_vendor_keeps_at_most_queue_size_reports_and_the_others_get_all(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("raygun", Reply(429, headers={"Retry-After": "60"}))
    client = errorwire.init(**all_vendors, **QUICK, queue_size=3)
    for index in range(6):
        capture(1, f"r{index}")
        receiver.wait_for(2 * index + 2)  # rollbar and bugsnag have it: it was distributed
    assert messages(receiver.received, "rollbar") == [f"r{i} 0" for i in range(6)]
    raygun = errorwire.stats()["raygun"]
    assert raygun["dropped"] == {"backlog_full": 3}
    assert raygun["waiting"] == 3
    assert "backlog_full" in logged(caplog)
    client.close(timeout=0.1)
    assert errorwire.stats()["raygun"]["dropped"] == {"backlog_full": 3, "shutdown": 3}


def test_an_error_storm_uses_one_worker_thread(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    if not os.path.isdir("/proc/self/task"):
        pytest.skip("counts threads through /proc")
    errorwire.init(**all_vendors, storm_limit=1000)
    before = len(os.listdir("/proc/self/task"))
    capture(200)
    during = len(os.listdir("/proc/self/task"))
    assert errorwire.flush(30)
    # One worker, plus the receiver's thread for the one kept-alive connection.
    assert during - before <= 2
    assert len(receiver.received) == 600


def test_a_dead_vendor_does_not_delay_a_healthy_one(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    with Receiver() as dead:
        dead.responder = lambda item: Reply(500, stall=5.0)
        client = errorwire.init(
            rollbar=errorwire.Rollbar(access_token="t", endpoint=dead.endpoints()["rollbar"]),
            raygun=errorwire.Raygun(api_key="k", endpoint=receiver.endpoints()["raygun"]),
            **{**QUICK, "read_timeout": 0.3, "circuit_failures": 5, "circuit_cooldown": 30.0},
        )
        clock = SubmitClock(client)
        capture(20)
        clock.assert_caller_not_held()
        healthy = receiver.wait_for(20, timeout=10)
        assert messages(healthy, "raygun") == sorted(f"report {i}" for i in range(20))
        # The dead vendor was tried until its circuit opened, then left alone: two
        # timeouts in a row are enough, as each holds the one worker thread.
        assert len(dead.attempts) == 2
        stats = errorwire.stats()
        assert stats["rollbar"]["circuit"] == "open"
        assert stats["raygun"]["circuit"] == "closed"
        assert "rollbar failed 2 times in a row (last: read timeout); circuit open" in logged(
            caplog
        )
        assert not errorwire.flush(0.1)
        client.close(timeout=0.1)
        assert errorwire.stats()["rollbar"]["dropped"] == {"shutdown": 20}
        assert "shutting down with 20 reports not delivered" in logged(caplog)


def test_an_open_circuit_closes_when_the_vendor_answers_again(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("rollbar", Reply(500), Reply(500))
    errorwire.init(**all_vendors, **{**QUICK, "circuit_failures": 2, "circuit_cooldown": 0.3})
    capture(3)
    assert errorwire.flush(10)
    assert messages(receiver.received, "rollbar") == ["report 0", "report 1", "report 2"]
    attempts = receiver.attempts_for("rollbar")
    assert attempts[2].at - attempts[1].at >= 0.25  # paused for the cooldown
    assert errorwire.stats()["rollbar"]["circuit"] == "closed"
    assert "circuit open" in logged(caplog)
    assert "rollbar answers again; resumed" in logged(caplog)


def test_sync_mode_sends_before_capture_returns(
    receiver: Receiver, all_vendors: Dict[str, Any]
) -> None:
    receiver.script_for("raygun", Reply(500))
    errorwire.init(**all_vendors, **QUICK, sync=True)
    capture(1)
    assert messages(receiver.received, "raygun") == ["report 0"]
    assert len(receiver.received) == 3
    stats = errorwire.stats()["transport"]
    assert (stats["mode"], stats["worker"], stats["sent"]) == ("sync", "idle", 3)


def test_sync_mode_does_not_hold_the_caller_for_a_long_retry_after(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script_for("raygun", Reply(429, headers={"Retry-After": "60"}))
    errorwire.init(**all_vendors, **QUICK, sync=True)
    capture(1)
    assert receiver.by_vendor("raygun") == []
    assert len(receiver.received) == 2
    assert errorwire.stats()["raygun"]["dropped"] == {"rate_limited": 1}
    assert "it asks to wait 60 s" in logged(caplog)


def test_sync_mode_drops_at_once_while_a_vendor_circuit_is_open(
    receiver: Receiver, all_vendors: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    all_vendors["raygun"] = errorwire.Raygun(api_key="k", endpoint=closed_port_url("/entries"))
    errorwire.init(**all_vendors, **{**QUICK, "circuit_failures": 2}, sync=True)
    capture(3)
    raygun = errorwire.stats()["raygun"]
    assert raygun["dropped"] == {"circuit_open": 3}
    assert raygun["retried"] == 1  # two attempts for the first report, none after
    assert len(receiver.received) == 6
    assert "circuit open" in logged(caplog)


@pytest.mark.parametrize(
    ("opt", "mode"),
    [
        ({"master": True}, "inline"),
        ({"enable-threads": b"false"}, "inline"),
        ({"enable-threads": True}, "thread"),
        ({"threads": b"4"}, "thread"),
    ],
)
def test_under_uwsgi_without_threads_reports_are_sent_inline_and_the_log_says_why(
    receiver: Receiver,
    all_vendors: Dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    opt: Dict[str, Any],
    mode: str,
) -> None:
    # The uwsgi module exists only inside a uWSGI server; this is its options table.
    fake = types.ModuleType("uwsgi")
    fake.opt = opt  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "uwsgi", fake)
    errorwire.init(**all_vendors)
    capture(2)
    assert errorwire.stats()["transport"]["mode"] == mode
    if mode == "inline":
        assert len(receiver.received) == 6  # already sent, no flush needed
        assert logged(caplog).count("uWSGI runs without enable-threads") == 1
    else:
        assert errorwire.flush(5)
        assert len(receiver.received) == 6
        assert "uWSGI" not in logged(caplog)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_reports_with_its_own_worker_and_the_parent_is_untouched(
    receiver: Receiver,
) -> None:
    raygun = errorwire.Raygun(api_key="k", endpoint=receiver.endpoints()["raygun"])
    errorwire.init(raygun=raygun, **{**QUICK, "read_timeout": 3.0})
    capture(1, "before fork")
    assert errorwire.flush(5)
    # The parent's worker is busy with a slow answer while the child is forked.
    receiver.script_for("raygun", Reply(202, stall=0.5))
    capture(3, "parent")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        os._exit(_child_reports(write_end))
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        child_says = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, child_says
    assert errorwire.flush(5)
    capture(1, "after fork")
    assert errorwire.flush(5)
    got = sorted(message(r) for r in receiver.received)
    assert got == sorted(
        ["before fork 0", "parent 0", "parent 1", "parent 2", "child 0", "after fork 0"]
    )
    by_message = {message(r): r.peer for r in receiver.received}
    # The parent kept its one connection; the child opened its own.
    assert by_message["before fork 0"] == by_message["after fork 0"] == by_message["parent 2"]
    assert by_message["child 0"] != by_message["before fork 0"]
    assert errorwire.stats()["raygun"]["sent"] == 5


def _child_reports(write_end: int) -> int:  # pragma: no cover - runs in a forked child
    """Report once from the child; 0 when its own worker delivered it and counted afresh."""
    verdict = "?"
    try:
        capture(1, "child")
        fresh = errorwire.stats()["raygun"]["sent"] == 0
        delivered = errorwire.flush(5)
        stats = errorwire.stats()
        verdict = (
            "ok"
            if fresh and delivered and stats["raygun"]["sent"] == 1
            else repr((fresh, delivered, stats))
        )
    except BaseException:
        verdict = traceback.format_exc()
    with os.fdopen(write_end, "w") as pipe:
        pipe.write(verdict)
    return 0 if verdict == "ok" else 1


@pytest.mark.parametrize("queue_size", [1, 8, 64])
def test_reports_rendered_in_runs_all_arrive_and_none_is_dropped_for_room(
    receiver: Receiver, all_vendors: Dict[str, Any], queue_size: int
) -> None:
    # The worker renders what is queued in runs before sending; the lanes' room
    # (queue_size each) must still take every report of a full queue.
    errorwire.init(**all_vendors, queue_size=queue_size, storm_limit=1000)
    capture(queue_size)
    assert errorwire.flush(20)
    stats = errorwire.stats()
    for vendor in ("rollbar", "raygun", "bugsnag"):
        assert len(receiver.by_vendor(vendor)) == queue_size
        assert stats[vendor]["dropped"] == {}
    assert stats["transport"]["dropped"] == {}
