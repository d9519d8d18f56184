"""A real server process started on 127.0.0.1 with errorwire pointed at the test's receiver.

``Served`` starts the command, waits (polling, with a deadline) until ``/pid`` answers, and
knows the server's processes. ``check_reports`` reads what arrived at the receiver: one valid
payload per vendor and failing request, raised and sent by the same worker process.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

import httpx
import psutil

from tests.helpers import free_port
from tests.receiver import Received, Receiver
from tests.schemas import assert_valid

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
VENDORS = ("rollbar", "raygun", "bugsnag")
MARK = re.compile(rb"ticket=(\w+) pid=(\d+)")
START_TIMEOUT = 30.0
REPORT_TIMEOUT = 20.0


def server_env(receiver: Receiver, **extra: str) -> Dict[str, str]:
    urls = receiver.endpoints()
    env = dict(os.environ)
    env.update(
        ROLLBAR_ACCESS_TOKEN="rollbar-token",
        ROLLBAR_ENDPOINT=urls["rollbar"],
        RAYGUN_API_KEY="raygun-key",
        RAYGUN_ENDPOINT=urls["raygun"],
        BUGSNAG_API_KEY="bugsnag-key",
        BUGSNAG_ENDPOINT=urls["bugsnag"],
        PYTHONPATH=os.pathsep.join([str(HERE), str(REPO)]),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def bin_path(name: str) -> str:
    """A server's console script, from the interpreter's own environment."""
    return str(Path(sys.executable).parent / name)


class Served:
    def __init__(self, argv: Sequence[str], receiver: Receiver, port: int, **env: str) -> None:
        self.argv = list(argv)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = HERE / f".server-{port}.log"
        self._log_file = open(self.log, "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            self.argv,
            cwd=str(HERE),
            env=server_env(receiver, **env),
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=self.url, timeout=15.0)
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                raise AssertionError(f"{self.argv[0]} exited {code}: {self.output()}")
            try:
                if self.http.get("/pid").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{self.argv} did not answer within {START_TIMEOUT}s: {self.output()}")

    def output(self) -> str:
        self._log_file.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def descendants(self) -> Set[int]:
        try:
            return {p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            return set()

    def serving_pids(self, at_least: int, timeout: float = START_TIMEOUT) -> Set[int]:
        """The processes answering ``/pid``: polled until ``at_least`` distinct ones answered."""
        seen: Set[int] = set()
        deadline = time.monotonic() + timeout
        with ThreadPoolExecutor(8) as pool:
            while len(seen) < at_least and time.monotonic() < deadline:
                for text in pool.map(lambda _: self.get("/pid").text, range(16)):
                    seen.add(int(text))
        assert len(seen) >= at_least, f"only {seen} answered: {self.output()}"
        return seen

    def replacements_of(self, old: Set[int], count: int) -> Set[int]:
        """After a reload: ``count`` processes answering ``/pid`` that are none of ``old``."""
        deadline = time.monotonic() + 2 * START_TIMEOUT  # uvicorn replaces one at a time
        new: Set[int] = set()
        while len(new) < count and time.monotonic() < deadline:
            # TransportError, ValueError: between the old workers leaving and the new ones
            with contextlib.suppress(httpx.TransportError, ValueError):
                new |= self.serving_pids(at_least=1, timeout=START_TIMEOUT) - old
        assert len(new) >= count, f"no new workers after reload: {new}\n{self.output()}"
        # A rolling reload (uvicorn) still has an old worker serving for a moment.
        while _alive(old) and time.monotonic() < deadline:
            time.sleep(0.05)
        return new

    def get(self, path: str, **params: str) -> httpx.Response:
        # A fresh connection per request: a kept-alive one would pin one worker.
        return httpx.get(
            # Generous: a recycled worker's replacement may take long to start on a busy VM.
            self.url + path,
            params=params,
            headers={"Connection": "close"},
            timeout=90.0,
        )

    def fail(self, tokens: Iterable[str], concurrency: int = 1, **params: str) -> None:
        """One failing request per token; each gets the server's own 500, as without errorwire."""

        def one(token: str) -> int:
            return self.get("/fail", token=token, **params).status_code

        with ThreadPoolExecutor(concurrency) as pool:
            statuses = list(pool.map(one, list(tokens)))
        assert statuses == [500] * len(statuses), statuses

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> int:
        """Signal the server and wait for it and all of its workers to exit."""
        family = self.descendants()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"{self.argv[0]} did not exit: {self.output()}") from None
        _, alive = psutil.wait_procs(_processes(family), timeout=timeout)
        assert not alive, f"workers still alive: {alive}"
        self.http.close()
        self._log_file.close()
        return code

    def close(self) -> None:
        """Cleanup after a failed test: nothing of the server may outlive it."""
        if self.proc.poll() is None:
            family = _processes(self.descendants())
            self.proc.kill()
            self.proc.wait(10)
            for p in family:
                with contextlib.suppress(psutil.NoSuchProcess):
                    p.kill()
        self.http.close()
        if not self._log_file.closed:
            self._log_file.close()
        self.log.unlink(missing_ok=True)


def _processes(pids: Iterable[int]) -> List[psutil.Process]:
    found = []
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            found.append(psutil.Process(pid))
    return found


def _alive(pids: Iterable[int]) -> List[psutil.Process]:
    alive = []
    for process in _processes(pids):
        with contextlib.suppress(psutil.NoSuchProcess):
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
    return alive


def tokens(prefix: str, count: int) -> List[str]:
    return [f"{prefix}{i}" for i in range(count)]


def wait_reports(receiver: Receiver, count: int, served: Optional[Served] = None) -> None:
    arrived = receiver.wait_for(count * len(VENDORS), timeout=REPORT_TIMEOUT)
    where = served.output() if served is not None else ""
    assert len(arrived) >= count * len(VENDORS), f"{len(arrived)} of {count * 3} arrived\n{where}"


def reported_pids(receiver: Receiver) -> Set[int]:
    """Every pid the reports name (recycled workers are gone: there is no other record)."""
    return {int(pid) for item in receiver.received for _, pid in MARK.findall(item.body)}


def senders(pids: Iterable[int]) -> Dict[int, int]:
    """Local port -> pid of every TCP connection the processes hold (to the receiver)."""
    owner: Dict[int, int] = {}
    for process in _processes(pids):
        try:
            connections = getattr(process, "net_connections", process.connections)(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        for conn in connections:
            if conn.raddr:
                owner[conn.laddr.port] = process.pid
    return owner


def check_reports(
    receiver: Receiver,
    expected: Sequence[str],
    workers: Set[int],
    master: Optional[int] = None,
    sent_by: Optional[Dict[int, int]] = None,
) -> Dict[str, int]:
    """Exactly one valid payload per vendor and token, raised in one of ``workers`` (never
    the master): returns token -> pid. With ``sent_by`` (a port -> pid map taken while the
    workers' connections to the receiver were open), each report also left from its worker."""
    served: Dict[str, int] = {}
    for vendor in VENDORS:
        items: List[Received] = receiver.by_vendor(vendor)
        marks: List[Tuple[str, int]] = []
        for item in items:
            assert_valid(vendor, item.json())
            found = {(t.decode(), int(p)) for t, p in MARK.findall(item.body)}
            assert len(found) == 1, (vendor, found)
            token, pid = found.pop()
            marks.append((token, pid))
            if sent_by is not None:
                assert sent_by.get(item.peer[1]) == pid, (
                    f"{vendor} report of {token} raised in {pid} arrived from port {item.peer[1]}"
                    f" ({sent_by.get(item.peer[1])})"
                )
        assert sorted(t for t, _ in marks) == sorted(expected), vendor
        for token, pid in marks:
            assert pid in workers and pid != master, (token, pid, workers, master)
            assert served.setdefault(token, pid) == pid, (vendor, token)
    return served


def default_reply(item: Received) -> Any:
    from tests.receiver import accepted

    return accepted(item.vendor)


def slow(stall: float) -> Any:
    """A receiver responder that answers every report after ``stall`` seconds."""

    def answer(item: Received) -> Any:
        reply = default_reply(item)
        reply.stall = stall
        return reply

    return answer


def env_of(**values: Any) -> Dict[str, str]:
    return {k: str(v) for k, v in values.items()}


__all__ = ["Served", "check_reports", "free_port", "slow", "tokens", "wait_reports"]
