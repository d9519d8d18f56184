"""The vendors' documented payload rules, checked the way each ingestion API would.

The schemas ship inside this package (``schemas/``), copied from the vendor
documents: Rollbar and Raygun as JSON Schema, Bugsnag as its own OpenAPI file.
The rules a schema cannot say (Raygun ``rawData`` is at most 4096 *bytes*) are
checked here too.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Dict, List

import jsonschema
import yaml

from errorwire.vendors import VENDORS as ALL_VENDORS

SCHEMAS = Path(__file__).resolve().parent / "schemas"
VENDORS = tuple(ALL_VENDORS)
MAX_PROBLEMS = 5
"""Problems named in one 422 answer; the rest are counted."""


def load_schema(folder: Path, vendor: str) -> Dict[str, Any]:
    """``vendor``'s schema from the copies in ``folder``, as one JSON Schema (2020-12).

    Bugsnag publishes OpenAPI: its component schemas become ``$defs``.
    """
    if vendor == "bugsnag":
        spec = yaml.safe_load((folder / "bugsnag-openapi.yml").read_text(encoding="utf-8"))
        text = json.dumps(spec["components"]["schemas"]).replace(
            "#/components/schemas/", "#/$defs/"
        )
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": json.loads(text),
            "$ref": "#/$defs/NotificationPayload",
        }
    name = {"rollbar": "rollbar-item", "raygun": "raygun-entry"}[vendor]
    loaded: Dict[str, Any] = json.loads(
        (folder / f"{name}.schema.json").read_text(encoding="utf-8")
    )
    return loaded


def validator_for(schema: Dict[str, Any]) -> Any:
    """A validator that also checks ``format`` (date-time, ...)."""
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@functools.cache
def schema_for(vendor: str) -> Dict[str, Any]:
    return load_schema(SCHEMAS, vendor)


@functools.cache
def _validator(vendor: str) -> Any:
    return validator_for(schema_for(vendor))


def problems(vendor: str, payload: Any) -> List[str]:
    """Every way ``payload`` breaks ``vendor``'s documented contract; empty when it holds.

    Each problem reads ``where: what`` (``details/error/stackTrace: [] is too short``).
    """
    found = []
    errors = sorted(_validator(vendor).iter_errors(payload), key=lambda e: list(map(str, e.path)))
    for err in errors:
        where = "/".join(str(p) for p in err.path) or "<root>"
        found.append(f"{where}: {err.message[:200]}")
    if vendor == "raygun" and isinstance(payload, dict):
        details = payload.get("details")
        request = details.get("request") if isinstance(details, dict) else None
        raw = request.get("rawData") if isinstance(request, dict) else None
        if isinstance(raw, str) and len(raw.encode("utf-8")) > 4096:
            found.append(f"details/request/rawData: {len(raw.encode('utf-8'))} bytes, over 4096")
    return found


def summary(found: List[str]) -> str:
    """One human-readable line naming the first problems."""
    shown = "; ".join(found[:MAX_PROBLEMS])
    more = len(found) - MAX_PROBLEMS
    return shown + (f" (and {more} more)" if more > 0 else "")
