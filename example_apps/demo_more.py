"""``run_demo.py``'s step for example_apps/more_integrations.py: AWS Lambda, Google
Cloud Functions, APScheduler, loguru and structlog, each failing once, run as a real
process against the inbox. Prints how each failure arrived at each vendor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from errorwire.inbox import RunningInbox

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "more_integrations.py"
VENDORS = ("rollbar", "raygun", "bugsnag")
EXPECTED = {
    "OrderDeclined": "aws_lambda",
    "InventoryMissing": "gcp",
    "SchedulerJobFailed": "apscheduler",
    "LoguruLoggedError": "loguru",
    "StructlogLoggedError": "structlog",
}
"""The script's failures: exception class -> the integration that reported it."""


def run(inbox: RunningInbox) -> bool:
    """Run the script; True when it succeeded and every failure reached every vendor."""
    newest = inbox.store.reports(limit=1)
    after_id = newest[0]["id"] if newest else 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), *sys.path[1:]])}
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=180
    )
    print(f"\nexample_apps/{SCRIPT.name}: exit status {done.returncode}")
    arrived = [r for r in inbox.store.reports(limit=1000) if r["id"] > after_id]
    counts: Dict[str, Dict[str, int]] = {name: dict.fromkeys(VENDORS, 0) for name in EXPECTED}
    for report in arrived:
        name = (report.get("exception_class") or "").rsplit(".", 1)[-1]
        if name in counts and report["vendor"] in VENDORS:
            counts[name][report["vendor"]] += 1
    rows: List[List[str]] = [["integration", "exception", *VENDORS]]
    for name, integration in EXPECTED.items():
        rows.append([integration, name, *(str(counts[name][v] or "EMPTY") for v in VENDORS)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    filled = all(n > 0 for per_vendor in counts.values() for n in per_vendor.values())
    if done.returncode != 0 or not filled:
        print(done.stdout + done.stderr)
    return done.returncode == 0 and filled
