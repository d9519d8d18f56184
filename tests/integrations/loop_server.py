"""A framework's own asyncio server on 127.0.0.1, run on an event loop of its own in a
thread (aiohttp's runner, Sanic's and Tornado's servers): what their ``serve`` share."""

from __future__ import annotations

import asyncio
import socket
import threading
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterator


@contextmanager
def serve_on_a_loop(
    name: str,
    start: Callable[[socket.socket], Awaitable[Any]],
    stop: Callable[[Any], Awaitable[None]],
    start_timeout: float = 10.0,
) -> Iterator[str]:
    """``start(sock)`` starts the server on a socket bound to a free port and returns it;
    ``stop(server)`` closes it after the loop stopped. Yields the server's base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(start(sock))
        started.set()
        loop.run_forever()
        loop.run_until_complete(stop(server))
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(start_timeout), f"{name} did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10.0)
        sock.close()
