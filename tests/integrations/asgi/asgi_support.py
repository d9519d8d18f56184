"""Reports of the ASGI-family tests: the neutral Events (via before_send) and the
payloads that arrived over HTTP at the receiver, one per vendor."""

from __future__ import annotations

import logging
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

from receiver import Receiver
from schemas import assert_valid

import errorwire
from errorwire.core.event import Event

VENDORS = ("rollbar", "raygun", "bugsnag")


@dataclass
class Reports:
    """Everything errorwire reported in one test."""

    receiver: Receiver
    events: List[Event] = field(default_factory=list)
    exceptions: List[BaseException] = field(default_factory=list)

    def keep(self, event: Event, hint: Dict[str, Any]) -> Event:
        self.events.append(event)
        exc_info = hint.get("exc_info")
        if exc_info:
            self.exceptions.append(exc_info[1])
        return event

    def settle(self) -> List[Event]:
        """Wait until every report was delivered; check one valid payload per vendor each."""
        assert errorwire.flush(timeout=10.0)
        expected = len(self.events) * len(VENDORS)
        arrived = self.receiver.wait_for(expected, timeout=10.0)
        assert len(arrived) == expected, f"{len(arrived)} payloads arrived, expected {expected}"
        for vendor in VENDORS:
            payloads = self.payloads(vendor)
            assert len(payloads) == len(self.events), vendor
            for payload in payloads:
                assert_valid(vendor, payload)
        return list(self.events)

    def one(self) -> Tuple[Event, Dict[str, Dict[str, Any]]]:
        """The single report of this test: its Event and each vendor's payload."""
        events = self.settle()
        assert len(events) == 1, [e.title for e in events]
        return events[0], {vendor: self.payloads(vendor)[0] for vendor in VENDORS}

    def payloads(self, vendor: str) -> List[Dict[str, Any]]:
        return [item.json() for item in self.receiver.by_vendor(vendor)]


def start(receiver: Receiver, all_vendors: Dict[str, Any], **options: Any) -> Reports:
    reports = Reports(receiver)
    errorwire.init(**all_vendors, before_send=reports.keep, **options)
    return reports


def vendor_request(vendor: str, payload: Dict[str, Any]) -> Dict[str, Any]:
    if vendor == "rollbar":
        return dict(payload["data"]["request"])
    if vendor == "raygun":
        return dict(payload["details"]["request"])
    return dict(payload["events"][0]["request"])


def vendor_context(vendor: str, payload: Dict[str, Any]) -> Optional[str]:
    if vendor == "rollbar":
        return payload["data"].get("context")
    if vendor == "bugsnag":
        return payload["events"][0].get("context")
    return None  # Raygun has no context field


def vendor_person_id(vendor: str, payload: Dict[str, Any]) -> Optional[str]:
    if vendor == "rollbar":
        return payload["data"].get("person", {}).get("id")
    if vendor == "raygun":
        return payload["details"].get("user", {}).get("identifier")
    return payload["events"][0].get("user", {}).get("id")


def vendor_classes(vendor: str, payload: Dict[str, Any]) -> List[str]:
    """Exception class names of the chain, outermost first, as each vendor shows them."""
    if vendor == "rollbar":
        body = payload["data"]["body"]
        traces = body.get("trace_chain") or [body["trace"]]
        return [t["exception"]["class"] for t in traces]
    if vendor == "raygun":
        classes, error = [], payload["details"]["error"]
        while error:
            classes.append(error["className"])
            error = error.get("innerError")
        return classes
    return [e["errorClass"] for e in payload["events"][0]["exceptions"]]


@contextmanager
def serve(app: Any, lifespan: str = "off") -> Iterator[str]:
    """Run ``app`` on a real uvicorn server on 127.0.0.1 (in a thread); yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan=lifespan)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10.0
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10.0)
        sock.close()


class Records(logging.Handler):
    """Keeps the log records of one logger, to show what the server logged."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def wait_for(self, count: int, timeout: float = 10.0) -> List[logging.LogRecord]:
        deadline = time.monotonic() + timeout
        while len(self.records) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.records)
