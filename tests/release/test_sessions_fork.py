"""Session counts of a forked child (a gunicorn worker, a Celery prefork child) go out on
the interval, as the parent's do: not only at its flush, exit or first error."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.receiver import Receiver
from tests.session_counts import counting_wsgi_app_source, sessions_started


def test_a_forked_child_sends_its_counts_every_interval(receiver: Receiver, tmp_path: Path) -> None:
    script = tmp_path / "forking_app.py"
    interval = (
        "from errorwire.core import client as client_module\nclient_module.SEND_INTERVAL = 0.3\n"
    )
    script.write_text(
        interval
        + counting_wsgi_app_source(receiver)
        + textwrap.dedent(
            """
            import os, time
            child = os.fork()
            if child == 0:  # a worker: serves, reports no error, never exits cleanly
                for _ in range(3):
                    list(wrapped({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *a: None))
                time.sleep(3)
                os._exit(0)  # no flush, no atexit: only the interval could have sent them
            os.waitpid(child, 0)
            os._exit(0)
            """
        )
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started >= 3
    assert sessions_started(receiver) == 3, done.stderr


def test_only_a_process_that_counts_sessions_runs_a_thread_for_them(
    receiver: Receiver, tmp_path: Path
) -> None:
    """A Celery prefork pool's main process runs no task: a thread of ours there hung
    Celery 5.4's warm shutdown. Each process starts its thread at its first session."""
    script = tmp_path / "prefork_app.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os
            import errorwire
            from errorwire.integrations.wsgi import ErrorwireMiddleware
            errorwire.init(bugsnag=errorwire.Bugsnag(
                api_key="k", endpoint="{receiver.url}/bugsnag/",
                sessions_endpoint="{receiver.url}/sessions"))
            def worker_state():
                return errorwire.stats()["transport"]["worker"]
            wrapped = ErrorwireMiddleware(lambda environ, start: [b"ok"])
            assert worker_state() == "idle", "parent at init"
            child = os.fork()
            if child == 0:
                states = [worker_state()]
                list(wrapped({{"REQUEST_METHOD": "GET", "PATH_INFO": "/"}}, lambda *a: None))
                states.append(worker_state())
                errorwire.flush(5)
                os._exit(0 if states == ["idle", "running"] else 3)
            _, status = os.waitpid(child, 0)
            assert os.waitstatus_to_exitcode(status) == 0, "child: idle until its first session"
            assert worker_state() == "idle", "the parent counted nothing"
            """
        )
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sessions_started(receiver) == 1, done.stderr
