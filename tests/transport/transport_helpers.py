"""Shared pieces of the transport tests: quick retry settings, capturing, reading payloads."""

from __future__ import annotations

import statistics
import time
from typing import Any, List

import errorwire
from errorwire.core.client import Client
from errorwire.core.event import Event
from tests.receiver import Received

SUBMIT_MEDIAN_LIMIT = 0.005
"""Generous bound on the calling thread's time per report (it only enqueues)."""
SUBMIT_MAX_LIMIT = 0.1
"""Any one call: far below the read timeouts (0.3-0.5 s) and stalls (5 s) the tests inject,
yet above a garbage-collection pause or a wait for the GIL held by the worker."""


def capture(count: int, prefix: str = "report") -> None:
    """Raise and capture ``count`` distinct errors."""
    for index in range(count):
        try:
            raise ValueError(f"{prefix} {index}")
        except ValueError as exc:
            errorwire.capture_exception(exc)


class SubmitClock:
    """Times every call of the client's ``transport.submit`` (the real one runs)."""

    def __init__(self, client: Client) -> None:
        self.durations: List[float] = []
        self._submit = client.transport.submit
        client.transport.submit = self  # type: ignore[method-assign]

    def __call__(self, event: Event) -> bool:
        started = time.perf_counter()
        try:
            return self._submit(event)
        finally:
            self.durations.append(time.perf_counter() - started)

    def assert_caller_not_held(self) -> None:
        durations = self.durations
        assert durations, "nothing was submitted"
        median, longest = statistics.median(durations), max(durations)
        assert median < SUBMIT_MEDIAN_LIMIT, f"median submit took {median * 1000:.2f} ms"
        assert longest < SUBMIT_MAX_LIMIT, f"one submit took {longest * 1000:.1f} ms"


def message(received: Received) -> str:
    """The exception message a vendor payload carries."""
    payload = received.json()
    vendor = received.vendor
    if vendor == "raygun":
        return str(payload["details"]["error"]["message"])
    if vendor == "bugsnag":
        return str(payload["events"][0]["exceptions"][0]["message"])
    body = payload["data"]["body"]
    trace = body["trace"] if "trace" in body else body["trace_chain"][0]
    return str(trace["exception"]["message"])


def messages(received: List[Received], vendor: str) -> List[str]:
    return sorted(message(r) for r in received if r.vendor == vendor)


def logged(caplog: Any) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)
