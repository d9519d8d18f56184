"""userinfo in a Host header (an absolute-form request target ``GET http://alice:pw@host/``
or a client that sends it) reaches no vendor: not in the Host header, not in the URL."""

from __future__ import annotations

import socket
from typing import Any, Callable, Dict, Iterable
from urllib.parse import urlsplit

import errorwire
from errorwire.integrations.wsgi import ErrorwireMiddleware
from tests.receiver import Receiver
from tests.threaded_servers import serving, wsgiref_server

PASSWORD = "pw-s3cr3t-77"


def failing_app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    raise RuntimeError("checkout failed")


def send_raw(base: str, request: bytes) -> bytes:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(65536)


def test_userinfo_in_the_host_header_is_scrubbed_for_every_vendor(
    receiver: Receiver, all_vendors: dict
) -> None:
    errorwire.init(**all_vendors)
    with serving(wsgiref_server(ErrorwireMiddleware(failing_app))) as base:
        authority = f"alice:{PASSWORD}@{urlsplit(base).netloc}"
        answer = send_raw(
            base,
            f"GET http://{authority}/checkout HTTP/1.1\r\nHost: {authority}\r\n"
            f"X-Forwarded-Host: {authority}\r\nConnection: close\r\n\r\n".encode(),
        )
    assert answer.startswith(b"HTTP/1.0 500") or answer.startswith(b"HTTP/1.1 500")
    assert errorwire.flush(timeout=5.0)
    arrived = receiver.wait_for(3)
    assert sorted(item.vendor for item in arrived) == ["bugsnag", "raygun", "rollbar"]
    for item in arrived:
        body = item.body.decode()
        assert "checkout failed" in body
        assert PASSWORD not in body, item.vendor
        assert urlsplit(base).netloc in body
