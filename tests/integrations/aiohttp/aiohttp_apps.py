"""aiohttp apps for the tests, and aiohttp's own runner serving one on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import socket
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Iterator, List

from aiohttp import web

import errorwire
from errorwire.integrations.aiohttp import middleware as errorwire_middleware
from tests.concurrent_checkouts import tag_checkout
from tests.integrations.app_errors import PaymentFailed, StreamBroke, find_card
from tests.integrations.loop_server import serve_on_a_loop

log = logging.getLogger("shop")


async def view_error(request: web.Request) -> web.Response:
    try:
        find_card("4242")
    except KeyError as exc:
        raise PaymentFailed("card 4242 declined") from exc
    return web.Response(text="paid")


async def item(request: web.Request) -> web.Response:
    body = await request.json()
    if body["qty"] < 0:
        raise ValueError(f"quantity {body['qty']} for item {request.match_info['item_id']}")
    return web.Response(text="ok")


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    raise PermissionError(f"no account {form['username']}")


async def upload(request: web.Request) -> web.Response:
    form = await request.post()
    raise OSError(f"cannot store {form['doc'].filename}")  # type: ignore[union-attr]


async def unread(request: web.Request) -> web.Response:
    raise RuntimeError("the body was never read")


async def stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    await response.prepare(request)
    await response.write(b"first chunk\n")
    raise StreamBroke("the stream broke")


async def not_found(request: web.Request) -> web.Response:
    raise web.HTTPNotFound(text="no such order")


async def forbidden(request: web.Request) -> web.Response:
    raise web.HTTPForbidden()


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/elsewhere")


async def server_error(request: web.Request) -> web.Response:
    raise web.HTTPServiceUnavailable(text="maintenance")


async def chat(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    message = await ws.receive_str()
    raise PaymentFailed(f"socket said {message}")


async def ok(request: web.Request) -> web.Response:
    return web.Response(text="all good")


async def checkout(request: web.Request) -> web.Response:
    """The person and breadcrumbs of one of many concurrent requests."""
    user = request.headers["X-User"]
    errorwire.set_person(id=user, username=f"name-{user}")
    errorwire.add_breadcrumb(f"cart of {user}", category="shop")
    tag_checkout(request.match_info["order"])
    await asyncio.sleep(0.01)  # let the other requests interleave
    log.warning("checkout by %s", user)
    await asyncio.sleep(0.01)
    raise PaymentFailed(f"user {user} order {request.match_info['order']}")


async def order(request: web.Request) -> web.Response:
    raise KeyError(f"order {request.match_info['order_id']}")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_page(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The app's own 500 page, rendered by a middleware listed before errorwire's."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        return web.Response(status=500, text="<h1>Sorry, our fault</h1>", content_type="text/html")


def make_app(with_errorwire: bool = True, error_pages: bool = False) -> web.Application:
    middlewares: List[Any] = [error_page] if error_pages else []
    if with_errorwire:
        middlewares.append(errorwire_middleware)
    app = web.Application(middlewares=middlewares)
    app.router.add_get("/", ok)
    app.router.add_get("/ws", chat)
    app.router.add_get("/view-error", view_error)
    app.router.add_post("/items/{item_id}", item)
    app.router.add_post("/login", login)
    app.router.add_post("/upload", upload)
    app.router.add_post("/unread", unread)
    app.router.add_get("/stream", stream)
    app.router.add_get("/not-found", not_found)
    app.router.add_get("/forbidden", forbidden)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/unavailable", server_error)
    app.router.add_post("/users/{order}/checkout", checkout)
    shop = web.Application()
    shop.router.add_get("/orders/{order_id}", order)
    app.add_subapp("/shop", shop)
    return app


@contextmanager
def serve(app: web.Application) -> Iterator[str]:
    """``app`` on aiohttp's own runner on 127.0.0.1 (its loop in a thread); yields the URL."""

    async def start(sock: socket.socket) -> web.AppRunner:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        return runner

    async def stop(runner: web.AppRunner) -> None:
        await runner.cleanup()

    with serve_on_a_loop("aiohttp", start, stop) as url:
        yield url
