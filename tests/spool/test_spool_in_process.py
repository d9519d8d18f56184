"""The spool's options, its counters, a full queue, and who touches SQLite (the worker only)."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

import errorwire
from errorwire.transport.spool import Spool
from tests.receiver import Receiver
from tests.spool.spool_helpers import QUICK, arrivals, down_endpoints, message


def capture(count: int, prefix: str = "report") -> List[str]:
    ids = []
    for index in range(count):
        try:
            raise ValueError(f"{prefix} {index}")
        except ValueError as exc:
            ids.append(errorwire.capture_exception(exc) or "")
    return ids


def wait_until_sent(timeout: float = 20.0) -> Dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = errorwire.stats()
        if stats["spool"]["waiting"] == 0 and stats["transport"]["unfinished"] == 0:
            return stats
        time.sleep(0.05)
    raise AssertionError(f"the spool did not empty: {errorwire.stats()}")


def test_a_folder_that_cannot_be_written_is_refused_at_init(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(errorwire.ConfigError, match="spool_dir"):
        errorwire.init(spool_dir=str(blocker / "spool"))
    with pytest.raises(errorwire.ConfigError, match="spool_dir"):
        errorwire.init(spool_dir=42)


@pytest.mark.parametrize("size", [0, 1000, "50MB", True, 1.5e7])
def test_a_bad_spool_max_bytes_is_refused_naming_it(tmp_path: Path, size: object) -> None:
    with pytest.raises(errorwire.ConfigError, match="spool_max_bytes"):
        errorwire.init(spool_dir=str(tmp_path), spool_max_bytes=size)


def test_a_missing_folder_is_created(tmp_path: Path, all_vendors: Dict[str, Any]) -> None:
    folder = tmp_path / "deep" / "spool"
    errorwire.init(**all_vendors, spool_dir=str(folder))
    assert folder.is_dir()


def test_without_a_spool_stats_and_drops_are_as_before(all_vendors: Dict[str, Any]) -> None:
    all_vendors["raygun"] = errorwire.Raygun(api_key="k", endpoint=down_endpoints()["raygun"])
    errorwire.init(**all_vendors, **QUICK)
    capture(1)
    assert errorwire.flush(10)
    stats = errorwire.stats()
    assert "spool" not in stats
    assert stats["raygun"]["dropped"] == {"retries_exhausted": 1}


def test_stats_show_what_waits_and_why(tmp_path: Path) -> None:
    errorwire.init(
        raygun=errorwire.Raygun(api_key="k", endpoint=down_endpoints()["raygun"]),
        spool_dir=str(tmp_path),
        **QUICK,
    )
    capture(3)
    assert errorwire.flush(10)
    spool = errorwire.stats()["spool"]
    assert spool["waiting"] == 3
    assert spool["written"] == {"retries_exhausted": 3}
    assert 3 * 200 < spool["bytes"] <= 3 * errorwire.Raygun.max_bytes  # what was rendered
    assert spool["sent"] == 0
    assert spool["dropped"] == {}
    assert errorwire.stats()["raygun"]["dropped"] == {}  # kept, not dropped


def test_reports_past_a_full_queue_go_to_the_spool_and_are_sent_from_it(
    receiver: Receiver, all_vendors: Dict[str, Any], tmp_path: Path
) -> None:
    errorwire.init(**all_vendors, spool_dir=str(tmp_path), queue_size=4, **QUICK)
    ids = capture(40)  # faster than the worker takes them: the queue fills
    assert errorwire.flush(20)
    stats = wait_until_sent()
    lost = stats["transport"]["dropped"].get("queue_full", 0)
    assert stats["spool"]["written"]["queue_full"] >= 3  # a row per vendor
    delivered = [i for i in ids if i]
    assert len(delivered) + lost == 40
    counts = arrivals(receiver.received)
    assert set(counts) == {f"{v}:{i}" for v in ("rollbar", "raygun", "bugsnag") for i in delivered}
    assert set(counts.values()) == {1}
    assert stats["spool"]["sent"] == stats["spool"]["written"]["queue_full"]  # one per vendor


def test_only_the_worker_touches_the_spool(
    receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wraps the real Spool methods to record the calling thread (they still run)."""
    callers: List[str] = []
    for name in ("add", "claim", "delete", "release", "has"):
        real = getattr(Spool, name)

        def recorded(self: Spool, *args: Any, __real: Any = real, **kwargs: Any) -> Any:
            callers.append(threading.current_thread().name)
            return __real(self, *args, **kwargs)

        monkeypatch.setattr(Spool, name, recorded)
    down = down_endpoints()
    errorwire.init(
        raygun=errorwire.Raygun(api_key="k", endpoint=down["raygun"]),
        rollbar=errorwire.Rollbar(access_token="t", endpoint=receiver.endpoints()["rollbar"]),
        spool_dir=str(tmp_path),
        queue_size=2,
        **QUICK,
    )
    capture(20)
    assert errorwire.flush(20)
    assert callers, "the spool was never used"
    assert threading.current_thread().name not in callers
    assert {message(r) for r in receiver.received} <= {f"report {i}" for i in range(20)}


def test_sync_mode_does_not_spool_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="errorwire")
    errorwire.init(
        raygun=errorwire.Raygun(api_key="k", endpoint=down_endpoints()["raygun"]),
        spool_dir=str(tmp_path),
        sync=True,
        **QUICK,
    )
    capture(1)
    assert "spool_dir is used by the background worker only" in caplog.text
    stats = errorwire.stats()
    assert "spool" not in stats
    assert stats["raygun"]["dropped"] == {"retries_exhausted": 1}
