"""At interpreter exit the queue is flushed, for at most ``shutdown_timeout`` seconds."""

from __future__ import annotations

import subprocess
import time

from tests.helpers import run_python
from tests.receiver import Receiver, Reply
from tests.transport.transport_helpers import messages

SCRIPT = """
import logging, sys
import errorwire
logging.basicConfig(level=logging.WARNING, format="%(message)s")
errorwire.init(
    raygun=errorwire.Raygun(api_key="k", endpoint=sys.argv[1]),
    shutdown_timeout=float(sys.argv[2]),
)
for index in range(3):
    try:
        raise ValueError(f"report {index}")
    except ValueError as exc:
        errorwire.capture_exception(exc)
# No flush: the process just ends.
"""


def run_script(endpoint: str, shutdown_timeout: float) -> subprocess.CompletedProcess[str]:
    return run_python(["-c", SCRIPT, endpoint, str(shutdown_timeout)])


def test_reports_queued_at_exit_are_delivered(receiver: Receiver) -> None:
    result = run_script(receiver.endpoints()["raygun"], 2.0)
    assert result.returncode == 0, result.stderr
    assert messages(receiver.received, "raygun") == ["report 0", "report 1", "report 2"]


def test_a_stalled_vendor_does_not_hold_the_exit_beyond_the_shutdown_timeout(
    receiver: Receiver,
) -> None:
    receiver.script_for("raygun", Reply(202, stall=30.0))
    started = time.monotonic()
    result = run_script(receiver.endpoints()["raygun"], 0.5)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert took < 15, f"exit took {took:.1f} s while the vendor stalls 30 s"
    assert "shutting down with 3 reports not delivered" in result.stderr
