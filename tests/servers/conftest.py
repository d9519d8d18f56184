from __future__ import annotations

from typing import Any, Callable, Iterator, List

import pytest

from tests.receiver import Receiver
from tests.servers.served import Served, free_port


@pytest.fixture
def serve(receiver: Receiver) -> Iterator[Callable[..., Served]]:
    """``serve(argv_for_port, **env)`` starts a server; whatever is left is killed at the end."""
    started: List[Served] = []

    def start(argv: Callable[[int], List[str]], **env: Any) -> Served:
        port = free_port()
        served = Served(argv(port), receiver, port, **{k: str(v) for k, v in env.items()})
        started.append(served)
        return served

    yield start
    for served in started:
        served.close()
