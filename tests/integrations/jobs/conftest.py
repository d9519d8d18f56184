"""A real Redis server for the job-queue tests (Celery, RQ, Dramatiq, Huey, arq): Debian's
``redis-server`` on a free 127.0.0.1 port, persistence off, one per test session; and a
queue name of each test's own."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from typing import Iterator

import pytest

from tests.helpers import free_port

REDIS_MISSING = "redis-server is not installed (Debian package redis-server; .ci/run installs it)"


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(REDIS_MISSING)
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while not _answers_ping(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def queue() -> str:
    """A queue no other test uses (arq and RQ tests define theirs)."""
    return f"q-{uuid.uuid4().hex[:8]}"
