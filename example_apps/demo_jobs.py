"""The demo's job workers: a Redis server, a real ``celery worker`` running
celery_app.py's tasks and a real ``rq worker`` running rq_jobs.py's jobs, each
reporting (from its own process, configured from the environment) to the inbox; then
a ``dramatiq`` worker (dramatiq_app.py), a Huey consumer (huey_app.py) and an ``arq``
worker (arq_app.py), each where its package is installed.

Needs ``redis-server`` on PATH (Debian: ``apt-get install redis-server``) and the
celery / rq packages; what is missing is said, and those frameworks are left out.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

HERE = Path(__file__).resolve().parent
FRAMEWORKS = ("celery", "rq")
MORE = ("dramatiq", "huey", "arq")
"""Run where installed (arq and the newest Celery need different redis-py versions)."""


def missing() -> Optional[str]:
    """Why the job demo cannot run here, or None."""
    if shutil.which("redis-server") is None:
        return "redis-server is not on PATH (Debian: apt-get install redis-server)"
    absent = [name for name in ("celery", "rq", "redis") if importlib.util.find_spec(name) is None]
    if absent:
        return f"not installed: {', '.join(absent)} (pip install 'errorwire[celery,rq]')"
    return None


@contextmanager
def redis_server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


@contextmanager
def worker(args: List[str], url: str) -> Iterator[subprocess.Popen[bytes]]:
    """A worker process; its log goes to sys.stderr (the demo shows it on failure)."""
    path = os.pathsep.join([str(HERE), str(HERE.parent)])
    env = dict(os.environ, CELERY_BROKER_URL=url, REDIS_URL=url, PYTHONPATH=path)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *args], cwd=str(HERE), env=env, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            log.seek(0)
            sys.stderr.write(log.read().decode("utf-8", "replace"))


def stop(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM (a warm shutdown: both flush what they queued), then give it ``grace``."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()


def run_celery(url: str) -> None:
    import celery_app
    from celery import Celery

    command = ["celery", "-A", "celery_app", "worker", "--pool=prefork", "--concurrency=1",
               "--loglevel=INFO", "--without-gossip", "--without-mingle",
               "--without-heartbeat"]  # fmt: skip
    sender = Celery("demo-sender", broker=url, backend=url)
    with worker(command, url) as process:
        results = []
        for name, args, kwargs in celery_app.DEMO_TASKS:
            results.append((name, sender.send_task(name, args=args, kwargs=kwargs)))
        for name, result in results:
            if name != "shop.skip":  # Ignore: Celery stores no result
                result.get(timeout=60, propagate=False)
            print(f"  celery    task {name:<36} -> {result.state}")
        stop(process, grace=60)
    sender.close()


def run_rq(url: str) -> None:
    import rq_jobs
    from redis import Redis
    from rq import Queue, Retry

    queue = Queue("demo", connection=Redis.from_url(url))
    jobs = []
    for name, args, kwargs in rq_jobs.DEMO_JOBS:
        retry = Retry(max=2) if name.endswith("import_feed") else None
        jobs.append((name, queue.enqueue(name, *args, retry=retry, **kwargs)))
    command = ["rq.cli", "worker", "--url", url, "--exception-handler",
               "errorwire.integrations.rq.exception_handler", "demo"]  # fmt: skip
    with worker(command, url) as process:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
            job.get_status() in ("finished", "failed") for _, job in jobs
        ):
            time.sleep(0.1)
        for name, job in jobs:
            print(f"  rq        job  {name:<36} -> {job.get_status()}")
        # The handler flushed each report before RQ marked its job failed.
        stop(process, grace=5)


def run_dramatiq(url: str) -> None:
    os.environ["REDIS_URL"] = url  # the app's broker, here to send
    import dramatiq_app
    from redis import Redis

    for name, args, kwargs in dramatiq_app.DEMO_MESSAGES:
        getattr(dramatiq_app, name).send(*args, **kwargs)
    dead = f"dramatiq:{dramatiq_app.welcome.queue_name}.XQ"
    command = ["dramatiq", "dramatiq_app", "--processes", "1", "--threads", "2"]
    with worker(command, url) as process:
        redis = Redis.from_url(url)
        deadline = time.monotonic() + 60
        while redis.zcard(dead) < dramatiq_app.FAILING and time.monotonic() < deadline:
            time.sleep(0.1)
        for name, _, _ in dramatiq_app.DEMO_MESSAGES:
            print(f"  dramatiq  actor {name:<35} -> sent")
        print(f"  dramatiq  dead-lettered: {redis.zcard(dead)}")
        time.sleep(1)  # the last report is made just after its message is dead-lettered
        stop(process, grace=30)  # the worker process flushes at shutdown


def run_huey(url: str) -> None:
    os.environ["REDIS_URL"] = url
    import huey_app
    from huey.exceptions import TaskException

    results = [(name, getattr(huey_app, name)(*args, **kwargs))
               for name, args, kwargs in huey_app.DEMO_TASKS]  # fmt: skip
    command = ["huey.bin.huey_consumer", "huey_app.huey", "-w", "1"]
    with worker(command, url) as process:
        for name, result in results:
            try:
                result.get(blocking=True, timeout=60)
                state = "done"
            except TaskException:
                state = "failed"
            print(f"  huey      task {name:<36} -> {state}")
        stop(process, grace=30)


def run_arq(url: str) -> None:
    import asyncio

    from arq import create_pool
    from arq.connections import RedisSettings
    from arq.jobs import JobStatus

    os.environ["REDIS_URL"] = url
    import arq_app

    async def enqueue_and_wait() -> None:
        pool = await create_pool(RedisSettings.from_dsn(url))
        jobs = [(name, await pool.enqueue_job(name, *args, **kwargs))
                for name, args, kwargs in arq_app.DEMO_JOBS]  # fmt: skip
        deadline = time.monotonic() + 60
        for name, job in jobs:
            assert job is not None
            while await job.status() != JobStatus.complete and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            info = await job.result_info()
            state = "failed" if info is not None and not info.success else "complete"
            print(f"  arq       job  {name:<36} -> {state}")
        await pool.aclose()

    with worker(["arq", "arq_app.WorkerSettings"], url) as process:
        asyncio.run(enqueue_and_wait())
        stop(process, grace=30)


def run_all() -> List[str]:
    """Run the job frameworks' demos; the ones that ran."""
    reason = missing()
    if reason is not None:
        print(f"\n  celery / rq: SKIPPED, {reason}")
        return []
    ran = list(FRAMEWORKS)
    runners = {"dramatiq": run_dramatiq, "huey": run_huey, "arq": run_arq}
    with redis_server() as url:
        run_celery(url)
        run_rq(url)
        for name in MORE:
            if importlib.util.find_spec(name) is None:
                print(f"\n  {name}: SKIPPED, not installed (pip install 'errorwire[{name}]')")
                continue
            runners[name](url)
            ran.append(name)
    return ran
