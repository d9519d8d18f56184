"""A Django Channels application with errorwire: HTTP and websocket consumers under a
ProtocolTypeRouter, one per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... uvicorn example_apps.channels_app:application   # or daphne

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Try /, /view-error, /items/7 (send ``X-User: alice`` to be
the report's person: the app's token middleware puts her at ``scope["user"]``),
``POST /checkout`` with a JSON body, and a websocket at /ws/rooms/lobby/.
"""

from __future__ import annotations

import json
import os
from typing import Any, List, Tuple

import django
from django.conf import settings

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(SECRET_KEY="errorwire-example", ALLOWED_HOSTS=["*"])
    django.setup()

from channels.generic.http import AsyncHttpConsumer  # Channels imports Django's settings
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.middleware import BaseMiddleware
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path

import errorwire
from errorwire.integrations.channels import ErrorwireMiddleware

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/view-error", None),
    ("GET", "/items/7?expand=price", None),
    ("POST", "/checkout", {"cart": [1, 2], "coupon": "SPRING"}),
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""


class PaymentDeclined(Exception):
    pass


class User:
    is_authenticated = True

    def __init__(self, name: str) -> None:
        self.id = self.username = name


class TokenAuth(BaseMiddleware):
    """The user named by the X-User header (a real app checks a token or the session)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        name = dict(scope.get("headers") or ()).get(b"x-user")
        scope = dict(scope, user=User(name.decode()) if name else None)
        return await super().__call__(scope, receive, send)


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


class Home(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        await self.send_response(200, b"all good", headers=[(b"content-type", b"text/plain")])


class ViewError(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        try:
            find_card("4242")
        except KeyError as exc:
            raise PaymentDeclined("card 4242 declined") from exc


class Item(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        raise LookupError(f"item {self.scope['url_route']['kwargs']['item_id']} is out of stock")


class Checkout(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        order = json.loads(body)
        errorwire.add_breadcrumb(
            "checkout started", category="shop", data={"items": len(order["cart"])}
        )
        raise ValueError(f"coupon {order['coupon']} has expired")


class Room(AsyncWebsocketConsumer):
    async def receive(self, text_data: Any = None, bytes_data: Any = None) -> None:
        raise RuntimeError(f"cannot handle {text_data!r}")


def make_application() -> Any:
    http = URLRouter(
        [
            path("", Home.as_asgi()),
            path("view-error", ViewError.as_asgi()),
            path("items/<int:item_id>", Item.as_asgi()),
            path("checkout", Checkout.as_asgi()),
        ]
    )
    sockets = URLRouter([path("ws/rooms/<str:room>/", Room.as_asgi())])
    router = ProtocolTypeRouter({"http": TokenAuth(http), "websocket": TokenAuth(sockets)})
    return ErrorwireMiddleware(router)


application = app = make_application()
