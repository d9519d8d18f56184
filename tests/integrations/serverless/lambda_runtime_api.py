"""A local implementation of the AWS Lambda Runtime API (the public protocol the real
runtime client, ``awslambdaric``, speaks), on 127.0.0.1.

    GET  /2018-06-01/runtime/invocation/next          -> the next event, with its headers
    POST /2018-06-01/runtime/invocation/{id}/response -> the handler's result
    POST /2018-06-01/runtime/invocation/{id}/error    -> the handler's error
    POST /2018-06-01/runtime/init/error               -> the handler could not be loaded

Like Lambda, it gives the runtime one invocation at a time, and notes when the
result came back: a test compares that moment with what the receiver had by then
(Lambda freezes the process right after).
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders"


@dataclass
class Invocation:
    event: Any
    timeout: float
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline_ms: int = 0
    outcome: Optional[str] = None
    """``response`` or ``error``, once the runtime posted it."""
    body: Any = None
    error_type: Optional[str] = None
    delivered_at: float = 0.0
    """``time.monotonic()`` when the runtime got the event; ``answered_at``: its outcome."""
    answered_at: float = 0.0
    reports_by_then: int = -1
    """How many payloads the receiver had when the outcome arrived."""
    done: threading.Event = field(default_factory=threading.Event)


class RuntimeAPI:
    def __init__(self, reports_so_far: Callable[[], int]) -> None:
        self.reports_so_far = reports_so_far
        self.pending: queue.Queue[Invocation] = queue.Queue()
        self.invocations: Dict[str, Invocation] = {}
        self.init_errors: List[Any] = []
        self.polls = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self) -> RuntimeAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def invoke(self, event: Any, timeout: float = 30.0, wait: float = 30.0) -> Invocation:
        """Hand ``event`` to the runtime (``timeout``: the function's configured timeout)
        and wait up to ``wait`` seconds for its outcome."""
        invocation = Invocation(event, timeout)
        with self._lock:
            self.invocations[invocation.request_id] = invocation
        self.pending.put(invocation)
        invocation.done.wait(wait)
        return invocation

    def _handler(self) -> type:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    return self._reply(404, {"errorMessage": "unknown path"})
                try:
                    invocation = api.pending.get(timeout=120)  # bounded: the test ends first
                except queue.Empty:
                    return self._reply(500, {"errorMessage": "no invocation"})
                invocation.deadline_ms = int((time.time() + invocation.timeout) * 1000)
                invocation.delivered_at = time.monotonic()
                api.polls += 1
                body = json.dumps(invocation.event).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Lambda-Runtime-Aws-Request-Id", invocation.request_id)
                self.send_header("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN)
                self.send_header(
                    "Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"
                )
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.path == f"{PREFIX}/init/error":
                    api.init_errors.append(json.loads(raw or b"null"))
                    return self._reply(202, {"status": "OK"})
                parts = self.path[len(PREFIX) :].strip("/").split("/")
                if (
                    len(parts) != 3
                    or parts[0] != "invocation"
                    or parts[2]
                    not in (
                        "response",
                        "error",
                    )
                ):
                    return self._reply(404, {"errorMessage": "unknown path"})
                with api._lock:
                    invocation = api.invocations.get(parts[1])
                if invocation is None:
                    return self._reply(400, {"errorMessage": "unknown request id"})
                invocation.answered_at = time.monotonic()
                invocation.reports_by_then = api.reports_so_far()
                invocation.outcome = parts[2]
                invocation.body = json.loads(raw) if raw else None
                invocation.error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
                self._reply(202, {"status": "OK"})
                invocation.done.set()

            def _reply(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
