"""Check request bodies of the vendors' release APIs against tests/schemas/release-apis.schema.json
(written from /work/shared/design/RELEASES.md), and the headers each API wants."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, List

import jsonschema

from tests.receiver import Received

SCHEMA = Path(__file__).resolve().parent / "schemas" / "release-apis.schema.json"


@functools.cache
def _validator(kind: str) -> Any:
    whole = json.loads(SCHEMA.read_text())
    schema = {"$schema": whole["$schema"], "$defs": whole["$defs"], "$ref": f"#/$defs/{kind}"}
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return jsonschema.Draft202012Validator(schema, format_checker=checker)


def problems(kind: str, payload: Any) -> List[str]:
    return [
        f"{'/'.join(str(p) for p in err.path) or '<root>'}: {err.message[:300]}"
        for err in _validator(kind).iter_errors(payload)
    ]


def kind_of(item: Received) -> str:
    """Which release API a request to the receiver is for, from its method and path."""
    if item.path.startswith("/api/1/deploy"):
        return "rollbar-deploy-update" if item.method == "PATCH" else "rollbar-deploy"
    if item.path.startswith("/v3/applications/api-key/"):
        return "raygun-deployment"
    if item.path.startswith("/build"):
        return "bugsnag-build"
    if item.path.startswith("/sessions"):
        return "bugsnag-sessions"
    raise AssertionError(f"not a release API path: {item.method} {item.path}")


def assert_valid_release_request(item: Received) -> None:
    """The body against its schema, the auth and content type the vendor's API wants."""
    kind = kind_of(item)
    headers = {name.lower(): value for name, value in item.headers.items()}
    assert headers.get("content-type") == "application/json", headers
    if kind.startswith("rollbar"):
        assert headers.get("x-rollbar-access-token"), "Rollbar wants X-Rollbar-Access-Token"
    if kind == "raygun-deployment":
        assert headers.get("authorization", "").startswith("Bearer "), headers
    if kind == "bugsnag-sessions":
        assert headers.get("bugsnag-api-key"), headers
        assert headers.get("bugsnag-payload-version") == "1.0", headers
        assert headers.get("bugsnag-sent-at"), headers
    found = problems(kind, item.json())
    assert not found, f"{kind} body breaks RELEASES.md:\n" + "\n".join(found)
