"""A real Falcon app, WSGI or ASGI, with one route per way a request can fail."""

from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator, Iterator, List, Optional, Tuple

import falcon
import falcon.asgi

import errorwire
from errorwire.integrations.falcon import ErrorwireMiddleware
from tests.concurrent_checkouts import tag_checkout


class PaymentFailed(Exception):
    pass


class StreamBroke(Exception):
    pass


class OutOfStock(Exception):
    """The app answers it itself, with a 409."""


class User:
    def __init__(self, name: str) -> None:
        self.id = name
        self.username = name
        self.email = f"{name}@example.com"


class BrokenUser:
    """A user model whose attributes fail (a lazy relation of a closed DB session)."""

    @property
    def id(self) -> str:
        raise RuntimeError("session closed")

    username = "broken"

    @property
    def email(self) -> str:
        raise RuntimeError("session closed")


def user_named(name: str) -> Any:
    return BrokenUser() if name == "broken" else User(name)


def lookup_card(number: str) -> str:
    cards = {"4000": "visa"}
    return cards[number]


def charge(number: str) -> str:
    try:
        return lookup_card(number)
    except KeyError as exc:
        raise PaymentFailed("card declined") from exc


class Declined(Exception):
    """The app's own handler answers it, and that handler itself fails."""


class HandlerBroke(Exception):
    pass


def declined_page(req: Any, resp: Any, ex: Exception, params: Any) -> None:
    raise HandlerBroke(f"the page for {type(ex).__name__} failed")


async def declined_page_async(req: Any, resp: Any, ex: Exception, params: Any) -> None:
    declined_page(req, resp, ex, params)


class DeclinedRoute:
    def on_get(self, req: Any, resp: Any) -> None:
        raise Declined("card declined")


class DeclinedRouteAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        raise Declined("card declined")


def out_of_stock(req: Any, resp: Any, ex: Exception, params: Any) -> None:
    resp.status = falcon.HTTP_409
    resp.media = {"error": str(ex)}


async def out_of_stock_async(req: Any, resp: Any, ex: Exception, params: Any) -> None:
    out_of_stock(req, resp, ex, params)


# -- WSGI ------------------------------------------------------------------------------


class HeaderAuth:
    """The user named by the X-User header (what an auth middleware would do)."""

    def process_request(self, req: Any, resp: Any) -> None:
        name = req.get_header("X-User")
        req.context.user = user_named(name) if name else None


class Ok:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.text = "fine"


class ViewError:
    def on_get(self, req: Any, resp: Any) -> None:
        charge("4242")


class Item:
    def on_post(self, req: Any, resp: Any, item_id: int) -> None:
        data = req.get_media()
        raise ValueError(f"bad quantity {data.get('qty')} for item {item_id}")


class Signup:
    def on_post(self, req: Any, resp: Any) -> None:
        form = req.get_media()
        raise RuntimeError(f"signup failed for {form.get('email')}")


class Stream:
    def on_get(self, req: Any, resp: Any) -> None:
        def chunks() -> Iterator[bytes]:
            yield b"first,"
            raise StreamBroke("mid-stream")

        resp.stream = chunks()


class Missing:
    def on_get(self, req: Any, resp: Any) -> None:
        raise falcon.HTTPNotFound(description="no such order")


class Unavailable:
    def on_get(self, req: Any, resp: Any) -> None:
        raise falcon.HTTPServiceUnavailable(description="the card processor is down")


class Count:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.media = {"count": req.get_param_as_int("number", required=True)}


class Stock:
    def on_get(self, req: Any, resp: Any) -> None:
        raise OutOfStock("sold out")


class Person:
    def on_get(self, req: Any, resp: Any) -> None:
        errorwire.set_person(id=42, username="bob")
        raise PaymentFailed("with a person")


class Checkout:
    def on_post(self, req: Any, resp: Any, order: str) -> None:
        body = req.bounded_stream.read()
        user = req.context.user
        name = user.username if user else "anonymous"
        errorwire.add_breadcrumb(f"checkout {order} by {name}", data={"body": body.decode()})
        tag_checkout(order)
        time.sleep(0.01)  # let the other requests interleave
        raise PaymentFailed(f"user {name} order {order}")


def make_wsgi_app(with_errorwire: bool = True) -> falcon.App:
    middleware: list = [ErrorwireMiddleware()] if with_errorwire else []
    app = falcon.App(middleware=[*middleware, HeaderAuth()])
    app.req_options.auto_parse_form_urlencoded = False
    for path, resource, _ in ROUTES:
        if resource is not None:
            app.add_route(path, resource())
    app.add_error_handler(OutOfStock, out_of_stock)
    app.add_error_handler(Declined, declined_page)
    return app


# -- ASGI ------------------------------------------------------------------------------


class HeaderAuthAsync:
    async def process_request(self, req: Any, resp: Any) -> None:
        name = req.get_header("X-User")
        req.context.user = user_named(name) if name else None

    async def process_request_ws(self, req: Any, ws: Any) -> None:
        await self.process_request(req, None)


class OkAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        resp.text = "fine"


class ViewErrorAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        charge("4242")


class ItemAsync:
    async def on_post(self, req: Any, resp: Any, item_id: int) -> None:
        data = await req.get_media()
        raise ValueError(f"bad quantity {data.get('qty')} for item {item_id}")


class SignupAsync:
    async def on_post(self, req: Any, resp: Any) -> None:
        form = await req.get_media()
        raise RuntimeError(f"signup failed for {form.get('email')}")


class StreamAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first,"
            await asyncio.sleep(0)
            raise StreamBroke("mid-stream")

        resp.stream = chunks()


class MissingAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        raise falcon.HTTPNotFound(description="no such order")


class UnavailableAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        raise falcon.HTTPServiceUnavailable(description="the card processor is down")


class CountAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        resp.media = {"count": req.get_param_as_int("number", required=True)}


class StockAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        raise OutOfStock("sold out")


class PersonAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        errorwire.set_person(id=42, username="bob")
        raise PaymentFailed("with a person")


class CheckoutAsync:
    async def on_post(self, req: Any, resp: Any, order: str) -> None:
        body = await req.stream.read()
        user = req.context.user
        name = user.username if user else "anonymous"
        errorwire.add_breadcrumb(f"checkout {order} by {name}", data={"body": body.decode()})
        tag_checkout(order)
        await asyncio.sleep(0.01)  # let the other requests interleave
        raise PaymentFailed(f"user {name} order {order}")


class SocketFailed(Exception):
    pass


class SocketAsync:
    async def on_websocket(self, req: Any, ws: Any) -> None:
        await ws.accept()
        text = await ws.receive_text()
        raise SocketFailed(f"cannot handle {text!r}")


ROUTES: List[Tuple[str, Optional[type], type]] = [
    ("/ok", Ok, OkAsync),
    ("/view-error", ViewError, ViewErrorAsync),
    ("/items/{item_id:int}", Item, ItemAsync),
    ("/signup", Signup, SignupAsync),
    ("/stream", Stream, StreamAsync),
    ("/missing", Missing, MissingAsync),
    ("/count", Count, CountAsync),
    ("/unavailable", Unavailable, UnavailableAsync),
    ("/stock", Stock, StockAsync),
    ("/person", Person, PersonAsync),
    ("/users/{order}/checkout", Checkout, CheckoutAsync),
    ("/ws", None, SocketAsync),
    ("/declined", DeclinedRoute, DeclinedRouteAsync),
]
"""Each path with its resource in the WSGI app (None: not there) and in the ASGI app."""


def make_asgi_app(with_errorwire: bool = True) -> falcon.asgi.App:
    middleware: list = [ErrorwireMiddleware()] if with_errorwire else []
    app = falcon.asgi.App(middleware=[*middleware, HeaderAuthAsync()])
    for path, _, resource_async in ROUTES:
        app.add_route(path, resource_async())
    app.add_error_handler(OutOfStock, out_of_stock_async)
    app.add_error_handler(Declined, declined_page_async)
    return app
