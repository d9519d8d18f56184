"""A Bottle app with errorwire: one route per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... python example_apps/bottle_app.py      # 127.0.0.1:8080

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Try /, /view-error, /items/7 (log in with HTTP Basic auth,
or send ``X-User: alice``, to be the report's person), /unavailable (a 503), /stream and
``POST /checkout`` with a JSON body; /missing answers 404 and is not reported.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Tuple

import bottle

import errorwire
from errorwire.integrations.bottle import ErrorwirePlugin

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/view-error", None),
    ("GET", "/items/7?expand=price", None),
    ("GET", "/unavailable", None),
    ("GET", "/missing", None),
    ("POST", "/checkout", {"cart": [1, 2], "coupon": "SPRING"}),
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""
DEMO_KIND = "wsgi"


class PaymentDeclined(Exception):
    pass


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def make_app() -> bottle.Bottle:
    app = bottle.Bottle()
    app.install(ErrorwirePlugin())

    @app.hook("before_request")
    def who() -> None:
        user = bottle.request.get_header("X-User")  # Basic auth is the person without this
        if user:
            errorwire.set_person(id=user, username=user)

    @app.get("/")
    def home() -> str:
        return "all good"

    @app.get("/view-error")
    def view_error() -> str:
        try:
            find_card("4242")
        except KeyError as exc:
            raise PaymentDeclined("card 4242 declined") from exc
        return "paid"

    @app.get("/items/<item_id:int>")
    def item(item_id: int) -> str:
        raise LookupError(f"item {item_id} is out of stock")

    @app.get("/unavailable")
    def unavailable() -> str:
        bottle.abort(503, "the card processor is down")
        return ""

    @app.get("/missing")
    def missing() -> str:
        bottle.abort(404, "no such page")
        return ""

    @app.get("/stream")
    def stream() -> Iterator[bytes]:
        yield b"id,amount\n1,10\n"
        raise PaymentDeclined("the export stopped after one row")

    @app.post("/checkout")
    def checkout() -> str:
        order = bottle.request.json
        errorwire.add_breadcrumb(
            "checkout started", category="shop", data={"items": len(order["cart"])}
        )
        raise ValueError(f"coupon {order['coupon']} has expired")

    return app


app = make_app()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080)
