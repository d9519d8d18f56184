"""Shared by the Celery and RQ tests: a worker process reporting to the receiver, and
readers of what each vendor received from it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from tests.receiver import Receiver
from tests.reports import VENDORS, vendor_context
from tests.schemas import assert_valid

SRC = Path(__file__).resolve().parents[3]


def worker_environment(receiver: Receiver, redis_url: str, folder: Path) -> Dict[str, str]:
    """What the worker's own ``errorwire.init()`` reads to report to ``receiver``, and a
    path where it finds the test's task module."""
    endpoints = receiver.endpoints()
    vendor_vars = ("ROLLBAR_", "RAYGUN_", "BUGSNAG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(vendor_vars)}
    env.update(
        {
            "REDIS_URL": redis_url,
            "PYTHONPATH": os.pathsep.join([str(folder), str(SRC)]),
            "ROLLBAR_ACCESS_TOKEN": "rollbar-token",
            "ROLLBAR_ENDPOINT": endpoints["rollbar"],
            "RAYGUN_API_KEY": "raygun-key",
            "RAYGUN_ENDPOINT": endpoints["raygun"],
            "BUGSNAG_API_KEY": "bugsnag-key",
            "BUGSNAG_ENDPOINT": endpoints["bugsnag"],
        }
    )
    return env


def start(command: Sequence[str], env: Dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *command],
        env=env,
        cwd=str(cwd),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def output_of(process: subprocess.Popen[bytes], timeout: float = 60) -> str:
    out, _ = process.communicate(timeout=timeout)
    return out.decode("utf-8", "replace")


def arrived(receiver: Receiver) -> Dict[str, List[Dict[str, Any]]]:
    """Each vendor's payloads, every one valid for the vendor's schema."""
    found = {vendor: [item.json() for item in receiver.by_vendor(vendor)] for vendor in VENDORS}
    for vendor, payloads in found.items():
        for payload in payloads:
            assert_valid(vendor, payload)
    return found


def custom_data(vendor: str, payload: Dict[str, Any], key: str) -> Dict[str, Any]:
    """The integration's custom data block (``celery`` / ``rq``) as the vendor got it."""
    if vendor == "rollbar":
        return dict(payload["data"]["custom"][key])
    if vendor == "raygun":
        return dict(payload["details"]["userCustomData"][key])
    return dict(payload["events"][0]["metaData"]["extra"][key])


def context_of(vendor: str, payload: Dict[str, Any]) -> Optional[str]:
    return vendor_context(vendor, payload)


def tags_of(vendor: str, payload: Dict[str, Any]) -> List[str]:
    if vendor == "rollbar":
        return list(payload["data"].get("custom", {}).get("tags", []))
    if vendor == "raygun":
        return list(payload["details"].get("tags", []))
    tab = payload["events"][0].get("metaData", {}).get("tags", {})
    return [f"{k}:{v}" for k, v in tab.items()]


def breadcrumb_texts(vendor: str, payload: Dict[str, Any]) -> List[str]:
    if vendor == "rollbar":
        crumbs = payload["data"].get("custom", {}).get("breadcrumbs", [])
        return [str(c.get("message", "")) for c in crumbs]
    if vendor == "raygun":
        return [str(c.get("message", "")) for c in payload["details"].get("breadcrumbs", [])]
    return [str(c.get("name", "")) for c in payload["events"][0].get("breadcrumbs", [])]


def section_of(vendor: str, payload: Dict[str, Any], name: str) -> Any:
    """A metadata section (``add_metadata``) as the vendor got it; None when absent."""
    if vendor == "rollbar":
        return payload["data"].get("custom", {}).get(name)
    if vendor == "raygun":
        return payload["details"].get("userCustomData", {}).get(name)
    return payload["events"][0].get("metaData", {}).get(name)
