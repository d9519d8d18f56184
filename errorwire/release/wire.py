"""One request to a vendor's release API, outside the report transport: a command waits
for the answer (and prints it), so there is no queue, no retry and no spool here."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import urllib3

from errorwire.transport.http import MAX_ERROR_BODY, proxy_for


@dataclass
class Answer:
    status: Optional[int]
    """The HTTP status; None when no answer came (the error is in ``text``)."""
    text: str
    data: Any = None
    """The body parsed as JSON, when it is JSON."""


def request(
    method: str,
    url: str,
    payload: Mapping[str, Any],
    headers: Mapping[str, str],
    timeout: float = 10.0,
) -> Answer:
    """Send ``payload`` as JSON; never raises for a network failure (the Answer says it)."""
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return send(method, url, body, {"Content-Type": "application/json", **headers}, timeout)


def send(
    method: str, url: str, body: bytes, headers: Mapping[str, str], timeout: float = 10.0
) -> Answer:
    """Send ``body`` as it is, with ``headers``: the Answer, whatever happens."""
    proxy = proxy_for(url)
    manager: urllib3.PoolManager = (
        urllib3.ProxyManager(proxy, cert_reqs="CERT_REQUIRED")
        if proxy
        else urllib3.PoolManager(cert_reqs="CERT_REQUIRED")
    )
    try:
        response = manager.request(
            method,
            url,
            body=body,
            headers=dict(headers),
            timeout=urllib3.Timeout(connect=min(timeout, 5.0), read=timeout),
            retries=False,
            redirect=False,
            preload_content=False,
        )
        try:
            raw = bytes(response.read(MAX_ERROR_BODY))
        finally:
            response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Answer(None, f"no answer from {url}: {exc}")
    finally:
        manager.clear()
    text = raw.decode("utf-8", "replace")
    data: Any = None
    with contextlib.suppress(ValueError):
        data = json.loads(text) if text.strip() else None
    return Answer(response.status, text, data)


def vendor_message(answer: Answer) -> str:
    """What the vendor said, in one line: its message, errors, title or detail fields."""
    data = answer.data
    parts = []
    if isinstance(data, dict):
        for name in ("message", "title", "detail", "errors", "warnings"):
            value = data.get(name)
            if value:
                parts.append(value if isinstance(value, str) else json.dumps(value))
    if not parts and answer.text.strip():
        parts.append(answer.text.strip())
    return " ".join(parts).replace("\n", " ")[:300]


def nested(data: Any, *path: str) -> Any:
    for name in path:
        if not isinstance(data, dict):
            return None
        data = data.get(name)
    return data
