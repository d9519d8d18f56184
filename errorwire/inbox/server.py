"""Run the inbox under uvicorn: in the foreground (the CLI) or in a background thread (tests,
the demo)."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, Literal, Optional, Tuple

import uvicorn

from errorwire.inbox.app import PATHS, create_app
from errorwire.inbox.store import Store

DEFAULT_DB = "errorwire-inbox.sqlite3"
STARTUP_TIMEOUT = 15.0


class RunningInbox:
    """An inbox serving in a background thread: ``url``, ``endpoints()``, ``store``, ``stop()``."""

    def __init__(
        self,
        server: uvicorn.Server,
        thread: threading.Thread,
        store: Store,
        url: str,
        scratch: Optional[str],
    ) -> None:
        self._server = server
        self._thread = thread
        self._scratch = scratch
        self.store = store
        self.url = url

    def endpoints(self) -> Dict[str, str]:
        """Each vendor's ingestion URL, for ``errorwire.Rollbar(endpoint=...)`` and friends."""
        return {vendor: self.url + path for vendor, path in PATHS.items()}

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self.store.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> RunningInbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_in_thread(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    lifespan: Literal["auto", "on", "off"] = "off",
    log_level: str = "warning",
) -> Tuple[uvicorn.Server, threading.Thread, str]:
    """Serve any ASGI ``app`` under uvicorn in a daemon thread; returns once it accepts
    connections. Stop it with ``server.should_exit = True; thread.join()``."""
    # Bind here, not in uvicorn, so the chosen port is known before the thread starts.
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so; without it
    # every response waits ~40 ms (Nagle against delayed ACKs).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level=log_level, lifespan=lifespan, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="errorwire-uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("uvicorn did not start (see the log above)")
        time.sleep(0.01)
    bound_host, bound_port = sock.getsockname()[:2]
    return server, thread, f"http://{bound_host}:{bound_port}"


def start_inbox(
    db: Optional[str] = None, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
) -> RunningInbox:
    """Start an inbox in a daemon thread and return once it accepts connections.

    ``port=0`` picks a free port; ``db=None`` uses a scratch database removed by ``stop()``.
    """
    scratch = None
    if db is None:
        scratch = tempfile.mkdtemp(prefix="errorwire-inbox-")
        db = str(Path(scratch) / DEFAULT_DB)
    store = Store(db)
    try:
        server, thread, url = serve_in_thread(
            create_app(store, host), host, port, log_level=log_level
        )
    except BaseException:
        store.close()
        raise
    return RunningInbox(server, thread, store, url, scratch)


def serve(db: str = DEFAULT_DB, host: str = "127.0.0.1", port: int = 8484) -> None:
    """Serve in the foreground until interrupted (``python -m errorwire.inbox``)."""
    store = Store(db)
    try:
        uvicorn.run(create_app(store, host), host=host, port=port, lifespan="off")
    finally:
        store.close()
