"""Bugsnag sessions under uWSGI, which forks its workers in C: Python's fork hooks never
run there. Each request a worker served is one session, sent by that worker (at the
latest when it stops); none is lost, none counted twice."""

from __future__ import annotations

import shutil
import signal
from typing import Callable

import pytest

from tests.receiver import Receiver
from tests.release_schemas import assert_valid_release_request
from tests.servers.served import Served, bin_path
from tests.servers.test_servers import SERVERS, Server

UWSGI = [server for server in SERVERS if server.name.startswith("uwsgi")]
REQUESTS = 12


def sessions_started(receiver: Receiver) -> int:
    total = 0
    for item in receiver.received:
        if item.path.startswith("/sessions"):
            assert_valid_release_request(item)
            total += sum(c["sessionsStarted"] for c in item.json()["sessionCounts"])
    return total


@pytest.mark.parametrize("server", UWSGI, ids=str)
def test_each_request_a_uwsgi_worker_served_is_one_session(
    receiver: Receiver, serve: Callable[..., Served], server: Server
) -> None:
    if shutil.which(bin_path("uwsgi")) is None:
        pytest.skip("uWSGI did not build here (it compiles from source: gcc, Python headers)")
    # Not start(): its polls for both workers' pids are requests of a number unknown here.
    served = serve(server.argv, BUGSNAG_SESSIONS_ENDPOINT=f"{receiver.url}/sessions")
    pids = {int(served.get("/pid").text) for _ in range(REQUESTS)}
    assert served.proc.pid not in pids
    assert sessions_started(receiver) == 0  # on the 30 s interval: none yet
    served.stop(signal.SIGTERM)
    # One readiness request (the first /pid that answered) and this test's own.
    assert sessions_started(receiver) == REQUESTS + 1, served.output()
