"""Shared by the Lambda and Cloud Functions tests: the environment of a function
process reporting to the receiver, and readers of what each vendor got from it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional

from tests.helpers import start_python
from tests.receiver import Receiver
from tests.reports import arrived as arrived  # the serverless tests call processes.arrived
from tests.reports import custom_data as custom_data
from tests.reports import environment_for

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[2]


def function_environment(receiver: Receiver, **extra: str) -> Dict[str, str]:
    """What the function's own ``errorwire.init()`` reads to report to ``receiver``."""
    path = os.pathsep.join([str(HERE), str(SRC)])
    platform = ("AWS_", "_LAMBDA", "FUNCTION_", "K_")
    return environment_for(receiver, *platform, **{"PYTHONPATH": path, **extra})


def start(args: List[str], env: Dict[str, str]) -> subprocess.Popen[bytes]:
    # its own process group: a server's workers end with it
    return start_python(args, env, HERE, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> str:
    """Kill the function process and its children (as the platform does at a timeout);
    its output."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    out, _ = process.communicate(timeout=20)
    return out.decode("utf-8", "replace")


def message_of(vendor: str, payload: Dict[str, Any]) -> Optional[str]:
    """The text of a message report, or the message of an exception report."""
    if vendor == "rollbar":
        body = payload["data"]["body"]
        if "trace" in body:
            return str(body["trace"]["exception"].get("message"))
        return body.get("message", {}).get("body")
    if vendor == "raygun":
        return payload["details"]["error"].get("message")
    return payload["events"][0]["exceptions"][0].get("message")


def rollbar_innermost_method(payload: Dict[str, Any]) -> str:
    """The function the innermost frame of a Rollbar exception report was running."""
    return str(payload["data"]["body"]["trace"]["frames"][-1]["method"])
