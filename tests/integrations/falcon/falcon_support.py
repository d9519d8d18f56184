"""Serving the Falcon test apps on 127.0.0.1: wsgiref (threaded) for WSGI, uvicorn for ASGI."""

from __future__ import annotations

from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any, Callable, ContextManager, Iterator
from wsgiref.simple_server import WSGIServer, make_server

from tests.threaded_servers import _QuietHandler, serving

Server = Callable[..., ContextManager[str]]
"""``server(with_errorwire=True)``: serves the test app; yields its base URL."""


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64  # 30 clients connect at once (socketserver's default is 5)


@contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadedServer, handler_class=_QuietHandler
    )
    with serving(server) as url:
        yield url
