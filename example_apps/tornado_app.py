"""A Tornado app with errorwire: one handler per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... python example_apps/tornado_app.py      # 127.0.0.1:8888

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Try /, /view-error, /items/7 (send ``X-User: alice`` to be
the report's person: the handler's ``current_user``), /unavailable (a 503) and
``POST /checkout`` with a JSON body; /missing answers 404 and is not reported.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, List, Optional, Tuple

import tornado.web

import errorwire
from errorwire.integrations.tornado import Errorwire

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/view-error", None),
    ("GET", "/items/7?expand=price", None),
    ("GET", "/unavailable", None),
    ("GET", "/missing", None),
    ("POST", "/checkout", {"cart": [1, 2], "coupon": "SPRING"}),
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""
DEMO_KIND = "tornado"


class PaymentDeclined(Exception):
    pass


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


class Base(tornado.web.RequestHandler):
    def get_current_user(self) -> Optional[str]:
        return self.request.headers.get("X-User")  # a real app reads its secure cookie


class Home(Base):
    def get(self) -> None:
        self.write("all good")


class ViewError(Base):
    def get(self) -> None:
        try:
            find_card("4242")
        except KeyError as exc:
            raise PaymentDeclined("card 4242 declined") from exc


class Item(Base):
    def get(self, item_id: str) -> None:
        raise LookupError(f"item {item_id} is out of stock")


class Unavailable(Base):
    def get(self) -> None:
        raise tornado.web.HTTPError(503, "the card processor is down")


class Missing(Base):
    def get(self) -> None:
        raise tornado.web.HTTPError(404)


class Checkout(Base):
    def post(self) -> None:
        order = json.loads(self.request.body)
        errorwire.add_breadcrumb(
            "checkout started", category="shop", data={"items": len(order["cart"])}
        )
        raise ValueError(f"coupon {order['coupon']} has expired")


def make_app() -> tornado.web.Application:
    app = tornado.web.Application(
        [
            (r"/", Home),
            (r"/view-error", ViewError),
            (r"/items/([0-9]+)", Item),
            (r"/unavailable", Unavailable),
            (r"/missing", Missing),
            (r"/checkout", Checkout),
        ]
    )
    Errorwire(app)
    return app


app = make_app()


async def main() -> None:
    app.listen(8888, address="127.0.0.1")
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
