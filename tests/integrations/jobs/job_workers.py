"""Shared by the job workers' tests (Celery, RQ, Dramatiq, Huey, arq): a worker process
reporting to the receiver, stopped as a process manager would, and readers of what each
vendor received from it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tests.helpers import start_python
from tests.receiver import Receiver, Reply
from tests.reports import (
    VENDORS,
    environment_for,
    vendor_context,
    vendor_exception_classes,
    vendor_person_id,
)
from tests.reports import arrived as arrived  # the job tests call job_workers.arrived
from tests.reports import custom_data as custom_data
from tests.reports import vendor_section as vendor_section
from tests.reports import vendor_tags as vendor_tags

SRC = Path(__file__).resolve().parents[3]


def worker_environment(receiver: Receiver, redis_url: str, folder: Path) -> Dict[str, str]:
    """What the worker's own ``errorwire.init()`` reads to report to ``receiver``, and a
    path where it finds the test's task module."""
    path = os.pathsep.join([str(folder), str(SRC)])
    return environment_for(receiver, REDIS_URL=redis_url, PYTHONPATH=path)


def start(command: Sequence[str], env: Dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return start_python(command, env, cwd)


def output_of(process: subprocess.Popen[bytes], timeout: float = 60) -> str:
    out, _ = process.communicate(timeout=timeout)
    return out.decode("utf-8", "replace")


def context_of(vendor: str, payload: Dict[str, Any]) -> Optional[str]:
    return vendor_context(vendor, payload)


def breadcrumb_texts(vendor: str, payload: Dict[str, Any]) -> List[str]:
    if vendor == "rollbar":
        crumbs = payload["data"].get("custom", {}).get("breadcrumbs", [])
        return [str(c.get("message", "")) for c in crumbs]
    if vendor == "raygun":
        return [str(c.get("message", "")) for c in payload["details"].get("breadcrumbs", [])]
    return [str(c.get("name", "")) for c in payload["events"][0].get("breadcrumbs", [])]


def assert_charge_reported(
    vendor: str, charged: Dict[str, Any], data: Dict[str, Any], leaks: Sequence[str]
) -> List[str]:
    """The failed ``charge`` job of every job test (card, 3, ``note="gift"``, a password) as
    ``vendor`` got it, ``data`` its job block: the password filtered, ``ValueError``, alice,
    its own "charging 3" breadcrumb and none of another job's (naming any of ``leaks``), no
    tag of another job's (``leak...``). Its breadcrumbs."""
    assert data["kwargs"]["note"] == "gift" and data["kwargs"]["password"] == "[Filtered]"
    assert vendor_exception_classes(vendor, charged) == ["ValueError"]
    assert vendor_person_id(vendor, charged) == "alice"
    crumbs = breadcrumb_texts(vendor, charged)
    assert "charging 3" in crumbs
    assert not [c for c in crumbs if any(leak in c for leak in leaks)], crumbs
    assert not [t for t in vendor_tags(vendor, charged) if t.startswith("leak")]
    return crumbs


def assert_flaky_reported(vendor: str, flaky: Dict[str, Any], leak: str) -> List[str]:
    """The ``flaky`` job's one report (its last attempt) as ``vendor`` got it:
    ``ConnectionError``, no person (the job run beside it set one in its own scope), no
    breadcrumb naming ``leak`` (that job's). Its breadcrumbs."""
    assert vendor_exception_classes(vendor, flaky) == ["ConnectionError"]
    assert vendor_person_id(vendor, flaky) is None
    flaky_crumbs = breadcrumb_texts(vendor, flaky)
    assert not [c for c in flaky_crumbs if leak in c], flaky_crumbs
    return flaky_crumbs


def assert_job_contexts(vendor: str, by_job: Dict[str, Dict[str, Any]]) -> None:
    """Each payload of ``by_job`` names its job as context (Raygun has no context field)."""
    if vendor != "raygun":
        for job, payload in by_job.items():
            assert context_of(vendor, payload) == job, (vendor, job)


def wait_for_reports(receiver: Receiver, count: int, timeout: float = 60) -> None:
    """Until ``count`` reports reached every vendor (or ``timeout`` passed: the test's own
    assertions then say what is missing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(len(receiver.by_vendor(vendor)) >= count for vendor in VENDORS):
            return
        time.sleep(0.05)


def stop_by_signal(process: subprocess.Popen[bytes], how: int = signal.SIGTERM) -> str:
    """Send ``how`` as a process manager would; the output once it stopped (killed, and
    the test failed, when it has not after 60 s)."""
    process.send_signal(how)
    try:
        return output_of(process, timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"the worker did not stop:\n{output_of(process)}") from None


def stall_first_report(receiver: Receiver, stall: float) -> List[Tuple[str, float]]:
    """The receiver holds the first attempt ``stall`` seconds before it answers success;
    the list returned names it once it did."""
    stalls: List[Tuple[str, float]] = []

    def slow_first_attempts(item: Any) -> Any:
        if not stalls:
            stalls.append((item.vendor, stall))
            return Reply(status=200 if item.vendor != "raygun" else 202, stall=stall)
        return None

    receiver.responder = slow_first_attempts
    return stalls


def assert_delivered_once_each(
    receiver: Receiver, stalls: List[Tuple[str, float]], out: str
) -> None:
    """The one report in flight when the worker was stopped arrived at every vendor."""
    found = arrived(receiver)
    counts: Dict[str, int] = {vendor: len(found[vendor]) for vendor in VENDORS}
    assert counts == {vendor: 1 for vendor in VENDORS}, out
    assert stalls, "the receiver did not hold up the first attempts"


def assert_framework_named(found: Dict[str, List[Dict[str, Any]]], framework: str) -> None:
    """Every payload is an unhandled error of ``framework``, in each vendor's own field."""
    for payload in found["bugsnag"]:
        event = payload["events"][0]
        assert event["unhandled"] is True
        assert event["severityReason"]["type"] == "unhandledException"
        assert event["app"]["type"] == framework
    for payload in found["raygun"]:
        assert f"framework:{framework}" in payload["details"]["tags"]
    for payload in found["rollbar"]:
        assert payload["data"]["framework"] == framework
