"""Fit an encoded payload under a vendor's byte cap (placeholder: encodes only)."""

from __future__ import annotations

from typing import Any, Dict

from errorwire.vendors.base import to_json


def cap(vendor: str, payload: Dict[str, Any], max_bytes: int) -> bytes:
    """The payload as JSON bytes of at most ``max_bytes``, shrunk in steps when over."""
    return to_json(payload)
