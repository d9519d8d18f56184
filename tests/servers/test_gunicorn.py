"""Flask under gunicorn: sync and gthread workers, --preload, --max-requests, SIGTERM, SIGHUP."""

from __future__ import annotations

import signal
from typing import Callable, List

import pytest

pytest.importorskip("gunicorn")

from tests.receiver import Receiver
from tests.servers.served import (
    Served,
    bin_path,
    check_reports,
    reported_pids,
    senders,
    slow,
    tokens,
    wait_reports,
)

APP = "apps.flask_app:app"


def has_control_socket() -> bool:
    import gunicorn.config

    return hasattr(gunicorn.config, "ControlSocket")


def gunicorn(*flags: str, app: str = APP) -> Callable[[int], List[str]]:
    def argv(port: int) -> List[str]:
        return [bin_path("gunicorn"), "--bind", f"127.0.0.1:{port}", *NO_CONTROL, *flags, app]

    return argv


# Recent gunicorn opens a control socket at one fixed path per user: servers started side
# by side would share it.
NO_CONTROL = ["--no-control-socket"] if has_control_socket() else []


@pytest.mark.parametrize("preload", [False, True], ids=["fork-then-import", "preload"])
def test_sync_workers_each_failure_one_report_per_vendor_from_its_worker(
    receiver: Receiver, serve: Callable[..., Served], preload: bool
) -> None:
    flags = ["--workers", "2"] + (["--preload"] if preload else [])
    served = serve(gunicorn(*flags))
    workers = served.serving_pids(at_least=2)
    assert served.proc.pid not in workers
    sent = tokens("s", 10)
    served.fail(sent, concurrency=2)
    wait_reports(receiver, len(sent), served)
    sent_by = senders(workers)

    assert served.stop() == 0
    by_token = check_reports(receiver, sent, workers, served.proc.pid, sent_by)
    assert len(set(by_token.values())) == 2  # both workers failed and both reported


def test_gthread_concurrent_failures(receiver: Receiver, serve: Callable[..., Served]) -> None:
    served = serve(
        gunicorn("--workers", "2", "--worker-class", "gthread", "--threads", "4"),
        SERVED_FAIL_DELAY=0.2,  # the requests overlap inside each worker
    )
    workers = served.serving_pids(at_least=2)
    sent = tokens("g", 24)
    served.fail(sent, concurrency=8)
    wait_reports(receiver, len(sent), served)
    sent_by = senders(workers)

    assert served.stop() == 0
    check_reports(receiver, sent, workers, served.proc.pid, sent_by)


@pytest.mark.parametrize("preload", [False, True], ids=["fork-then-import", "preload"])
def test_max_requests_recycling_workers_loses_nothing(
    receiver: Receiver, serve: Callable[..., Served], preload: bool
) -> None:
    flags = ["--workers", "2", "--max-requests", "3"] + (["--preload"] if preload else [])
    served = serve(gunicorn(*flags))
    sent = tokens("m", 15)
    served.fail(sent)
    workers = served.descendants() | served.serving_pids(at_least=1)
    wait_reports(receiver, len(sent), served)
    assert served.stop() == 0

    by_token = check_reports(receiver, sent, reported_pids(receiver), served.proc.pid)
    # Each worker served at most 3 requests: the 15 failures came from at least 5 processes,
    # most of them recycled (and gone) before the test ended.
    assert len(set(by_token.values())) >= 5
    assert set(by_token.values()) - workers


@pytest.mark.parametrize("preload", [False, True], ids=["fork-then-import", "preload"])
def test_sigterm_right_after_failures_with_a_slow_receiver_delivers_everything(
    receiver: Receiver, serve: Callable[..., Served], preload: bool
) -> None:
    served = serve(gunicorn("--workers", "2", *(["--preload"] if preload else [])))
    workers = served.serving_pids(at_least=2)
    receiver.responder = slow(0.15)
    sent = tokens("t", 4)
    served.fail(sent, concurrency=2)

    assert served.stop(signal.SIGTERM) == 0  # nothing waited for the reports before this
    check_reports(receiver, sent, workers, served.proc.pid)


def test_sighup_reload_keeps_reporting(receiver: Receiver, serve: Callable[..., Served]) -> None:
    served = serve(gunicorn("--workers", "2"))
    old = served.serving_pids(at_least=2)
    before = tokens("before", 4)
    served.fail(before, concurrency=2)

    served.send_signal(signal.SIGHUP)
    new = served.replacements_of(old, 2)
    after = tokens("after", 4)
    served.fail(after, concurrency=2)
    wait_reports(receiver, len(before) + len(after), served)

    assert served.stop() == 0
    by_token = check_reports(receiver, before + after, old | new, served.proc.pid)
    assert {by_token[t] for t in after} <= new
    assert {by_token[t] for t in before} <= old
