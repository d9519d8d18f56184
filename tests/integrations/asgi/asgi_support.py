"""ASGI-family test support: a real uvicorn server for an app, and a log record keeper.

(What errorwire reported is read with the helpers of ``tests/reports.py``.)"""

from __future__ import annotations

import logging
import socket
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator, List

import errorwire


@contextmanager
def serve(app: Any, lifespan: str = "off") -> Iterator[str]:
    """Run ``app`` on a real uvicorn server on 127.0.0.1 (in a thread); yields its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan=lifespan)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10.0
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10.0)
        sock.close()


class Records(logging.Handler):
    """Keeps the log records of one logger, to show what the server logged."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def wait_for(self, count: int, timeout: float = 10.0) -> List[logging.LogRecord]:
        deadline = time.monotonic() + timeout
        while len(self.records) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.records)


@contextmanager
def reporting_log(name: str) -> Iterator[Records]:
    """errorwire's LoggingHandler on the logger ``name``, plus a record of what it logged."""
    logger = logging.getLogger(name)
    records = Records()
    reporter = errorwire.LoggingHandler(level=logging.ERROR)
    logger.addHandler(records)
    logger.addHandler(reporter)
    try:
        yield records
    finally:
        logger.removeHandler(records)
        logger.removeHandler(reporter)
