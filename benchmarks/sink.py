"""A local HTTP sink for benchmarks: accepts any POST, optionally stalls, counts.

Run in its own process so it never competes with the measured app for the GIL:
    python benchmarks/sink.py [--stall SECONDS]
prints its port on the first line of stdout. `GET /count` answers the number of
POSTs received; `POST /stall?seconds=S` changes the stall at run time.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

state = {"stall": 0.0, "count": 0}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm and
        # the client's delayed ACK add 40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        with lock:
            count = state["count"]
        self._answer(200, str(count).encode())

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        parts = urlsplit(self.path)
        if parts.path == "/stall":
            state["stall"] = float(parse_qs(parts.query)["seconds"][0])
            self._answer(200, b"{}")
            return
        if state["stall"]:
            time.sleep(state["stall"])
        with lock:
            state["count"] += 1
        self._answer(200, b'{"err":0,"result":{"uuid":"0"}}')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stall", type=float, default=0.0)
    args = parser.parse_args()
    state["stall"] = args.stall
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    print(server.server_address[1], flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
