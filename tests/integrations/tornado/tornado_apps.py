"""A real Tornado app with one handler per way a request can fail, served by Tornado's
own HTTPServer on 127.0.0.1 (its IOLoop in a thread)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional

import tornado.httpserver
import tornado.web
import tornado.websocket

import errorwire
from errorwire.integrations.tornado import Errorwire


class PaymentFailed(Exception):
    pass


class SocketFailed(Exception):
    pass


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


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
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    port = sock.getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            server = tornado.httpserver.HTTPServer(app)
            server.add_sockets([sock])
            holder["server"] = server

        loop.run_until_complete(start())
        started.set()
        loop.run_forever()
        holder["server"].stop()
        loop.run_until_complete(holder["server"].close_all_connections())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10.0), "tornado did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10.0)
