"""SIGTERM with its default action kills a process without ``atexit``: errorwire, set up in
the main thread while nothing handles SIGTERM, flushes first and then dies of it all the same
(waitress; uvicorn re-raising it after a graceful shutdown). An app's own handler stays."""

from __future__ import annotations

import signal
import subprocess

from tests.helpers import run_python
from tests.receiver import Receiver, Reply
from tests.transport.transport_helpers import messages

SCRIPT = """
import os, signal, sys, time
import errorwire
if sys.argv[2] == "own-handler":
    def own(signum, frame):
        print("own handler ran", flush=True)
        sys.exit(3)
    signal.signal(signal.SIGTERM, own)
errorwire.init(raygun=errorwire.Raygun(api_key="k", endpoint=sys.argv[1]))
for index in range(3):
    try:
        raise ValueError(f"report {index}")
    except ValueError as exc:
        errorwire.capture_exception(exc)
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(30)
print("survived SIGTERM", flush=True)
"""


def run_script(endpoint: str, mode: str) -> subprocess.CompletedProcess[str]:
    return run_python(["-c", SCRIPT, endpoint, mode])


def test_sigterm_flushes_the_queue_then_kills_the_process_as_before(receiver: Receiver) -> None:
    receiver.script_for("raygun", *[Reply(202, stall=0.2) for _ in range(3)])
    result = run_script(receiver.endpoints()["raygun"], "default")
    assert result.returncode == -signal.SIGTERM, (result.returncode, result.stderr)
    assert "survived" not in result.stdout
    assert messages(receiver.received, "raygun") == ["report 0", "report 1", "report 2"]


def test_an_apps_own_sigterm_handler_is_left_alone(receiver: Receiver) -> None:
    result = run_script(receiver.endpoints()["raygun"], "own-handler")
    assert result.returncode == 3, result.stderr
    assert result.stdout == "own handler ran\n"
    # sys.exit in the app's handler runs atexit: the queue is flushed there.
    assert messages(receiver.received, "raygun") == ["report 0", "report 1", "report 2"]
