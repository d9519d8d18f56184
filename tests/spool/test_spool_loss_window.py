"""spool_after: what a kill -9 can lose is the last spool_after seconds, and eviction by age."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

import errorwire
from errorwire.transport.spool import Spool
from tests.receiver import Receiver, Reply
from tests.spool.spool_helpers import VENDORS, arrivals, down_endpoints, messages, run, start


def test_a_process_killed_half_a_second_after_capture_loses_nothing(
    receiver: Receiver, tmp_path: Path
) -> None:
    with Receiver() as stalling:
        stalling.responder = lambda item: Reply(200, stall=5.0)
        endpoints = {**receiver.endpoints(), "rollbar": stalling.endpoints()["rollbar"]}
        doomed = start(
            tmp_path,
            endpoints,
            capture=20,
            prefix="doomed",
            drain=60,
            # 0.1 s, not the default 0.25: the margin to the kill is the worker's time to
            # render and write 60 rows, on a VM whose load runs at 7 per core.
            options={"read_timeout": 10, "spool_after": 0.1},
        )
        assert doomed.stdout is not None
        ids = json.loads(doomed.stdout.readline())["ids"]
        time.sleep(0.5)
        os.kill(doomed.pid, signal.SIGKILL)  # Rollbar still stalling; nothing flushed at exit
        doomed.communicate(timeout=10)
        assert doomed.returncode == -signal.SIGKILL
    assert len(ids) == 20 and all(ids)
    survivor = run(tmp_path, receiver.endpoints(), drain=30)
    assert survivor.stats["spool"]["waiting"] == 0
    counts = arrivals(receiver.received)
    assert set(counts) == {f"{vendor}:{i}" for vendor in VENDORS for i in ids}  # none lost
    assert max(counts.values()) <= 2  # at most one duplicate, with the same event id


def test_a_vendor_answering_in_time_costs_no_spool_write(
    receiver: Receiver, all_vendors: dict, tmp_path: Path
) -> None:
    errorwire.init(**all_vendors, spool_dir=str(tmp_path), spool_after=1.0, storm_limit=1000)
    for index in range(20):
        try:
            raise ValueError(f"quick {index}")
        except ValueError as exc:
            errorwire.capture_exception(exc)
    assert errorwire.flush(10)
    spool = errorwire.stats()["spool"]
    assert spool["written"] == {}
    assert spool["held"] == 0  # not one row written
    assert len(receiver.received) == 60


def test_a_report_held_while_its_vendor_stalls_is_deleted_once_delivered(
    receiver: Receiver, all_vendors: dict, tmp_path: Path
) -> None:
    receiver.script_for("raygun", Reply(202, stall=1.5))
    errorwire.init(**all_vendors, spool_dir=str(tmp_path), spool_after=0.5)
    try:
        raise ValueError("held")
    except ValueError as exc:
        errorwire.capture_exception(exc)
    assert errorwire.flush(10)
    spool = errorwire.stats()["spool"]
    # Raygun's, written while it stalled (on a loaded machine a healthy vendor's answer can
    # come after the window too: then its report is held as well, and deleted the same way)
    assert spool["held"] >= 1
    assert spool["written"] == {}  # and not kept: delivered
    left = Spool(str(tmp_path), 1024 * 1024)
    assert not left.has(VENDORS)
    left.close()


@pytest.mark.parametrize("after", [-1, "0.25", float("nan"), True])
def test_a_bad_spool_after_is_refused_naming_it(tmp_path: Path, after: object) -> None:
    with pytest.raises(errorwire.ConfigError, match="spool_after"):
        errorwire.init(spool_dir=str(tmp_path), spool_after=after)


def test_past_the_bound_the_earliest_captured_go_first_whatever_their_vendor(
    receiver: Receiver, tmp_path: Path
) -> None:
    # An outage at start-up: Bugsnag's reports are spooled early (its circuit opens on
    # its first failures), Rollbar's and Raygun's later. Eviction goes by capture time.
    bound = 1024 * 1024
    outage = run(
        tmp_path,
        down_endpoints(),
        capture=30,
        prefix="age",
        padding=20_000,
        settle=30,
        options={"spool_max_bytes": bound, "max_retries": 3},
    )
    dropped = outage.stats["spool"]["dropped"].get("spool_full", 0)
    assert dropped > 15, outage.stats
    run(tmp_path, receiver.endpoints(), drain=30)
    for vendor in VENDORS:
        got = messages(receiver.received, vendor)
        assert got, f"nothing of {vendor} was kept"
        assert "age 29" in got, f"the newest {vendor} report was evicted: {got}"
        kept = sorted(int(m.split()[1]) for m in got)
        assert kept == list(range(kept[0], 30)), f"{vendor} kept {kept}"
