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
