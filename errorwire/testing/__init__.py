"""Test helpers for apps that use errorwire (and for errorwire's own suite).

``with errorwire.testing.capture() as reports:`` runs the whole pipeline (ignore
rules, sampling, ``before_send``, scrubbing, each vendor's encoding and size cap)
and hands back each vendor's payload instead of sending it. The seam is the
transport's sending step: what ``reports`` holds is exactly the body that would
have gone over the wire, and nothing else is faked. Rendering happens in the
thread that reports, so the payloads are there as soon as the request returns:
no flush, no network, no background thread.

The pytest fixture ``errorwire_reports`` wraps a test in ``capture()``; list
``"errorwire.testing.pytest_plugin"`` in your ``pytest_plugins`` to get it.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, overload

from errorwire import api
from errorwire.core.client import Client
from errorwire.core.config import Bugsnag, Options, Raygun, Rollbar, VendorSettings
from errorwire.vendors.base import Outgoing

__all__ = ["PLACEHOLDER_KEY", "Report", "Reports", "capture"]

PLACEHOLDER_KEY = "errorwire-testing"
"""The key given to each vendor when the client under test configures none: nothing is
sent during a capture, so no real key is needed to see every vendor's payload."""


@dataclass(frozen=True)
class Report:
    """One vendor's payload of one report, as it would have been sent."""

    vendor: str
    """``"rollbar"``, ``"raygun"`` or ``"bugsnag"``."""
    payload: Dict[str, Any]
    """The JSON body, decoded: after scrubbing, the vendor's ``before_send`` and the cap."""
    body: bytes
    headers: Mapping[str, str]
    url: str
    event_id: str


class Reports(Sequence[Report]):
    """What errorwire would have sent during a ``capture()``, in order (one item per
    vendor per report). Filled from whichever thread reports."""

    def __init__(self) -> None:
        self._items: List[Report] = []
        self._lock = threading.Lock()

    def add(self, outgoing: Outgoing) -> None:
        report = Report(
            vendor=outgoing.vendor_name,
            payload=json.loads(outgoing.body),
            body=outgoing.body,
            headers=dict(outgoing.headers),
            url=outgoing.vendor.url,
            event_id=outgoing.event_id,
        )
        with self._lock:
            self._items.append(report)

    def payloads(self, vendor: str) -> List[Dict[str, Any]]:
        """Every payload for ``vendor`` (``"rollbar"``, ``"raygun"``, ``"bugsnag"``)."""
        return [report.payload for report in self if report.vendor == vendor]

    @property
    def event_ids(self) -> List[str]:
        """The id of each report (as ``capture_exception`` returned it), once each."""
        return list(dict.fromkeys(report.event_id for report in self))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    @overload
    def __getitem__(self, index: int) -> Report: ...

    @overload
    def __getitem__(self, index: slice) -> List[Report]: ...

    def __getitem__(self, index: Any) -> Any:
        with self._lock:
            return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Report]:
        with self._lock:
            return iter(list(self._items))

    def __repr__(self) -> str:
        return f"Reports({list(self)!r})"


def placeholder_vendors() -> Tuple[VendorSettings, ...]:
    """Every vendor, with a placeholder key and its default endpoint (never contacted)."""
    return (
        Rollbar(access_token=PLACEHOLDER_KEY),
        Raygun(api_key=PLACEHOLDER_KEY),
        Bugsnag(api_key=PLACEHOLDER_KEY),
    )


@contextmanager
def capture(**options: Any) -> Iterator[Reports]:
    """Capture what errorwire reports in the block, instead of sending it.

    Without arguments, the client your app configured with ``errorwire.init`` is
    used as it is (its vendors, hooks, scrubbing and caps); if it configures no
    vendor, every vendor gets a placeholder key for the block so that each vendor's
    payload can be checked. If errorwire is not configured yet, or ``options`` are
    given, a client is configured for the block exactly as ``errorwire.init(**options)``
    would (placeholder keys if it names no vendor) and the previous one is put back
    afterwards. Integrations resolve their client once: give options only when
    the app under test is created inside the block.
    """
    previous = api.get_client()
    if options or previous is None:
        settings = Options.from_kwargs(options)
        if not settings.vendors:
            placeholders = {vendor.name: vendor for vendor in placeholder_vendors()}
            settings = Options.from_kwargs({**options, **placeholders})
        client = Client(settings)
        with _installed(previous, client), _capturing(client) as reports:
            yield reports
        return
    with _capturing(previous) as reports:
        yield reports


@contextmanager
def _capturing(client: Client) -> Iterator[Reports]:
    reports = Reports()
    transport, renderer = client.transport, client.renderer
    previous_sink, previous_vendors = transport.sink, renderer.vendors
    if not renderer.vendors:
        renderer.vendors = placeholder_vendors()
    transport.sink = reports.add
    try:
        yield reports
    finally:
        transport.sink = previous_sink
        renderer.vendors = previous_vendors


@contextmanager
def _installed(previous: Optional[Client], client: Client) -> Iterator[None]:
    """``client`` is errorwire's client for the block; ``previous`` again afterwards."""
    with api._lock:
        api._client = client
    try:
        yield
    finally:
        with api._lock:
            if api._client is client:
                api._client = previous
        client.close(timeout=0.0)
