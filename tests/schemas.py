"""Validate payloads against the vendor schemas copied into tests/schemas.

The suite checks against its own copies of the schemas; reading them into JSON Schema
form is the inbox's code (``errorwire.inbox.validate.load_schema``)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, List

from errorwire.inbox.validate import load_schema, validator_for

SCHEMAS = Path(__file__).resolve().parent / "schemas"
MAX_BYTES = 128 * 1024


@functools.cache
def _validator(vendor: str) -> Any:
    return validator_for(load_schema(SCHEMAS, vendor))


def problems(vendor: str, payload: Any, max_bytes: int = MAX_BYTES) -> List[str]:
    """Every way ``payload`` breaks the vendor's documented contract (same rules as
    ../shared/tools/validate_payload.py)."""
    found = [
        f"{'/'.join(str(p) for p in err.path) or '<root>'}: {err.message[:300]}"
        for err in _validator(vendor).iter_errors(payload)
    ]
    size = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    if size > max_bytes:
        found.append(f"<size>: {size} bytes, over {max_bytes}")
    if vendor == "raygun":
        raw = payload.get("details", {}).get("request", {}).get("rawData")
        if isinstance(raw, str) and len(raw.encode()) > 4096:
            found.append(f"rawData: {len(raw.encode())} bytes, over 4096")
    if vendor == "rollbar":
        body = payload.get("data", {}).get("body", {})
        if len(body) != 1:
            found.append(
                f"data/body: {sorted(body)} is not exactly one of trace/trace_chain/message"
            )
    return found


def assert_valid(vendor: str, payload: Any, max_bytes: int = MAX_BYTES) -> None:
    found = problems(vendor, payload, max_bytes)
    assert not found, f"{vendor} payload breaks its schema:\n" + "\n".join(found)
