"""HTTP to an inbox: called in-process (ASGI) or served on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Union

import httpx
from starlette.testclient import TestClient

from errorwire.inbox import RunningInbox
from errorwire.inbox.app import PATHS, create_app
from errorwire.inbox.store import Store


class InProcessInbox:
    """The inbox app on a store, reached through its ASGI interface: ``url``,
    ``endpoints()`` and ``store`` as a ``RunningInbox`` has them."""

    url = "http://127.0.0.1"  # the guard answers only to the inbox's own address

    def __init__(self, store: Store) -> None:
        self.store = store
        self.app = create_app(store)

    def endpoints(self) -> Dict[str, str]:
        return {vendor: self.url + path for vendor, path in PATHS.items()}


class Poster:
    """HTTP to the inbox: in-process for an ``InProcessInbox``, over a socket otherwise."""

    def __init__(self, inbox: Union[InProcessInbox, RunningInbox]) -> None:
        self.inbox = inbox
        self.http: httpx.Client = (
            TestClient(inbox.app, base_url=inbox.url, raise_server_exceptions=True)
            if isinstance(inbox, InProcessInbox)
            else httpx.Client(timeout=10.0)
        )

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
