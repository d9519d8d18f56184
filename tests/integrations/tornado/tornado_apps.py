"""A real Tornado app with one handler per way a request can fail, served by Tornado's
own HTTPServer on 127.0.0.1 (its IOLoop in a thread)."""

from __future__ import annotations

import asyncio
import json
import socket
from contextlib import contextmanager
from typing import Any, Iterator, Optional

import tornado.httpserver
import tornado.web
import tornado.websocket

import errorwire
from errorwire.integrations.tornado import Errorwire
from tests.integrations.app_errors import PaymentFailed, SocketFailed, find_card
from tests.integrations.loop_server import serve_on_a_loop


class Base(tornado.web.RequestHandler):
    def get_current_user(self) -> Optional[str]:
        return self.request.headers.get("X-User")


class Ok(Base):
    def get(self) -> None:
        self.write("fine")


class ViewError(Base):
    def get(self) -> None:
        try:
            find_card("4242")
        except KeyError as exc:
            raise PaymentFailed("card 4242 declined") from exc


class Item(Base):
    def post(self, item_id: str) -> None:
        data = json.loads(self.request.body)
        raise ValueError(f"bad quantity {data['qty']} for item {item_id}")


class Login(Base):
    def post(self) -> None:
        raise PermissionError(f"no account {self.get_body_argument('username')}")


class Upload(Base):
    def post(self) -> None:
        raise OSError(f"cannot store {self.request.files['doc'][0].filename}")


class Missing(Base):
    def get(self) -> None:
        raise tornado.web.HTTPError(404, "no such order")


class Unavailable(Base):
    def get(self) -> None:
        raise tornado.web.HTTPError(503, "maintenance")


class Count(Base):
    def get(self) -> None:
        self.write({"count": int(self.get_argument("number"))})


class OwnPage(Base):
    def get(self) -> None:
        raise PaymentFailed("with the app's own page")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.write(f"<h1>Sorry ({status_code})</h1>")


class Checkout(Base):
    async def post(self, order: str) -> None:
        name = self.current_user
        errorwire.add_breadcrumb(
            f"checkout {order} by {name}", data={"body": self.request.body.decode()}
        )
        await asyncio.sleep(0.01)  # let the other requests interleave
        raise PaymentFailed(f"user {name} order {order}")


class Socket(tornado.websocket.WebSocketHandler):
    def get_current_user(self) -> Optional[str]:
        return self.request.headers.get("X-User")

    def on_message(self, message: Any) -> None:
        raise SocketFailed(f"cannot handle {message!r}")


def make_app(with_errorwire: bool = True) -> tornado.web.Application:
    app = tornado.web.Application(
        [
            (r"/ok", Ok),
            (r"/view-error", ViewError),
            (r"/items/([0-9]+)", Item),
            (r"/login", Login),
            (r"/upload", Upload),
            (r"/missing", Missing),
            (r"/unavailable", Unavailable),
            (r"/count", Count),
            (r"/own-page", OwnPage),
            (r"/users/(?P<order>[^/]+)/checkout", Checkout),
            (r"/ws", Socket),
        ]
    )
    if with_errorwire:
        Errorwire(app)
    return app


@contextmanager
def serve(app: tornado.web.Application) -> Iterator[str]:
    """``app`` on Tornado's own HTTPServer on 127.0.0.1; yields its base URL."""

    async def start(sock: socket.socket) -> tornado.httpserver.HTTPServer:
        sock.listen(128)
        sock.setblocking(False)
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets([sock])
        return server

    async def stop(server: tornado.httpserver.HTTPServer) -> None:
        server.stop()
        await server.close_all_connections()

    with serve_on_a_loop("tornado", start, stop) as url:
        yield url
