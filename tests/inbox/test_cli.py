"""``python -m errorwire.inbox`` serves on the given port and keeps reports in the given file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from errorwire.inbox.__main__ import main
from tests.helpers import free_port
from tests.inbox.inbox_payloads import example


def wait_until_served(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} was not served within {timeout}s")


def test_module_serves_the_inbox_on_its_port_and_database(tmp_path: Path) -> None:
    port, db = free_port(), tmp_path / "cli.sqlite3"
    command = [sys.executable, "-m", "errorwire.inbox", "--port", str(port), "--db", str(db)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_served(base + "/", process)
        payload, headers = example("raygun")
        answer = httpx.post(base + "/entries", json=payload, headers=headers)
        assert answer.status_code == 202
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert f"RAYGUN_ENDPOINT=http://127.0.0.1:{port}/entries" in output
    with sqlite3.connect(db) as stored:
        assert stored.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = stored.execute("SELECT vendor, exception_class FROM reports").fetchall()
    assert rows == [("raygun", "ErrorClass")]


def test_help_names_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--db"):
        assert option in out
