"""What ``run_demo.py`` drives: each framework's example app, how to serve it on
127.0.0.1, and which requests to send it.

An example app module may list its own requests as ``DEMO_REQUESTS``
(``[(method, path, json_body_or_None), ...]``); otherwise every route it declares
is requested once, path parameters filled with ``1``. ``DEMO_KIND = "wsgi"`` serves an app
other than Flask's under wsgiref (the others are ASGI apps, under uvicorn).
"""

from __future__ import annotations

import importlib
import os
import re
import socketserver
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, List, Optional, Tuple
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from errorwire.inbox import serve_in_thread

FRAMEWORKS = (
    "flask",
    "django",
    "starlette",
    "fastapi",
    "aiohttp",
    "quart",
    "strawberry",
    "graphene",
    "litestar",
    "falcon",
    "tornado",
    "pyramid",
    "bottle",
    "sanic",
    "channels",
)
Request = Tuple[str, str, Any]
SKIPPED_PATHS = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static", "/admin")
POST_BODY = {"name": "demo", "quantity": 2}
PARAMETER = re.compile(r"<(?:[^<>:]+:)?[^<>]+>|\{[^{}]+\}")


@dataclass
class Target:
    framework: str
    kind: str
    """"wsgi", "asgi", or a framework's own server: "aiohttp", "tornado", "sanic"."""
    app: Any
    source: str
    requests: List[Request] = field(default_factory=list)

    def serve(self) -> Tuple[str, Callable[[], None]]:
        if self.kind == "aiohttp":
            return serve_aiohttp(self.app)
        if self.kind == "tornado":
            return serve_tornado(self.app)
        if self.kind == "sanic":
            return serve_sanic(self.app)
        return serve_wsgi(self.app) if self.kind == "wsgi" else serve_asgi(self.app)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve_wsgi(app: Any) -> Tuple[str, Callable[[], None]]:
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}", stop


def serve_asgi(app: Any) -> Tuple[str, Callable[[], None]]:
    server, thread, url = serve_in_thread(app, lifespan="auto", log_level="critical")

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return url, stop


def serve_aiohttp(app: Any) -> Tuple[str, Callable[[], None]]:
    """aiohttp's own runner on 127.0.0.1, its event loop in a thread."""
    import asyncio

    from aiohttp import web

    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()

    return f"http://127.0.0.1:{port}", stop


def serve_tornado(app: Any) -> Tuple[str, Callable[[], None]]:
    """Tornado's own HTTPServer on 127.0.0.1, its IOLoop in a thread."""
    import asyncio

    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets

    sockets = bind_sockets(0, "127.0.0.1")
    port = sockets[0].getsockname()[1]
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(_tornado_server(HTTPServer, app, sockets))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def stop() -> None:
        loop.call_soon_threadsafe(server.stop)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return f"http://127.0.0.1:{port}", stop


async def _tornado_server(server_class: Any, app: Any, sockets: Any) -> Any:
    server = server_class(app)  # made on its loop: Tornado binds the running one
    server.add_sockets(sockets)
    return server


def serve_sanic(app: Any) -> Tuple[str, Callable[[], None]]:
    """Sanic's own server (``app.create_server``) on 127.0.0.1, its loop in a thread."""
    import asyncio
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()

    async def start() -> Any:
        server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        await server.startup()
        return server

    server = loop.run_until_complete(start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def stop() -> None:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        sock.close()

    return f"http://127.0.0.1:{port}", stop


KINDS = {"flask": "wsgi", "aiohttp": "aiohttp", "falcon": "wsgi", "tornado": "tornado"}
"""How each framework's app is served (the others are ASGI)."""


# -- loading -----------------------------------------------------------------------------


def load_all(folder: Path) -> List[Target]:
    targets = []
    for framework in FRAMEWORKS:
        target = load(framework, folder)
        if target is not None:
            targets.append(target)
    return targets


def load(framework: str, folder: Path) -> Optional[Target]:
    try:
        if framework == "django" and (folder / "django_app").is_dir():
            return _example_django()
        if (folder / f"{framework}_app.py").is_file():
            module = importlib.import_module(f"{framework}_app")
            kind = getattr(module, "DEMO_KIND", KINDS.get(framework, "asgi"))
            app = module.app
            requests = getattr(module, "DEMO_REQUESTS", None) or discover(framework, app)
            return Target(framework, kind, app, f"example_apps/{framework}_app.py", list(requests))
        return None
    except Exception:
        traceback.print_exc()
        return None


def _example_django() -> Target:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_app.settings")
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    urls = importlib.import_module("django_app.urls")
    requests = getattr(urls, "DEMO_REQUESTS", None) or discover("django", app)
    return Target("django", "wsgi", app, "example_apps/django_app/", list(requests))


# -- discovering requests ----------------------------------------------------------------


def discover(framework: str, app: Any) -> List[Request]:
    routes = {
        "flask": _flask_routes,
        "django": _django_routes,
        "starlette": _starlette_routes,
        "fastapi": _starlette_routes,
    }[framework](app)
    found = {}
    for path, methods in routes:
        path = "/" + PARAMETER.sub("1", path).lstrip("/")
        if path.startswith(SKIPPED_PATHS) or "^" in path or "(" in path:
            continue
        method = "GET" if not methods or "GET" in methods else sorted(methods)[0]
        body = POST_BODY if method in ("POST", "PUT", "PATCH") else None
        found[(method, path)] = (method, path, body)
    return sorted(found.values(), key=lambda request: request[1])


def _flask_routes(app: Any) -> Iterable[Tuple[str, Any]]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            yield rule.rule, set(rule.methods or ()) - {"HEAD", "OPTIONS"}


def _starlette_routes(app: Any, prefix: str = "") -> Iterable[Tuple[str, Any]]:
    for route in getattr(app, "routes", ()):
        path = getattr(route, "path", None)
        if path is None:
            continue
        if getattr(route, "routes", None) and not getattr(route, "methods", None):
            yield from _starlette_routes(route, prefix + path)  # a Mount
        elif getattr(route, "methods", None) is not None:
            yield prefix + path, set(route.methods) - {"HEAD"}


def _django_routes(app: Any, patterns: Any = None, prefix: str = "") -> Iterable[Tuple[str, Any]]:
    from django.urls import URLResolver, get_resolver

    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _django_routes(app, entry.url_patterns, text)
        else:
            yield text, None
