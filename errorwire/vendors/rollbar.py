"""rollbar payload encoder (placeholder until the encoder lands)."""

from __future__ import annotations

from typing import Any, Dict

from errorwire.core.config import VendorSettings
from errorwire.core.event import Event


def encode(event: Event, settings: VendorSettings) -> Dict[str, Any]:
    raise NotImplementedError


def headers(settings: VendorSettings) -> Dict[str, str]:
    raise NotImplementedError
