"""``run_demo.py``'s last step: example_apps/nightly_job.py, a script without a web
framework that fails four ways and dies of an uncaught exception, run as a real
process against the inbox. Prints how each failure arrived at each vendor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from errorwire.inbox import RunningInbox

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "nightly_job.py"
VENDORS = ("rollbar", "raygun", "bugsnag")
EXPECTED = {
    "ConnectionError": "@errorwire.monitor, re-raised and caught",
    "TimeoutError": "asyncio task nobody awaited",
    "PermissionError": "uncaught in a thread",
    "ValueError": "uncaught in the main thread",
}
"""The script's failures: exception class -> how it happened."""


def run(inbox: RunningInbox) -> bool:
    """Run the script; True when it exited 1 and every failure reached every vendor."""
    newest = inbox.store.reports(limit=1)
    after_id = newest[0]["id"] if newest else 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), *sys.path[1:]])}
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120
    )
    last_line = (done.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
    print(f"\nexample_apps/{SCRIPT.name}: exit status {done.returncode}, Python said: {last_line}")
    arrived = [r for r in inbox.store.reports(limit=1000) if r["id"] > after_id]
    counts: Dict[str, Dict[str, int]] = {name: dict.fromkeys(VENDORS, 0) for name in EXPECTED}
    for report in arrived:
        name = (report.get("exception_class") or "").rsplit(".", 1)[-1]
        if name in counts and report["vendor"] in VENDORS:
            counts[name][report["vendor"]] += 1
    rows: List[List[str]] = [["exception", "how", *VENDORS]]
    for name, how in EXPECTED.items():
        rows.append([name, how, *(str(counts[name][v] or "EMPTY") for v in VENDORS)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    filled = all(n > 0 for per_vendor in counts.values() for n in per_vendor.values())
    if done.returncode != 1 or not filled:
        print(done.stdout + done.stderr)
    return done.returncode == 1 and filled
