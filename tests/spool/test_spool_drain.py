"""A spool's backlog drains at a cost per row that does not grow with the backlog."""

from __future__ import annotations

import time
from pathlib import Path

from errorwire.transport.spool import Spool

VENDORS = ("rollbar", "raygun", "bugsnag")
CLAIMS = 300


def _drain_cost(folder: Path, backlog: int) -> float:
    """Thread CPU seconds to claim and delete CLAIMS rows out of ``backlog`` waiting ones."""
    folder.mkdir()
    spool = Spool(str(folder), 64 * 1024 * 1024)
    body = b'{"report": "' + b"x" * 500 + b'"}'
    for index in range(backlog):
        spool.add(VENDORS[index % 3], f"event-{index}", {"X-Key": "k"}, body, "retries_exhausted")
    started = time.thread_time()
    for _ in range(CLAIMS):
        claimed = spool.claim(VENDORS)
        assert claimed is not None
        spool.delete(claimed.row_id)
    spent = time.thread_time() - started
    assert spool.waiting == backlog - CLAIMS
    spool.close()
    return spent


def test_cpu_per_claimed_row_is_independent_of_the_backlog(tmp_path: Path) -> None:
    small = min(_drain_cost(tmp_path / f"small{i}", 1_000) for i in range(2))
    large = min(_drain_cost(tmp_path / f"large{i}", 10_000) for i in range(2))
    # A claim that sorted the backlog cost ~10x as much at 10,000 rows as at 1,000.
    assert large < 2.5 * small, f"{large / CLAIMS * 1e6:.0f} vs {small / CLAIMS * 1e6:.0f} µs"


def test_claims_take_the_oldest_row_across_vendors(tmp_path: Path) -> None:
    spool = Spool(str(tmp_path), 1024 * 1024)
    for index, vendor in enumerate(["bugsnag", "rollbar", "bugsnag", "raygun"]):
        spool.add(vendor, f"e{index}", {}, b"{}", "shutdown")
    order = []
    for _ in range(4):
        claimed = spool.claim(["raygun", "rollbar", "bugsnag"])
        assert claimed is not None
        order.append(claimed.event_id)
    assert order == ["e0", "e1", "e2", "e3"]
    assert spool.claim(VENDORS) is None
    spool.close()
