"""What many tests share: free ports, a URL where nothing listens, quick retry settings."""

from __future__ import annotations

import socket
from typing import Any, Dict

QUICK: Dict[str, Any] = {
    "retry_backoff": 0.01,
    "retry_backoff_max": 0.05,
    "circuit_failures": 50,
    "circuit_cooldown": 0.2,
    "connect_timeout": 1.0,
    "read_timeout": 0.5,
    "max_retries": 3,
}
"""Short waits so a test of retries takes milliseconds; the rules are the same."""


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_port_url(path: str) -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused."""
    return f"http://127.0.0.1:{free_port()}{path}"
