"""Run a script in a real subprocess against the receiver; read what a user checks in
each vendor's payload of an uncaught exception: unhandled, context, tags, custom data."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Optional

from tests.features.feature_payloads import title as report_title
from tests.helpers import run_python
from tests.receiver import Received, Receiver
from tests.reports import vendor_env
from tests.schemas import assert_valid

VENDORS = ("rollbar", "raygun", "bugsnag")


def run_script(
    receiver: Receiver, folder: Path, code: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``python job.py`` in ``folder``, errorwire configured from the environment (all
    three vendors pointed at ``receiver``), as a user's cron job would be."""
    script = folder / "job.py"
    script.write_text(textwrap.dedent(code))
    return run_python([str(script)], folder, **{**vendor_env(receiver), **env})


def one_per_vendor(receiver: Receiver) -> Dict[str, Dict[str, Any]]:
    """What arrived (already, with nothing waited for): exactly one valid payload per vendor."""
    arrived = {vendor: receiver.by_vendor(vendor) for vendor in VENDORS}
    assert all(len(items) == 1 for items in arrived.values()), {
        vendor: [title(item) for item in items] for vendor, items in arrived.items()
    }
    payloads = {vendor: items[0].json() for vendor, items in arrived.items()}
    for vendor, payload in payloads.items():
        assert_valid(vendor, payload)
    return payloads


def titles(receiver: Receiver) -> List[str]:
    return sorted(title(item) for item in receiver.received)


def title(item: Received) -> str:
    """``Class: message`` (the class without its module), or a logged message's text."""
    kind, sep, message = report_title(item).partition(": ")
    return message if kind == "LogMessage" and sep else f"{kind}{sep}{message}"


def bugsnag_unhandled(payload: Dict[str, Any]) -> bool:
    event = payload["events"][0]
    unhandled = event["unhandled"]
    assert event["severityReason"]["type"] == (
        "unhandledException" if unhandled else "handledException"
    )
    return bool(unhandled)


def context(vendor: str, payload: Dict[str, Any]) -> Optional[str]:
    if vendor == "rollbar":
        return payload["data"].get("context")
    if vendor == "bugsnag":
        return payload["events"][0].get("context")
    return None  # Raygun has no context field: the tag carries it


def custom(vendor: str, payload: Dict[str, Any]) -> Dict[str, Any]:
    if vendor == "rollbar":
        found: Dict[str, Any] = payload["data"].get("custom", {})
    elif vendor == "raygun":
        found = payload["details"].get("userCustomData", {})
    else:
        found = payload["events"][0].get("metaData", {}).get("extra", {})
    return found


def breadcrumbs(vendor: str, payload: Dict[str, Any]) -> List[str]:
    if vendor == "rollbar":
        return [c["message"] for c in payload["data"].get("custom", {}).get("breadcrumbs", [])]
    if vendor == "raygun":
        return [c["message"] for c in payload["details"].get("breadcrumbs", [])]
    return [c["name"] for c in payload["events"][0].get("breadcrumbs", [])]


def innermost_function(vendor: str, payload: Dict[str, Any]) -> str:
    """The function the exception was raised in, as each vendor shows it."""
    if vendor == "rollbar":
        body = payload["data"]["body"]
        trace = body["trace"] if "trace" in body else body["trace_chain"][0]
        return str(trace["frames"][-1]["method"])
    if vendor == "raygun":
        return str(payload["details"]["error"]["stackTrace"][0]["methodName"])
    return str(payload["events"][0]["exceptions"][0]["stacktrace"][0]["method"])
