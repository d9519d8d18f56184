"""The framework-free base of the web integrations: URLs from ASGI or WSGI parts, plain
route arguments."""

from __future__ import annotations

import datetime
import uuid

import pytest

from errorwire.core.http_parts import asgi_url, environ_url, host_of
from errorwire.integrations.base import plain_params


@pytest.mark.parametrize(
    ("host_header", "server", "scheme", "expected"),
    [
        ("shop.example:8443", ("10.0.0.1", 80), "https", "shop.example:8443"),
        (None, ("10.0.0.1", 80), "http", "10.0.0.1"),
        (None, ("10.0.0.1", 8000), "http", "10.0.0.1:8000"),
        (None, ("10.0.0.1", 443), "wss", "10.0.0.1"),
        (None, ("unix-socket", None), "http", "unix-socket"),
        (None, None, "http", "localhost"),
    ],
)
def test_the_host_is_the_header_else_the_server_without_its_default_port(
    host_header: str, server: tuple, scheme: str, expected: str
) -> None:
    assert host_of(host_header, server, scheme) == expected


def test_an_asgi_url_keeps_the_root_path_once_and_the_query() -> None:
    scope = {"type": "http", "scheme": "https", "server": ("api.example", 443)}
    assert asgi_url(scope, None, "/v1", "/items/7", "full=1") == (
        "https://api.example/v1/items/7?full=1"
    )
    assert asgi_url(scope, None, "/v1", "/v1/items/7", "") == "https://api.example/v1/items/7"
    websocket = {"type": "websocket", "server": ("127.0.0.1", 8000)}
    assert asgi_url(websocket, None, "", "/feed", "") == "ws://127.0.0.1:8000/feed"


def test_a_wsgi_url_is_rebuilt_as_pep_3333_says() -> None:
    environ = {
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "app.internal",
        "SERVER_PORT": "8080",
        "SCRIPT_NAME": "/shop",
        "PATH_INFO": "/caf\xc3\xa9 menu",
        "QUERY_STRING": "q=a b",
    }
    assert environ_url(environ) == "http://app.internal:8080/shop/caf%C3%A9%20menu?q=a b"
    assert environ_url({**environ, "SERVER_PORT": "80", "QUERY_STRING": ""}) == (
        "http://app.internal/shop/caf%C3%A9%20menu"
    )
    assert environ_url({**environ, "HTTP_HOST": "shop.example"}).startswith("http://shop.example/")


def test_route_arguments_reach_the_worker_as_plain_values() -> None:
    ident = uuid.UUID(int=7)
    params = plain_params({"id": ident, "day": datetime.date(2026, 1, 2), "n": 3, "ok": None})
    assert params == {"id": str(ident), "day": "2026-01-02", "n": 3, "ok": None}
