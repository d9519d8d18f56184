"""``errorwire check``: what the configuration says per vendor, then one test report to
each vendor (or, with ``--dry-run``, the payloads printed), each answer printed."""

from __future__ import annotations

import json
import socket
from typing import Any, Dict, List, Optional

from errorwire.core.config import Options, VendorSettings
from errorwire.core.counters import Counters
from errorwire.core.event import Event
from errorwire.core.grouping import grouping_key
from errorwire.core.render import Renderer
from errorwire.core.server import server_info
from errorwire.core.stacktrace import extract_chain
from errorwire.release.wire import nested, send, vendor_message
from errorwire.vendors import VENDORS
from errorwire.vendors.base import Outgoing

CHECK_TAG = "errorwire-check"
ALL_VENDORS = ("rollbar", "raygun", "bugsnag")


class ErrorwireCheck(Exception):
    """The exception of ``errorwire check``'s test report: safe to resolve or delete."""


def masked(key: str) -> str:
    """A key shown by its last 4 characters only."""
    return f"...{key[-4:]}" if len(key) > 4 else "****"


def describe(options: Options) -> List[str]:
    """One line per vendor: what a report to it would use."""
    server = server_info(options.project_root, options.code_version)
    spool = options.spool_dir or "off"
    common = (
        f"environment={options.environment} code_version={server.code_version or '(none)'} "
        f"project_root={server.root} spool={spool}"
    )
    lines = []
    for name in ALL_VENDORS:
        settings: Optional[VendorSettings] = getattr(options, name)
        if settings is None:
            lines.append(f"{name}: not configured")
            continue
        lines.append(f"{name}: endpoint={settings.url} key={masked(settings.key)} {common}")
    return lines


def check_event(options: Options) -> Event:
    """A handled, clearly marked report with a real stack trace."""
    server = server_info(options.project_root, options.code_version)
    host = socket.gethostname()
    try:
        raise ErrorwireCheck(f"errorwire check: a test report from {host}; safe to delete")
    except ErrorwireCheck as exc:
        chain = extract_chain(exc, server.root)
    event = Event(
        level="info",
        environment=options.environment or "production",
        code_version=server.code_version,
        server=server,
        tags=[CHECK_TAG],
    )
    event.exceptions = chain
    event.grouping_key = grouping_key(chain)
    event.handled = True
    event.severity_reason = "handledException"
    event.context = "errorwire check"
    event.extra = {"errorwire_check": True}
    return event


def _accepted(vendor: str, status: Optional[int], data: Any) -> bool:
    if status is None or not 200 <= status < 300:
        return False
    return not (vendor == "rollbar" and nested(data, "err"))


def deliver(item: Outgoing, timeout: float) -> Dict[str, Any]:
    vendor = VENDORS[item.vendor_name]
    headers = {**item.headers, **vendor.attempt_headers()}
    answer = send("POST", item.vendor.url, item.body, headers, timeout)
    accepted = _accepted(item.vendor_name, answer.status, answer.data)
    outcome = "accepted" if accepted else ("unreachable" if answer.status is None else "refused")
    return {"outcome": outcome, "status": answer.status, "message": vendor_message(answer)}


def run_check(options: Options, *, dry_run: bool = False) -> int:
    for line in describe(options):
        print(line)
    if not options.vendors:
        print("no vendor configured: nothing to send")
        return 1
    items = Renderer(options, Counters()).render(check_event(options))
    if dry_run:
        _print_payloads(items)
        outcomes = []
    else:
        outcomes = [_send_and_print(item, options.read_timeout) for item in items]
    _print_not_sent(options, items)
    return 0 if all(outcome == "accepted" for outcome in outcomes) else 1


def _print_payloads(items: List[Outgoing]) -> None:
    for item in items:
        print(f"{item.vendor_name} payload (POST {item.vendor.url}):")
        print(json.dumps(item.payload, indent=2, ensure_ascii=False, default=str))


def _print_not_sent(options: Options, items: List[Outgoing]) -> None:
    sent = {item.vendor_name for item in items}
    for vendor in options.vendors:
        if vendor.name not in sent:  # before_send dropped it, or its release stage is off
            print(f"{vendor.name} test report: not sent (before_send or notify_release_stages)")


def _send_and_print(item: Outgoing, timeout: float) -> str:
    """Send the test report, print the vendor's answer; the outcome."""
    result = deliver(item, timeout)
    status = f" ({result['status']})" if result["status"] is not None else ""
    message = f": {result['message']}" if result["message"] else ""
    print(f"{item.vendor_name} test report: {result['outcome']}{status}{message}")
    return str(result["outcome"])
