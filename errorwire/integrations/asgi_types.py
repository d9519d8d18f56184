"""The ASGI types every ASGI integration shares (the ASGI 3 spec's callables)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

ASGIScope = MutableMapping[str, Any]
"""The connection scope dict (``type``, ``path``, ``headers``...)."""
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[ASGIScope, Receive, Send], Awaitable[None]]

__all__ = ["ASGIApp", "ASGIScope", "Message", "Receive", "Send"]
