"""A Sanic app with errorwire: one route per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... sanic example_apps.sanic_app:app --host 127.0.0.1 --port 8000

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Try /, /view-error, /items/7 (send ``X-User: alice`` to be
the report's person), /unavailable (a 503) and ``POST /checkout`` with a JSON body;
/missing answers 404 and is not reported.
"""

from __future__ import annotations

from typing import Any, List, Tuple

from sanic import Sanic, response
from sanic.exceptions import NotFound, ServiceUnavailable

import errorwire
from errorwire.integrations.sanic import Errorwire

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/view-error", None),
    ("GET", "/items/7?expand=price", None),
    ("GET", "/unavailable", None),
    ("GET", "/missing", None),
    ("POST", "/checkout", {"cart": [1, 2], "coupon": "SPRING"}),
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""
DEMO_KIND = "sanic"


class PaymentDeclined(Exception):
    pass


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def make_app(name: str = "errorwire_example") -> Sanic:
    app = Sanic(name)
    app.config.MOTD = False

    @app.on_request
    async def who(request: Any) -> None:
        user = request.headers.get("X-User")  # a real app checks its session or token
        if user:
            errorwire.set_person(id=user, username=user)

    @app.get("/")
    async def home(request: Any) -> Any:
        return response.text("all good")

    @app.get("/view-error")
    async def view_error(request: Any) -> Any:
        try:
            find_card("4242")
        except KeyError as exc:
            raise PaymentDeclined("card 4242 declined") from exc

    @app.get("/items/<item_id:int>")
    async def item(request: Any, item_id: int) -> Any:
        raise LookupError(f"item {item_id} is out of stock")

    @app.get("/unavailable")
    async def unavailable(request: Any) -> Any:
        raise ServiceUnavailable("the card processor is down")

    @app.get("/missing")
    async def missing(request: Any) -> Any:
        raise NotFound("no such page")

    @app.post("/checkout")
    async def checkout(request: Any) -> Any:
        order = request.json
        errorwire.add_breadcrumb(
            "checkout started", category="shop", data={"items": len(order["cart"])}
        )
        raise ValueError(f"coupon {order['coupon']} has expired")

    Errorwire(app)
    return app


app = make_app()
