"""Real HTTP to an inbox on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

import httpx

from errorwire.inbox import RunningInbox


class Poster:
    """Real HTTP to the inbox on 127.0.0.1."""

    def __init__(self, inbox: RunningInbox) -> None:
        self.inbox = inbox
        self.http = httpx.Client(timeout=10.0)

    def send(
        self,
        vendor: str,
        payload: Any = None,
        headers: Optional[Dict[str, str]] = None,
        *,
        content: Optional[bytes] = None,
    ) -> Any:
        body = content if content is not None else json.dumps(payload).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        return self.http.post(self.inbox.endpoints()[vendor], content=body, headers=sent)

    def get(self, path: str) -> Any:
        return self.http.get(self.inbox.url + path)
