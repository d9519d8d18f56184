"""The same shop as a Pyramid app and as a Bottle app (one route per way a request can
fail), and waitress serving one on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator

import errorwire


class PaymentFailed(Exception):
    pass


class StreamBroke(Exception):
    pass


class Halt(BaseException):
    """A library's own BaseException (gevent's Timeout, trio's Cancelled...)."""


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def charge(number: str) -> None:
    try:
        find_card(number)
    except KeyError as exc:
        raise PaymentFailed("card declined") from exc


def checkout_of(user: str, order: str, body: bytes) -> None:
    errorwire.add_breadcrumb(f"checkout {order} by {user}", data={"body": body.decode()})
    time.sleep(0.01)  # let the other requests interleave
    raise PaymentFailed(f"user {user} order {order}")


def chunks() -> Iterator[bytes]:
    yield b"first,"
    raise StreamBroke("mid-stream")


ROUTES = {
    "pyramid": {"items": "/items/{item_id}", "checkout": "/users/{order}/checkout"},
    "bottle": {"items": "/items/<item_id:int>", "checkout": "/users/<order>/checkout"},
}
"""Each framework's route templates (the reports' context)."""


def make_pyramid_app(with_errorwire: bool = True, error_pages: bool = False) -> Any:
    from pyramid.authorization import Allow, Everyone  # noqa: F401 - Pyramid 2 security
    from pyramid.config import Configurator
    from pyramid.httpexceptions import HTTPNotFound, HTTPServiceUnavailable
    from pyramid.response import Response

    class HeaderSecurity:
        """The user named by the X-User header (what a session or token policy would do)."""

        def identity(self, request: Any) -> Any:
            return request.headers.get("X-User")

        def authenticated_userid(self, request: Any) -> Any:
            return request.headers.get("X-User")

        def permits(self, request: Any, context: Any, permission: Any) -> bool:
            return True

        def remember(self, request: Any, userid: Any, **kw: Any) -> list:
            return []

        def forget(self, request: Any, **kw: Any) -> list:
            return []

    def ok(request: Any) -> Any:
        return Response("fine", content_type="text/plain")

    def view_error(request: Any) -> Any:
        charge("4242")

    def item(request: Any) -> Any:
        data = request.json_body
        raise ValueError(f"bad quantity {data['qty']} for item {request.matchdict['item_id']}")

    def signup(request: Any) -> Any:
        raise RuntimeError(f"signup failed for {request.POST['email']}")

    def stream(request: Any) -> Any:
        return Response(app_iter=chunks(), content_type="text/plain")

    def missing(request: Any) -> Any:
        raise HTTPNotFound("no such order")

    def unavailable(request: Any) -> Any:
        raise HTTPServiceUnavailable("maintenance")

    def checkout(request: Any) -> Any:
        checkout_of(request.authenticated_userid, request.matchdict["order"], request.body)

    def halt(request: Any) -> Any:
        raise Halt("stopped in the view")

    def error_page(exc: Any, request: Any) -> Any:
        return Response("our own 500 page", status=500, content_type="text/plain")

    with Configurator() as config:
        config.set_security_policy(HeaderSecurity())
        if with_errorwire:
            config.include("errorwire.integrations.pyramid")
        views: Dict[str, Callable[..., Any]] = {
            "/ok": ok,
            "/view-error": view_error,
            "/signup": signup,
            "/stream": stream,
            "/missing": missing,
            "/unavailable": unavailable,
            "/halt": halt,
            ROUTES["pyramid"]["items"]: item,
            ROUTES["pyramid"]["checkout"]: checkout,
        }
        posted = {signup, item, checkout}
        for pattern, view in views.items():
            config.add_route(pattern, pattern)
            method = "POST" if view in posted else "GET"
            config.add_view(view, route_name=pattern, request_method=method)
        if error_pages:
            config.add_exception_view(error_page, context=Exception)
        return config.make_wsgi_app()


def make_bottle_app(with_errorwire: bool = True, error_pages: bool = False) -> Any:
    import bottle

    from errorwire.integrations.bottle import ErrorwirePlugin

    app = bottle.Bottle()
    if with_errorwire:
        app.install(ErrorwirePlugin())

    @app.get("/ok")
    def ok() -> str:
        return "fine"

    @app.get("/view-error")
    def view_error() -> None:
        charge("4242")

    @app.post(ROUTES["bottle"]["items"])
    def item(item_id: int) -> None:
        data = bottle.request.json
        raise ValueError(f"bad quantity {data['qty']} for item {item_id}")

    @app.post("/signup")
    def signup() -> None:
        raise RuntimeError(f"signup failed for {bottle.request.forms['email']}")

    @app.get("/stream")
    def stream() -> Iterator[bytes]:
        return chunks()

    @app.get("/missing")
    def missing() -> None:
        bottle.abort(404, "no such order")

    @app.get("/unavailable")
    def unavailable() -> None:
        bottle.abort(503, "maintenance")

    @app.get("/halt")
    def halt() -> None:
        raise Halt("stopped in the view")

    @app.post(ROUTES["bottle"]["checkout"])
    def checkout(order: str) -> None:
        user = bottle.request.get_header("X-User")
        errorwire.set_person(id=user)  # Bottle has no sessions of its own
        checkout_of(user, order, bottle.request.body.read())

    if error_pages:

        @app.error(500)
        def error_page(error: Any) -> str:
            return "our own 500 page"

    return app


MAKERS = {"pyramid": make_pyramid_app, "bottle": make_bottle_app}


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """``app`` under waitress on 127.0.0.1 (8 threads); yields its base URL."""
    from waitress.server import create_server

    server: Any = create_server(
        app,
        host="127.0.0.1",
        port=0,
        threads=8,
        backlog=64,
        clear_untrusted_proxy_headers=False,  # the tests send X-Forwarded-For as a proxy would
    )
    stopping = threading.Event()

    def run() -> None:  # server.run() without end: its loop, until told to stop
        while not stopping.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        thread.join(timeout=10.0)
        server.close()
        server.task_dispatcher.shutdown(timeout=5)
