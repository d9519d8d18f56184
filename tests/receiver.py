"""A real HTTP receiver on 127.0.0.1 that plays Rollbar, Raygun and Bugsnag.

Records every request (path, headers, body) and answers from a script of
faults a test can program: a status with headers and body, a stall, a reset.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple

from errorwire.vendors import VENDORS

RELEASE_PATHS = (("/api/1/deploy", "rollbar"), ("/v3/applications/", "raygun"))
"""The release APIs' paths (deploys); Bugsnag's builds and sessions are the last vendor's."""


@dataclass
class Received:
    method: str
    path: str
    headers: Dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)
    peer: Tuple[str, int] = ("", 0)
    """The client's address and port: one port for many requests means a kept-alive connection."""

    @property
    def vendor(self) -> str:
        """The vendor whose path it was sent to (a path no vendor has: the last one)."""
        for prefix, name in RELEASE_PATHS:
            if self.path.startswith(prefix):
                return name
        for name, vendor in VENDORS.items():
            if self.path.startswith(vendor.LOCAL_PATH.rstrip("/")):
                return name
        return name

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    headers: Dict[str, str] = field(default_factory=dict)
    body: Any = None
    stall: float = 0.0
    reset: bool = False
    """Close the connection abruptly instead of answering."""
    partial: bool = False
    """Send the status line, the headers and half the body, then reset the connection."""


DEFAULT_BODIES = {
    "rollbar": {"err": 0, "result": {"uuid": "0"}},
    "raygun": {},
    "bugsnag": {},
}


def accepted(vendor: str, stall: float = 0.0) -> Reply:
    """The answer ``vendor`` gives a report it accepts (after ``stall`` seconds)."""
    return Reply(VENDORS[vendor].SUCCESS_STATUS, body=DEFAULT_BODIES[vendor], stall=stall)


EVENT_ID_HEADER = "X-Errorwire-Event-Id"


def one_per_event(item: Received) -> List[Received]:
    """A Bugsnag notify carrying several reports (errorwire joins a backlog's reports) as
    one record per report, each as if sent alone: tests count and read reports."""
    ids = item.headers.get(EVENT_ID_HEADER, "").split(",")
    if item.vendor != "bugsnag" or len(ids) < 2:
        return [item]
    payload = item.json()
    assert len(payload["events"]) == len(ids), "one event id per event"
    return [
        Received(
            item.method,
            item.path,
            {**item.headers, EVENT_ID_HEADER: event_id},
            json.dumps(
                {**payload, "events": [event]}, separators=(",", ":"), ensure_ascii=False
            ).encode(),
            item.at,
            item.peer,
        )
        for event, event_id in zip(payload["events"], ids)
    ]


class Receiver:
    """Start with ``with Receiver() as r:``; ``r.url`` is its base URL."""

    def __init__(self) -> None:
        self.received: List[Received] = []
        """Requests answered with a 2xx: what the vendor accepted."""
        self.attempts: List[Received] = []
        """Every request that arrived, whatever the answer."""
        self.replies: List[Reply] = []
        self.vendor_replies: Dict[str, List[Reply]] = {}
        self.responder: Optional[Callable[[Received], Optional[Reply]]] = None
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def endpoints(self) -> Dict[str, str]:
        return {name: self.url + vendor.LOCAL_PATH for name, vendor in VENDORS.items()}

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order, then succeed."""
        with self._lock:
            self.replies.extend(replies)

    def script_for(self, vendor: str, *replies: Reply) -> None:
        """Answer the next requests to ``vendor`` with these replies, in order."""
        with self._lock:
            self.vendor_replies.setdefault(vendor, []).extend(replies)

    def wait_for(self, count: int, timeout: float = 10.0) -> List[Received]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
            return list(self.received)

    def wait_for_attempts(self, count: int, timeout: float = 10.0) -> List[Received]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.attempts) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._arrived.wait(left)
            return list(self.attempts)

    def attempts_for(self, vendor: str) -> List[Received]:
        with self._lock:
            return [r for r in self.attempts if r.vendor == vendor]

    def by_vendor(self, vendor: str) -> List[Received]:
        with self._lock:
            return [r for r in self.received if r.vendor == vendor]

    def _next_reply(self, item: Received) -> Reply:
        if self.responder is not None:
            reply = self.responder(item)
            if reply is not None:
                return reply
        with self._lock:
            if self.vendor_replies.get(item.vendor):
                return self.vendor_replies[item.vendor].pop(0)
            if self.replies:
                return self.replies.pop(0)
        return accepted(item.vendor)

    def _record(self, item: Received) -> None:
        with self._arrived:
            self.received.append(item)
            self._arrived.notify_all()

    def _handler(self) -> type:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the body waits for
            # the client's delayed ACK (40 ms) and a keep-alive client crawls.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                self._answer("POST")

            def do_PATCH(self) -> None:  # Rollbar's deploy status update
                self._answer("PATCH")

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                peer = (str(self.client_address[0]), int(self.client_address[1]))
                item = Received(method, self.path, dict(self.headers.items()), body, peer=peer)
                items = one_per_event(item)
                with receiver._arrived:
                    receiver.attempts.extend(items)
                    receiver._arrived.notify_all()
                reply = receiver._next_reply(item)
                if reply.stall:
                    time.sleep(reply.stall)
                if reply.reset:
                    self._reset()
                    return
                if 200 <= reply.status < 300:
                    for each in items:
                        receiver._record(each)
                data = json.dumps(reply.body if reply.body is not None else {}).encode()
                if reply.partial:
                    data += b" " * 64  # long enough to cut in half
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if reply.partial:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self._reset()
                    return
                self.wfile.write(data)

            def _reset(self) -> None:
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                self.connection.close()
                self.close_connection = True

        return Handler
