"""One benchmark subject: a (framework, variant) app driven in-process.

    python benchmarks/runner.py FRAMEWORK VARIANT SINK_URL

Reads one JSON command a line on stdin, answers one JSON line on stdout.
No HTTP server sits between the driver and the app: a WSGI app is called with a
prepared environ, an ASGI app with a scope and two channels, so only the app
and its middleware are measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import statistics
import sys
import threading
import time
from typing import Any, Callable, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from apps import build

WARMUP_REQUESTS = 1000
WARMUP_ERRORS = 20


def _environ(path: str) -> Dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "a=1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "bench",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def wsgi_caller(app: Any) -> Callable[[str], int]:
    templates = {path: _environ(path) for path in ("/ok", "/error")}

    def call(path: str) -> int:
        environ = dict(templates[path])
        environ["wsgi.input"] = io.BytesIO(b"")
        status: List[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(line)
            return lambda data: None

        body = app(environ, start_response)
        try:
            for _ in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        return int(status[0].split(" ", 1)[0])

    return call


def asgi_scope(path: str) -> Dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"a=1",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def asgi_call(app: Any, path: str) -> int:
    status = [0]

    async def receive() -> Dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    with contextlib.suppress(Exception):
        await app(asgi_scope(path), receive, send)
    return status[0]


class Subject:
    def __init__(self, framework: str, variant: str, sink: str, storm_control: bool) -> None:
        self.framework = framework
        self.variant = variant
        self.app = build(framework, variant, sink, storm_control)
        self.is_asgi = framework == "starlette"
        self.call = wsgi_caller(self.app) if not self.is_asgi else None
        # Warm up: first-request set-up (URL caches, lazy imports, the reporter's
        # worker thread) is not what we measure.
        self.timings("/ok", WARMUP_REQUESTS)
        self.timings("/error", WARMUP_ERRORS)

    def timings(self, path: str, n: int) -> List[int]:
        """Nanoseconds per request, ``n`` requests in a row."""
        clock = time.perf_counter_ns
        out: List[int] = []
        if self.is_asgi:

            async def run() -> None:
                for _ in range(n):
                    start = clock()
                    await asgi_call(self.app, path)
                    out.append(clock() - start)

            asyncio.run(run())
        else:
            call = self.call
            assert call is not None
            for _ in range(n):
                start = clock()
                call(path)
                out.append(clock() - start)
        return out

    def throughput(self, path: str, n: int) -> float:
        """Requests per second over ``n`` requests."""
        start = time.perf_counter()
        if self.is_asgi:

            async def run() -> None:
                for _ in range(n):
                    await asgi_call(self.app, path)

            asyncio.run(run())
        else:
            call = self.call
            assert call is not None
            for _ in range(n):
                call(path)
        return n / (time.perf_counter() - start)

    def burst(self, total: int, threads: int) -> Dict[str, Any]:
        """``total`` failing requests from ``threads`` threads; errors/s and peak RSS growth."""
        rss_before = _rss_kib("VmRSS")
        _reset_peak_rss()
        per_thread = total // threads

        def work() -> None:
            if self.is_asgi:

                async def run() -> None:
                    for _ in range(per_thread):
                        await asgi_call(self.app, "/error")

                asyncio.run(run())
            else:
                assert self.call is not None
                for _ in range(per_thread):
                    self.call("/error")

        workers = [threading.Thread(target=work) for _ in range(threads)]
        start = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - start
        return {
            "errors_per_s": per_thread * threads / elapsed,
            "rss_growth_kib": max(0, _rss_kib("VmHWM") - rss_before),
        }


def _rss_kib(field: str) -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak_rss() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def summary_us(samples: List[int]) -> Dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_us": statistics.median(ordered) / 1000,
        "p99_us": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000,
    }


def handle(subject: Subject, command: Dict[str, Any]) -> Dict[str, Any]:
    op = command["op"]
    if op == "happy":
        return {"rps": subject.throughput("/ok", command["n"])}
    if op == "errors":
        return {"samples_ns": subject.timings("/error", command["n"])}
    if op == "burst":
        return subject.burst(command["n"], command["threads"])
    if op == "flush":
        return flush(subject.variant, command.get("timeout", 60.0))
    if op == "capture_breakdown":
        from breakdown import capture_breakdown

        return capture_breakdown(command["n"])
    if op == "delivery":
        from breakdown import delivery_throughput

        return delivery_throughput(command["n"])
    raise ValueError(f"unknown op {op!r}")


def flush(variant: str, timeout: float) -> Dict[str, Any]:
    start = time.perf_counter()
    result: Dict[str, Any] = {}
    if variant.startswith("errorwire"):
        import errorwire

        result["flushed"] = errorwire.flush(timeout)
        result["stats"] = errorwire.stats()
    elif variant == "sentry":
        import sentry_sdk

        sentry_sdk.flush(timeout)
    elif variant == "rollbar":
        import rollbar

        rollbar.wait()
    result["seconds"] = time.perf_counter() - start
    return result


def main() -> None:
    framework, variant, sink = sys.argv[1:4]
    storm_control = sys.argv[4:5] != ["no-storm-control"]
    subject = Subject(framework, variant, sink, storm_control)
    flush(variant, 30.0)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = handle(subject, json.loads(line))
        except Exception as exc:
            answer = {"error": repr(exc)}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
