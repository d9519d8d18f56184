"""A Quart app with errorwire: one route per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... uvicorn example_apps.quart_app:app     # or
    python example_apps/quart_app.py                                # 127.0.0.1:5000

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox), or from ``app.config["ERRORWIRE"]``. Try /, /view-error,
/nested, /stream, /background, /items/7 (send ``X-User: alice`` to be the report's
person), /shop/orders/A-1 and ``POST /checkout`` with a JSON body; /missing answers 404
and is not reported. With quart-auth, its ``current_user`` is the person.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, List, Tuple

from quart import Blueprint, Quart, abort, request

import errorwire
from errorwire.integrations.quart import Errorwire

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/view-error", None),
    ("GET", "/nested", None),
    ("GET", "/stream", None),
    ("GET", "/background", None),
    ("GET", "/items/7?expand=price", None),
    ("GET", "/shop/orders/A-1", None),
    ("GET", "/missing", None),
    ("POST", "/checkout", {"cart": [1, 2], "coupon": "SPRING"}),
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""

app = Quart(__name__)
shop = Blueprint("shop", __name__, url_prefix="/shop")


class PaymentDeclined(Exception):
    pass


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def charge(number: str) -> str:
    """A helper two calls deep: the report's stack shows the whole way."""
    return find_card(number)


@app.route("/")
async def home() -> str:
    return "all good"


@app.route("/view-error")
async def view_error() -> str:
    try:
        charge("4242")
    except KeyError as exc:
        raise PaymentDeclined("card 4242 declined") from exc
    return "paid"


@app.route("/nested")
async def nested() -> str:
    return charge("4242")


@app.route("/stream")
async def stream() -> Any:
    async def rows() -> AsyncIterator[bytes]:
        yield b"id,amount\n1,10\n"
        raise PaymentDeclined("the export stopped after one row")

    return rows(), 200, {"Content-Type": "text/csv"}


async def email_receipt(order: str) -> None:
    raise ConnectionError(f"mail server refused the receipt of {order}")


@app.route("/background")
async def background() -> str:
    app.add_background_task(email_receipt, "A-1")
    return "order placed"


@app.route("/items/<int:item_id>")
async def item(item_id: int) -> str:
    who = request.headers.get("X-User")  # a real app would use quart-auth or its session
    if who:
        errorwire.set_person(id=who, username=who)
    raise LookupError(f"item {item_id} is out of stock")


@app.route("/missing")
async def missing() -> str:
    abort(404)


@app.route("/checkout", methods=["POST"])
async def checkout() -> str:
    order = await request.get_json()
    items = len(order["cart"])
    errorwire.add_breadcrumb("checkout started", category="shop", data={"items": items})
    raise ValueError(f"coupon {order['coupon']} has expired")


@shop.route("/orders/<order_id>")
async def order(order_id: str) -> str:
    raise KeyError(f"order {order_id}")


app.register_blueprint(shop)
Errorwire(app)

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
