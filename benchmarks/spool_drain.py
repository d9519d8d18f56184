"""How long a backlog of spooled reports takes to drain after a restart.

    python benchmarks/spool_drain.py [ROWS]

Fills a fresh spool with ROWS reports (a third per vendor, ~1.5 KB each), then starts
errorwire with that spool against the local sink (benchmarks/sink.py, its own process)
and times until the spool is empty: wall seconds, process CPU seconds, and CPU per row.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import errorwire  # noqa: E402
from errorwire.transport.spool import Spool  # noqa: E402

VENDORS = ("rollbar", "raygun", "bugsnag")
PATHS = {"rollbar": "/api/1/item/", "raygun": "/entries", "bugsnag": "/bugsnag/"}


def fill(folder: str, rows: int) -> None:
    spool = Spool(folder, 200 * 1024 * 1024)
    body = b'{"report": "' + b"x" * 1500 + b'"}'
    reports = [
        (VENDORS[i % 3], f"event-{i}", {"Content-Type": "application/json"}, body, None)
        for i in range(rows)
    ]
    for start in range(0, rows, 500):
        for row_id in spool.hold(reports[start : start + 500]):
            assert row_id is not None
            spool.keep(row_id, "retries_exhausted")
    spool.close()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "sink.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.stdout is not None
        port = int(sink.stdout.readline())
        url = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as folder:
            fill(folder, rows)
            cpu, started = time.process_time(), time.monotonic()
            errorwire.init(
                rollbar=errorwire.Rollbar(access_token="t", endpoint=url + PATHS["rollbar"]),
                raygun=errorwire.Raygun(api_key="k", endpoint=url + PATHS["raygun"]),
                bugsnag=errorwire.Bugsnag(api_key="k", endpoint=url + PATHS["bugsnag"]),
                spool_dir=folder,
                spool_max_bytes=200 * 1024 * 1024,
            )
            while errorwire.stats()["spool"]["waiting"] != 0 and time.monotonic() - started < 120:
                time.sleep(0.05)
            wall, spent = time.monotonic() - started, time.process_time() - cpu
            sent = errorwire.stats()["spool"]["sent"]
            errorwire.get_client().close(timeout=1)  # type: ignore[union-attr]
        print(
            f"spool drain: {sent} of {rows} rows in {wall:.1f} s wall, {spent:.1f} s CPU "
            f"({spent / max(sent, 1) * 1e6:.0f} µs CPU per row)"
        )
    finally:
        sink.terminate()
        sink.wait()


if __name__ == "__main__":
    main()
