"""A plain WSGI app with one route per way of failing, and a minimal WSGI caller."""

from __future__ import annotations

import io
import json
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple
from wsgiref.util import setup_testing_defaults

from errorwire.api import set_person

raised: List[BaseException] = []
"""Every exception the app raised, to check the caller got that very object."""


class PaymentFailed(Exception):
    pass


class CloseFailed(Exception):
    pass


def _charge(amount: int) -> None:
    try:
        {}["card"]  # the KeyError is the cause of the chain
    except KeyError as exc:
        error = PaymentFailed(f"cannot charge {amount}")
        raised.append(error)
        raise error from exc


def _read_body(environ: Dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


class ClosingBody:
    """A response iterable with a close() that fails."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield b"body "
        yield b"sent"

    def close(self) -> None:
        self.closed = True
        error = CloseFailed("close failed")
        raised.append(error)
        raise error


def app(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    user = environ.get("HTTP_X_USER")
    if user:
        set_person(id=user, username=f"user-{user}")
    if path == "/ok":
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-App", "yes")])
        return [b"fine"]
    if path == "/missing":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no such page"]
    if path == "/boom":
        _charge(42)
    if path == "/read-then-boom":
        body = _read_body(environ)
        raise ValueError(f"bad body of {len(body)} bytes")
    if path == "/json-then-boom":
        json.loads(_read_body(environ))
        raise ValueError("json read")
    if path == "/unread-boom":
        raise ValueError("body never read")
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _stream()
    if path == "/stream-as-user":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _stream_as_user()
    if path == "/close":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ClosingBody()
    if path == "/user":
        raise RuntimeError(f"failure of user {user}")
    start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
    return [b"unknown route"]


def _stream() -> Iterator[bytes]:
    yield b"first chunk\n"
    error = RuntimeError("stream broke")
    raised.append(error)
    raise error


def _stream_as_user() -> Iterator[bytes]:
    set_person(id="streamer")  # while the server iterates, after the app call returned
    yield b"chunk\n"
    raise RuntimeError("stream of a user broke")


def environ_for(
    path: str,
    *,
    method: str = "GET",
    query: str = "",
    body: bytes = b"",
    content_type: Optional[str] = None,
    headers: Optional[Dict[str, str]] = None,
) -> Dict[str, Any]:
    environ: Dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": "10.1.2.3",
        "HTTP_HOST": "shop.example",
        "wsgi.input": io.BytesIO(body),
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    if content_type:
        environ["CONTENT_TYPE"] = content_type
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    setup_testing_defaults(environ)
    return environ


def call(app: Any, environ: Dict[str, Any]) -> Tuple[str, List[Tuple[str, str]], bytes, Any]:
    """Call ``app`` as a WSGI server does: iterate the body, always close it."""
    started: Dict[str, Any] = {}

    def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Any:
        started["status"], started["headers"] = status, headers
        return lambda data: None

    result = app(environ, start_response)
    chunks: List[bytes] = []
    try:
        for chunk in result:
            chunks.append(chunk)
    finally:
        if hasattr(result, "close"):
            result.close()
    return started["status"], started["headers"], b"".join(chunks), result
