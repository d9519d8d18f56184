"""Flush the report queue when an ASGI server shuts the app down (the lifespan protocol).

uvicorn loads the app inside its own SIGTERM handling and, after a graceful shutdown,
raises SIGTERM again with the default action: the process dies without ``atexit``.
Its lifespan shutdown is the last moment errorwire's code runs there, so the app's
``lifespan.shutdown.complete`` (or ``failed``) waits for the queue first, for up to
``shutdown_timeout``. Once per process: a request never passes through here.
"""

from __future__ import annotations

from typing import Callable, Optional

from errorwire.core.client import Client
from errorwire.core.safety import swallow
from errorwire.integrations.asgi_types import Message, Send

SHUTDOWN_ENDS = frozenset(("lifespan.shutdown.complete", "lifespan.shutdown.failed"))


def flushing_at_shutdown(send: Send, held: Callable[[], Optional[Client]]) -> Send:
    """``send``, flushing the queue of the client ``held()`` (the middleware's) first."""

    async def lifespan_send(message: Message) -> None:
        if message.get("type") in SHUTDOWN_ENDS:
            client = held()
            if client is not None:
                # Blocks the loop, on purpose: the server has stopped serving, and a
                # thread hand-off would tie this to one async library.
                with swallow("flush at lifespan shutdown"):
                    client.flush(client.options.shutdown_timeout)
        await send(message)

    return lifespan_send
