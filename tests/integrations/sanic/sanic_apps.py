"""A real Sanic app with one route per way a request can fail, served by Sanic's own
server (``app.create_server``) on 127.0.0.1, its loop in a thread."""

from __future__ import annotations

import asyncio
import itertools
import socket
from contextlib import contextmanager
from typing import Any, Iterator

from sanic import Sanic, response
from sanic.exceptions import NotFound, ServiceUnavailable

import errorwire
from errorwire.integrations.sanic import Errorwire
from tests.integrations.app_errors import PaymentFailed, SocketFailed, StreamBroke, find_card
from tests.integrations.loop_server import serve_on_a_loop

_names = itertools.count()


class OutOfStock(Exception):
    """The app answers it itself, with a 409."""


def make_app(with_errorwire: bool = True, error_pages: bool = False) -> Sanic:
    app = Sanic(f"shop{next(_names)}")
    app.config.MOTD = False
    app.config.TOUCHUP = False

    @app.get("/ok")
    async def ok(request: Any) -> Any:
        return response.text("fine")

    @app.get("/view-error")
    async def view_error(request: Any) -> Any:
        try:
            find_card("4242")
        except KeyError as exc:
            raise PaymentFailed("card 4242 declined") from exc

    @app.post("/items/<item_id:int>")
    async def item(request: Any, item_id: int) -> Any:
        raise ValueError(f"bad quantity {request.json['qty']} for item {item_id}")

    @app.post("/login")
    async def login(request: Any) -> Any:
        raise PermissionError(f"no account {request.form.get('username')}")

    @app.post("/upload")
    async def upload(request: Any) -> Any:
        raise OSError(f"cannot store {request.files.get('doc').name}")

    @app.get("/stream")
    async def stream(request: Any) -> Any:
        answer = await request.respond(content_type="text/plain")
        await answer.send("first,")
        raise StreamBroke("mid-stream")

    @app.get("/missing")
    async def missing(request: Any) -> Any:
        raise NotFound("no such order")

    @app.get("/unavailable")
    async def unavailable(request: Any) -> Any:
        raise ServiceUnavailable("maintenance")

    @app.get("/stock")
    async def stock(request: Any) -> Any:
        raise OutOfStock("sold out")

    @app.post("/users/<order>/checkout")
    async def checkout(request: Any, order: str) -> Any:
        user = request.headers.get("X-User")
        errorwire.set_person(id=user)  # Sanic has no authentication of its own
        errorwire.add_breadcrumb(
            f"checkout {order} by {user}", data={"body": request.body.decode()}
        )
        await asyncio.sleep(0.01)  # let the other requests interleave
        raise PaymentFailed(f"user {user} order {order}")

    @app.websocket("/ws")
    async def socket_route(request: Any, ws: Any) -> None:
        errorwire.set_person(id=request.headers.get("X-User"))
        text = await ws.recv()
        raise SocketFailed(f"cannot handle {text!r}")

    @app.exception(OutOfStock)
    async def out_of_stock(request: Any, exception: Exception) -> Any:
        return response.json({"error": str(exception)}, status=409)

    if error_pages:

        @app.exception(Exception)
        async def error_page(request: Any, exception: Exception) -> Any:
            return response.text("our own 500 page", status=500)

    if with_errorwire:
        Errorwire(app)
    return app


@contextmanager
def serve(app: Sanic) -> Iterator[str]:
    """``app`` on Sanic's own server on 127.0.0.1; yields its base URL."""

    async def start(sock: socket.socket) -> Any:
        server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        assert server is not None
        await server.startup()
        return server

    async def stop(server: Any) -> None:
        await server.close()

    with serve_on_a_loop("sanic", start, stop, start_timeout=20.0) as url:
        yield url
