"""The spool across real processes: an outage then a restart, kill -9 mid-send, three
processes sharing one folder, the bound, a corrupt file. Asserted at the receiver."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.receiver import Received, Receiver, Reply
from tests.schemas import assert_valid
from tests.spool.spool_helpers import (
    ROOT,
    VENDORS,
    arrivals,
    down_endpoints,
    event_id,
    finish,
    message,
    messages,
    run,
    spool_size,
    start,
)

HERE = Path(__file__).resolve().parent


def test_reports_of_an_outage_are_sent_by_the_next_process_oldest_first(
    receiver: Receiver, tmp_path: Path
) -> None:
    outage = run(tmp_path, down_endpoints(), capture=5, prefix="outage", settle=20)
    spool = outage.stats["spool"]
    assert spool["written"] == {"retries_exhausted": 15}
    assert spool["waiting"] == 15
    assert outage.stats["transport"]["dropped"] == {}
    assert receiver.attempts == []

    # The next process reports an error of its own at once; the spool's go out beside it.
    restart = run(tmp_path, receiver.endpoints(), capture=1, prefix="fresh", drain=20)
    assert restart.stats["spool"]["waiting"] == 0
    assert restart.stats["spool"]["sent"] == 15
    for vendor in VENDORS:
        got = messages(receiver.received, vendor)
        assert sorted(got) == sorted([f"outage {i}" for i in range(5)] + ["fresh 0"])
        assert [m for m in got if m.startswith("outage")] == [f"outage {i}" for i in range(5)]
        ids = [event_id(r) for r in receiver.by_vendor(vendor) if message(r) != "fresh 0"]
        assert ids == outage.ids  # the very reports the first process rendered
        for item in receiver.by_vendor(vendor):
            assert_valid(vendor, item.json())
    # Accepted rows are deleted: a third process finds nothing to send.
    third = run(tmp_path, receiver.endpoints(), drain=5)
    assert third.stats["spool"]["sent"] == 0
    assert len(receiver.received) == 18


def test_reports_still_queued_at_exit_go_to_the_spool(receiver: Receiver, tmp_path: Path) -> None:
    # The vendor stalls: nothing is delivered within the shutdown timeout.
    stalling = [True]
    receiver.responder = lambda item: Reply(202, stall=3.0) if stalling[0] else None
    raygun = {"raygun": receiver.endpoints()["raygun"]}
    options = {"shutdown_timeout": 0.3, "read_timeout": 10.0}
    exiting = run(tmp_path, raygun, capture=4, prefix="exit", options=options)
    assert "4 kept in the spool" in exiting.stderr, exiting.stderr
    time.sleep(3.5)  # the stalled request ends: the vendor accepted the one in flight
    stalling[0] = False

    later = run(tmp_path, raygun, drain=20)
    assert later.stats["spool"]["waiting"] == 0
    counts = arrivals(receiver.received, "raygun")
    assert set(counts) == {f"raygun:{i}" for i in exiting.ids}  # none lost
    assert sorted(counts.values()) == [1, 1, 1, 2]  # the one in flight at exit, twice


def test_a_process_killed_mid_send_loses_nothing_and_sends_at_most_twice(
    receiver: Receiver, tmp_path: Path
) -> None:
    outage = run(tmp_path, down_endpoints(("rollbar",)), capture=6, prefix="kill", settle=20)
    assert outage.stats["spool"]["waiting"] == 6
    held = []

    def stall_first(item: Received) -> Reply | None:
        if not held:
            held.append(item)
            return Reply(200, stall=2.0, body={"err": 0, "result": {"uuid": "0"}})
        return None

    receiver.responder = stall_first
    sender = start(tmp_path, {"rollbar": receiver.endpoints()["rollbar"]}, drain=30)
    assert receiver.wait_for_attempts(1, timeout=20), "the sender never sent"
    os.kill(sender.pid, signal.SIGKILL)  # while its first report is at the vendor
    sender.communicate(timeout=10)
    assert sender.returncode == -signal.SIGKILL
    time.sleep(2.5)  # the vendor accepts the stalled report after its sender died
    receiver.responder = None

    survivor = run(tmp_path, {"rollbar": receiver.endpoints()["rollbar"]}, drain=30)
    assert survivor.stats["spool"]["waiting"] == 0
    counts = arrivals(receiver.received, "rollbar")
    assert set(counts) == {f"rollbar:{i}" for i in outage.ids}  # none lost
    assert max(counts.values()) <= 2
    twice = [key for key, n in counts.items() if n == 2]
    assert len(twice) <= 1, twice  # only the one in flight when the process died
    for item in receiver.received:
        assert_valid("rollbar", item.json())


def answer_slowly(item: Received) -> None:
    time.sleep(0.01)


def test_three_processes_share_one_folder_and_each_report_is_sent_once(
    receiver: Receiver, tmp_path: Path
) -> None:
    # Three processes spool at the same time during an outage...
    down = down_endpoints()
    writers = [start(tmp_path, down, capture=20, prefix=f"p{n}", settle=30) for n in range(3)]
    written = [finish(p) for p in writers]
    ids = {i for w in written for i in w.ids}
    assert len(ids) == 60
    # ...and three processes drain it at the same time, the vendor answering in 10 ms.
    receiver.responder = answer_slowly
    drainers = [start(tmp_path, receiver.endpoints(), drain=60) for _ in range(3)]
    drained = [finish(p, timeout=120) for p in drainers]
    counts = arrivals(receiver.received)
    assert set(counts) == {f"{vendor}:{i}" for vendor in VENDORS for i in ids}
    assert set(counts.values()) == {1}, [k for k, n in counts.items() if n > 1]
    sent = [d.stats["spool"]["sent"] for d in drained]
    assert sum(sent) == 180
    assert sum(1 for n in sent if n > 0) >= 2, sent
    assert all(d.stats["spool"]["waiting"] == 0 for d in drained)


def test_the_spool_keeps_to_its_bound_dropping_the_oldest(
    receiver: Receiver, tmp_path: Path
) -> None:
    bound = 1024 * 1024
    outage = run(
        tmp_path,
        down_endpoints(("raygun",)),
        capture=60,
        prefix="big",
        padding=40_000,
        settle=30,
        options={"spool_max_bytes": bound},
    )
    spool = outage.stats["spool"]
    dropped = spool["dropped"].get("spool_full", 0)
    assert dropped > 30, outage.stats
    assert dropped > 30
    assert spool["waiting"] == 60 - dropped
    assert spool["bytes"] <= bound * 7 / 8  # the rest is for SQLite's own pages and its log
    size = spool_size(tmp_path)
    assert size <= bound, f"{size} bytes on disk for a bound of {bound}"
    assert "spool_max_bytes" in outage.stderr

    run(tmp_path, {"raygun": receiver.endpoints()["raygun"]}, drain=20)
    kept = [f"big {i}" for i in range(dropped, 60)]
    assert messages(receiver.received, "raygun") == kept  # the newest, oldest first


def test_a_corrupt_spool_is_set_aside_and_reporting_goes_on(
    receiver: Receiver, tmp_path: Path
) -> None:
    (tmp_path / "errorwire-spool.sqlite3").write_bytes(b"this is no database " * 500)
    first = run(tmp_path, {"raygun": receiver.endpoints()["raygun"]}, capture=2, drain=10)
    assert messages(receiver.received, "raygun") == ["report 0", "report 1"]
    assert first.stderr.count("is corrupt") == 1
    assert first.stats["spool"]["dropped"] == {"corrupt_file": 1}
    assert (tmp_path / "errorwire-spool.sqlite3.corrupt").read_bytes().startswith(b"this is no")
    # The new file works: an outage is kept and sent by the next process.
    run(tmp_path, down_endpoints(("raygun",)), capture=1, prefix="after", settle=20)
    run(tmp_path, {"raygun": receiver.endpoints()["raygun"]}, drain=20)
    assert messages(receiver.received, "raygun")[-1] == "after 0"


def test_forked_workers_of_a_preloading_server_share_the_parents_spool(
    receiver: Receiver, tmp_path: Path
) -> None:
    outage = run(tmp_path, down_endpoints(("raygun",)), capture=30, prefix="old", settle=20)
    assert outage.stats["spool"]["waiting"] == 30
    receiver.responder = answer_slowly  # the parent is still sending when the children run
    result = subprocess.run(
        [
            sys.executable,
            str(HERE / "fork_app.py"),
            str(tmp_path),
            receiver.endpoints()["raygun"],
            "3",
        ],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["codes"] == [0, 0, 0]
    assert out["stats"]["spool"]["waiting"] == 0
    assert "corrupt" not in result.stderr
    counts = arrivals(receiver.received, "raygun")
    assert set(counts) == {f"raygun:{i}" for i in outage.ids} | {
        f"raygun:{event_id(r)}" for r in receiver.received if message(r).startswith("child")
    }
    assert set(counts.values()) == {1}
    assert sorted(m for m in messages(receiver.received, "raygun") if m.startswith("child")) == [
        "child 0",
        "child 1",
        "child 2",
    ]
