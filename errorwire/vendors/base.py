"""What every vendor module provides, and the notifier identity they all send.

A vendor module (rollbar.py, raygun.py, bugsnag.py) has two pure functions:

    encode(event: Event, settings: <its VendorSettings>) -> dict
        The vendor's JSON payload, as its document describes it. Never raises
        for any event: a field that cannot be computed is left out.
    headers(settings) -> dict[str, str]
        The HTTP headers its ingestion API wants (besides Content-Type).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict

from errorwire import __about__
from errorwire.core.config import VendorSettings

NOTIFIER_NAME = "errorwire"
NOTIFIER_VERSION = __about__.__version__
NOTIFIER_URL = "https://github.com/errorwire/errorwire"


def to_json(payload: Dict[str, Any]) -> bytes:
    """The one JSON encoding used for size checks and for the wire."""
    return json.dumps(
        payload, separators=(",", ":"), ensure_ascii=False, default=str, allow_nan=False
    ).encode("utf-8")


@dataclass
class Outgoing:
    """One encoded, capped payload for one vendor, ready for the transport."""

    vendor: VendorSettings
    payload: Dict[str, Any]
    body: bytes
    headers: Dict[str, str] = field(default_factory=dict)
    event_id: str = ""

    @property
    def vendor_name(self) -> str:
        return self.vendor.name
