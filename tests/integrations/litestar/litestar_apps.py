"""A real Litestar app with one route per way a request can fail (and one that succeeds)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, AsyncIterator, Dict

from litestar import Litestar, MediaType, Request, Response, WebSocket, get, post, websocket
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotAuthorizedException, NotFoundException, ValidationException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from litestar.params import Body
from litestar.response import Stream
from typing_extensions import Annotated

import errorwire
from errorwire.integrations.litestar import ErrorwirePlugin
from tests.concurrent_checkouts import tag_checkout
from tests.integrations.app_errors import MiddlewareBroke, PaymentFailed, SocketFailed, StreamBroke


class OutOfStock(Exception):
    """The app answers it itself, with a 409."""


@dataclass
class User:
    id: str
    username: str
    email: str


class HeaderAuth(AbstractAuthenticationMiddleware):
    """The user named by the X-User header (what a session or token backend would do)."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        name = connection.headers.get("x-user")
        if name == "nobody":  # Litestar's own answer from an authentication middleware
            raise NotAuthorizedException("unknown user")
        user = User(id=name, username=name, email=f"{name}@example.com") if name else None
        return AuthenticationResult(user=user, auth=None)


def lookup_card(number: str) -> str:
    cards = {"4000": "visa"}
    return cards[number]


@get("/ok", media_type=MediaType.TEXT)
async def ok() -> str:
    return "fine"


@get("/view-error")
async def view_error() -> None:
    try:
        lookup_card("4242")
    except KeyError as exc:
        raise PaymentFailed("card declined") from exc


@get("/sync-error", sync_to_thread=True)
def sync_error() -> None:
    errorwire.add_breadcrumb("in the thread")
    raise ZeroDivisionError("sync handler")


@post("/items/{item_id:int}")
async def update_item(item_id: int, data: Dict[str, Any]) -> None:
    raise ValueError(f"bad quantity {data.get('qty')} for item {item_id}")


@post("/signup")
async def signup(
    data: Annotated[Dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> None:
    raise RuntimeError(f"signup failed for {data.get('email')}")


@get("/stream")
async def stream() -> Stream:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first,"
        await asyncio.sleep(0)
        raise StreamBroke("mid-stream")

    return Stream(chunks())


@get("/missing")
async def missing() -> None:
    raise NotFoundException("no such order")


@get("/count")
async def count(number: int) -> int:
    return number


@get("/stock")
async def stock() -> None:
    raise OutOfStock("sold out")


@get("/person")
async def person() -> None:
    errorwire.set_person(id=42, username="bob")
    raise PaymentFailed("with a person")


@post("/users/{order:str}/checkout")
async def checkout(request: Request, order: str) -> None:
    body = await request.body()
    user = request.scope.get("user")
    name = user.username if user else "anonymous"
    errorwire.add_breadcrumb(f"checkout {order} by {name}", data={"body": body.decode()})
    tag_checkout(order)
    await asyncio.sleep(0.01)  # let the other requests interleave
    raise PaymentFailed(f"user {name} order {order}")


@websocket("/ws")
async def socket(socket: WebSocket) -> None:
    await socket.accept()
    text = await socket.receive_text()
    raise SocketFailed(f"cannot handle {text!r}")


class Failing:
    """A middleware of the app's own that fails for one path."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("path") == "/ok" and scope.get("query_string") == b"fail=1":
            raise MiddlewareBroke("the app's own middleware")
        if scope.get("path") == "/ok" and scope.get("query_string") == b"fail=404":
            raise NotFoundException("no such page (said by a middleware)")
        if scope.get("path") == "/ok" and scope.get("query_string") == b"fail=400":
            raise ValidationException("bad request (said by a middleware)")
        await self.app(scope, receive, send)


def out_of_stock(request: Request, exc: OutOfStock) -> Response:
    return Response({"error": str(exc)}, status_code=409)


def error_page(request: Request, exc: Exception) -> Response:
    return Response("our own 500 page", status_code=500, media_type=MediaType.TEXT)


HANDLERS = [
    ok,
    view_error,
    sync_error,
    update_item,
    signup,
    stream,
    missing,
    count,
    stock,
    person,
    checkout,
    socket,
]


def make_app(with_errorwire: bool = True, own_error_page: bool = False) -> Litestar:
    handlers: Dict[Any, Any] = {OutOfStock: out_of_stock}
    if own_error_page:
        handlers[500] = error_page
    return Litestar(
        route_handlers=HANDLERS,
        middleware=[DefineMiddleware(HeaderAuth), Failing],
        exception_handlers=handlers,
        plugins=[ErrorwirePlugin()] if with_errorwire else [],
        logging_config=None,
    )
