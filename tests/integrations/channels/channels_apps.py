"""A Channels application: HTTP and websocket consumers under a ProtocolTypeRouter, behind
a token middleware of the app's own (``scope["user"]`` from the X-User header)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Optional

from channels.generic.http import AsyncHttpConsumer
from channels.generic.websocket import WebsocketConsumer
from channels.middleware import BaseMiddleware
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path, re_path

import errorwire
from errorwire.integrations.channels import ErrorwireMiddleware


class PaymentFailed(Exception):
    pass


class SocketFailed(Exception):
    pass


class User:
    is_authenticated = True

    def __init__(self, name: str) -> None:
        self.id = name
        self.username = name
        self.email = f"{name}@example.com"


class TokenAuth(BaseMiddleware):
    """What a token auth middleware does: the user named by a header into ``scope["user"]``."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers") or ())
        name = headers.get(b"x-user")
        scope = dict(scope, user=User(name.decode()) if name else None)
        return await super().__call__(scope, receive, send)


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


class Ok(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        await self.send_response(200, b"fine", headers=[(b"content-type", b"text/plain")])


class ViewError(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        try:
            find_card("4242")
        except KeyError as exc:
            raise PaymentFailed("card 4242 declined") from exc


class Item(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        data = json.loads(body)
        item_id = self.scope["url_route"]["kwargs"]["item_id"]
        raise ValueError(f"bad quantity {data['qty']} for item {item_id}")


class Checkout(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        user: Optional[User] = self.scope.get("user")
        name = user.username if user else "anonymous"
        order = self.scope["url_route"]["kwargs"]["order"]
        errorwire.add_breadcrumb(f"checkout {order} by {name}", data={"body": body.decode()})
        await asyncio.sleep(0.01)  # let the other requests interleave
        raise PaymentFailed(f"user {name} order {order}")


class Room(WebsocketConsumer):
    """A sync consumer: Channels runs its handlers in a thread."""

    def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
        raise SocketFailed(
            f"cannot handle {text_data!r} in {self.scope['url_route']['kwargs']['room']}"
        )


def make_router() -> ProtocolTypeRouter:
    http = URLRouter(
        [
            path("ok", Ok.as_asgi()),
            path("view-error", ViewError.as_asgi()),
            path("items/<int:item_id>", Item.as_asgi()),
            re_path(r"^users/(?P<order>[^/]+)/checkout$", Checkout.as_asgi()),
        ]
    )
    sockets = URLRouter([path("ws/rooms/<str:room>/", Room.as_asgi())])
    return ProtocolTypeRouter({"http": TokenAuth(http), "websocket": TokenAuth(sockets)})


def make_app(with_errorwire: bool = True) -> Any:
    router = make_router()
    return ErrorwireMiddleware(router) if with_errorwire else router
