"""The other servers users deploy on, each with the app of a framework it usually serves.

uvicorn --workers 2 and gunicorn with uvicorn workers (FastAPI), hypercorn (Starlette),
waitress (Django WSGI), daphne (Django ASGI), uWSGI with and without --enable-threads (Flask).
Each: concurrent failing requests give one valid report per vendor, raised and sent by the
process that served it; stopping the server right after failures, with a slow receiver,
still delivers every report.
"""

from __future__ import annotations

import importlib.util
import shutil
import signal
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

import pytest
from receiver import Receiver
from served import Served, bin_path, check_reports, senders, slow, tokens, wait_reports


@dataclass
class Server:
    name: str
    module: str
    """The distribution to import (skip, with the reason, when it cannot be installed)."""
    argv: Callable[[int], List[str]]
    workers: int = 1
    stop_signal: int = signal.SIGTERM
    env: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def uwsgi(*flags: str) -> Callable[[int], List[str]]:
    def argv(port: int) -> List[str]:
        return [
            bin_path("uwsgi"),
            "--http-socket", f"127.0.0.1:{port}",
            "--master", "--processes", "2",
            "--module", "apps.flask_app:app",
            "--need-app", "--strict",
            # uWSGI 2.0 takes SIGTERM as "reload": the usual deployment makes it a shutdown
            # that lets each worker finish (and errorwire flush) like other servers.
            "--die-on-term",
            "--disable-logging",
            *flags,
        ]  # fmt: skip

    return argv


SERVERS = [
    Server(
        "uvicorn-workers",
        "uvicorn",
        lambda port: [
            bin_path("uvicorn"), "--host", "127.0.0.1", "--port", str(port),
            "--workers", "2", "apps.fastapi_app:app",
        ],  # fmt: skip
        workers=2,
    ),
    Server(
        "gunicorn-uvicorn-worker",
        "uvicorn",
        lambda port: [
            bin_path("gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "--worker-class", "uvicorn.workers.UvicornWorker", "apps.fastapi_app:app",
        ],  # fmt: skip
        workers=2,
    ),
    Server(
        "hypercorn",
        "hypercorn",
        lambda port: [
            bin_path("hypercorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "apps.starlette_app:app",
        ],  # fmt: skip
        workers=2,
    ),
    Server(
        "waitress",
        "waitress",
        lambda port: [
            bin_path("waitress-serve"), "--listen", f"127.0.0.1:{port}", "--threads", "4",
            "apps.django_wsgi:application",
        ],  # fmt: skip
    ),
    Server(
        "daphne",
        "daphne",
        lambda port: [
            bin_path("daphne"), "-b", "127.0.0.1", "-p", str(port), "apps.django_asgi:application",
        ],  # fmt: skip
    ),
    Server("uwsgi", "uwsgidecorators", uwsgi()),
    Server("uwsgi-enable-threads", "uwsgidecorators", uwsgi("--enable-threads")),
]


def start(server: Server, serve: Callable[..., Served], **env: object) -> Tuple[Served, set]:
    if importlib.util.find_spec(server.module) is None:
        pytest.skip(f"{server.module} is not installed (nox -s servers installs it)")
    if server.name.startswith("uwsgi") and shutil.which(bin_path("uwsgi")) is None:
        pytest.skip("uWSGI did not build here (it compiles from source: gcc, Python headers)")
    served = serve(server.argv, **server.env, **env)
    return served, served.serving_pids(at_least=server.workers)


def master_of(server: Server, served: Served) -> Optional[int]:
    """The process that must not report: the supervisor of a server with worker processes."""
    return served.proc.pid if server.workers > 1 or server.name.startswith("uwsgi") else None


@pytest.mark.parametrize("server", SERVERS, ids=str)
def test_concurrent_failures_one_report_per_vendor_from_the_serving_process(
    receiver: Receiver, serve: Callable[..., Served], server: Server
) -> None:
    served, workers = start(server, serve, SERVED_FAIL_DELAY=0.05)
    sent = tokens("c", 12)
    served.fail(sent, concurrency=4)
    wait_reports(receiver, len(sent), served)
    sent_by = senders(workers)

    served.stop(server.stop_signal)
    by_token = check_reports(receiver, sent, workers, master_of(server, served), sent_by)
    assert set(by_token.values()) <= workers


@pytest.mark.parametrize("server", SERVERS, ids=str)
def test_stop_right_after_failures_with_a_slow_receiver_delivers_everything(
    receiver: Receiver, serve: Callable[..., Served], server: Server
) -> None:
    served, workers = start(server, serve)
    receiver.responder = slow(0.15)
    sent = tokens("t", 4)
    served.fail(sent, concurrency=2)

    served.stop(server.stop_signal)  # nothing waited for the reports before this
    check_reports(receiver, sent, workers, master_of(server, served))
