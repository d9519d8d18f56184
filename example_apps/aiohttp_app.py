"""An aiohttp app with errorwire: one route per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... python example_apps/aiohttp_app.py      # 127.0.0.1:8080

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Try /, /view-error, /nested, /stream, /items/7 (send
``X-User: alice`` to be the report's person), /shop/orders/A-1 and ``POST /checkout``
with a JSON body; /missing answers 404 and is not reported.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from aiohttp import web

import errorwire
from errorwire.integrations.aiohttp import middleware

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/view-error", None),
    ("GET", "/nested", None),
    ("GET", "/stream", None),
    ("GET", "/items/7?expand=price", None),
    ("GET", "/shop/orders/A-1", None),
    ("GET", "/missing", None),
    ("POST", "/checkout", {"cart": [1, 2], "coupon": "SPRING"}),
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""


class PaymentDeclined(Exception):
    pass


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def charge(number: str) -> str:
    """A helper two calls deep: the report's stack shows the whole way."""
    return find_card(number)


async def home(request: web.Request) -> web.Response:
    return web.Response(text="all good")


async def view_error(request: web.Request) -> web.Response:
    try:
        charge("4242")
    except KeyError as exc:
        raise PaymentDeclined("card 4242 declined") from exc
    return web.Response(text="paid")


async def nested(request: web.Request) -> web.Response:
    return web.Response(text=charge("4242"))


async def stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/csv"})
    await response.prepare(request)
    await response.write(b"id,amount\n1,10\n")
    raise PaymentDeclined("the export stopped after one row")


async def item(request: web.Request) -> web.Response:
    who = request.headers.get("X-User")  # a real app would read its session or token
    if who:
        errorwire.set_person(id=who, username=who)
    raise LookupError(f"item {request.match_info['item_id']} is out of stock")


async def missing(request: web.Request) -> web.Response:
    raise web.HTTPNotFound(text="no such page")


async def checkout(request: web.Request) -> web.Response:
    order = await request.json()
    items = len(order["cart"])
    errorwire.add_breadcrumb("checkout started", category="shop", data={"items": items})
    raise ValueError(f"coupon {order['coupon']} has expired")


async def order(request: web.Request) -> web.Response:
    raise KeyError(f"order {request.match_info['order_id']}")


def make_app() -> web.Application:
    app = web.Application(middlewares=[middleware])
    app.router.add_get("/", home)
    app.router.add_get("/view-error", view_error)
    app.router.add_get("/nested", nested)
    app.router.add_get("/stream", stream)
    app.router.add_get("/items/{item_id}", item)
    app.router.add_get("/missing", missing)
    app.router.add_post("/checkout", checkout)
    shop = web.Application()
    shop.router.add_get("/orders/{order_id}", order)
    app.add_subapp("/shop", shop)
    return app


app = make_app()

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=8080)
