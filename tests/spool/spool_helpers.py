"""Running spool_app.py processes and reading what reached the receiver."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional

from tests import helpers
from tests.helpers import closed_port_url
from tests.receiver import Received

ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).resolve().parent / "spool_app.py"
VENDORS = ("rollbar", "raygun", "bugsnag")
EVENT_ID_HEADER = "X-Errorwire-Event-Id"

QUICK: Dict[str, Any] = {
    **helpers.QUICK,
    "read_timeout": 2.0,
    "max_retries": 2,
    "storm_limit": 10000,
    "shutdown_timeout": 1.0,
}
"""The shared quick settings, with the spool processes' longer reads and fewer retries."""


def down_endpoints(vendors: tuple = VENDORS) -> Dict[str, str]:
    paths = {"rollbar": "/api/1/item/", "raygun": "/entries", "bugsnag": "/bugsnag/"}
    return {vendor: closed_port_url(paths[vendor]) for vendor in vendors}


def start(spool: Path, endpoints: Dict[str, str], **config: Any) -> subprocess.Popen[str]:
    config = {
        "spool": str(spool),
        "endpoints": endpoints,
        **config,
        "options": {**QUICK, **config.get("options", {})},
    }
    return subprocess.Popen(
        [sys.executable, str(APP), json.dumps(config)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Finished:
    def __init__(self, returncode: int, lines: List[Dict[str, Any]], stderr: str) -> None:
        self.returncode = returncode
        self.lines = lines
        self.stderr = stderr

    @property
    def ids(self) -> List[str]:
        return list(self.lines[0]["ids"])

    @property
    def stats(self) -> Dict[str, Any]:
        return dict(self.lines[-1]["stats"])


def finish(process: subprocess.Popen[str], timeout: float = 60.0) -> Finished:
    stdout, stderr = process.communicate(timeout=timeout)
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    assert process.returncode == 0, stderr
    return Finished(process.returncode, lines, stderr)


def run(spool: Path, endpoints: Dict[str, str], **config: Any) -> Finished:
    return finish(start(spool, endpoints, **config))


def message(received: Received) -> str:
    payload = received.json()
    if received.vendor == "raygun":
        return str(payload["details"]["error"]["message"])
    if received.vendor == "bugsnag":
        return str(payload["events"][0]["exceptions"][0]["message"])
    trace = payload["data"]["body"]["trace"]
    return str(trace["exception"]["message"])


def event_id(received: Received) -> str:
    """The report's event id: Rollbar's ``uuid``, and the header every vendor gets."""
    header = received.headers[EVENT_ID_HEADER]
    if received.vendor == "rollbar":
        assert received.json()["data"]["uuid"] == header
    return header


def messages(received: List[Received], vendor: str) -> List[str]:
    """In arrival order."""
    return [message(r) for r in received if r.vendor == vendor]


def arrivals(received: List[Received], vendor: Optional[str] = None) -> Counter[str]:
    """How many times each event id arrived (at ``vendor``, or per vendor and id)."""
    return Counter(
        f"{r.vendor}:{event_id(r)}" for r in received if vendor is None or r.vendor == vendor
    )


def spool_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.iterdir() if path.is_file())
