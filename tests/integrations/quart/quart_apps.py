"""Quart apps for the tests: one route per way a request can fail, plus one that works."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator

from quart import Blueprint, Quart, abort, request, websocket
from quart_auth import AuthUser, QuartAuth, login_user

import errorwire
from errorwire.integrations.quart import Errorwire
from tests.concurrent_checkouts import tag_checkout
from tests.integrations.app_errors import PaymentFailed, ReceiptFailed, StreamBroke, find_card

log = logging.getLogger("shop")


def make_app(
    with_errorwire: bool = True, error_page: bool = False, auth: bool = True, **config: Any
) -> Quart:
    app = Quart(__name__)
    app.config.update(config)
    app.secret_key = "test-secret"
    app.config["QUART_AUTH_COOKIE_SECURE"] = False  # the tests speak plain HTTP
    if auth:
        QuartAuth(app)

    @app.route("/")
    async def ok() -> str:
        return "all good"

    @app.route("/view-error")
    async def view_error() -> str:
        try:
            find_card("4242")
        except KeyError as exc:
            raise PaymentFailed("card 4242 declined") from exc
        return "paid"

    @app.route("/items/<int:item_id>", methods=["POST"])
    async def item(item_id: int) -> str:
        body = await request.get_json()
        raise ValueError(f"quantity {body['qty']} for item {item_id}")

    @app.route("/login", methods=["POST"])
    async def login() -> str:
        form = await request.form
        raise PermissionError(f"no account {form['username']}")

    @app.route("/upload", methods=["POST"])
    async def upload() -> str:
        files = await request.files
        raise OSError(f"cannot store {files['doc'].filename}")

    @app.route("/unread", methods=["POST"])
    async def unread() -> str:
        raise RuntimeError("the body was not looked at")

    @app.route("/stream")
    async def stream() -> Any:
        async def body() -> AsyncIterator[bytes]:
            yield b"first chunk\n"
            raise StreamBroke("the stream broke")

        return body(), 200

    @app.route("/background")
    async def background() -> str:
        async def send_receipt() -> None:
            raise ReceiptFailed("receipt mailer down")

        app.add_background_task(send_receipt)
        return "queued"

    @app.route("/missing")
    async def missing() -> str:
        abort(404)

    @app.route("/forbidden")
    async def forbidden() -> str:
        abort(403)

    @app.route("/sign-in", methods=["POST"])
    async def sign_in() -> str:
        login_user(AuthUser((await request.form)["user"]))
        return "signed in"

    @app.route("/profile")
    async def profile() -> str:
        raise PaymentFailed("profile store down")

    @app.route("/users/<order>/checkout", methods=["POST"])
    async def checkout(order: str) -> str:
        user = request.headers["X-User"]
        errorwire.set_person(id=user, username=f"name-{user}")
        errorwire.add_breadcrumb(f"cart of {user}", category="shop")
        tag_checkout(order)
        await asyncio.sleep(0.01)  # let the other requests interleave
        log.warning("checkout by %s", user)
        await asyncio.sleep(0.01)
        raise PaymentFailed(f"user {user} order {order}")

    @app.websocket("/ws")
    async def ws() -> None:
        message = await websocket.receive()
        raise PaymentFailed(f"socket said {message}")

    @app.route("/teardown-error")
    async def teardown_error() -> str:
        return "answered"

    @app.teardown_request
    async def close_session(error: Any) -> None:
        if request.path == "/teardown-error":
            raise ReceiptFailed("session store went away")

    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @shop.route("/orders/<order_id>")
    async def order(order_id: str) -> str:
        raise KeyError(f"order {order_id}")

    app.register_blueprint(shop)

    if error_page:

        @app.errorhandler(500)
        async def sorry(error: Exception) -> Any:
            return "<h1>Sorry, our fault</h1>", 500

    if with_errorwire:
        Errorwire(app)
    return app
