"""A Falcon app with errorwire, as a WSGI app (``app``) and as an ASGI app (``asgi_app``):
one route per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... python example_apps/falcon_app.py          # WSGI, 127.0.0.1:8000
    ROLLBAR_ACCESS_TOKEN=... uvicorn example_apps.falcon_app:asgi_app   # ASGI

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Try /, /view-error, /nested, /stream, /missing (a 404,
not reported), ``POST /items/7`` with a JSON body; send ``X-User: alice`` to be logged in.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Iterator, List, Tuple

import falcon
import falcon.asgi

from errorwire.integrations.falcon import ErrorwireMiddleware

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/view-error", None),
    ("GET", "/nested", None),
    ("GET", "/stream", None),
    ("GET", "/missing", None),
    ("POST", "/items/7?expand=price", {"quantity": 2, "coupon": "SPRING"}),
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""


class PaymentDeclined(Exception):
    pass


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def charge(number: str) -> str:
    """A helper two calls deep: the report's stack shows the whole way."""
    return find_card(number)


def declined() -> None:
    try:
        charge("4242")
    except KeyError as exc:
        raise PaymentDeclined("card 4242 declined") from exc


def out_of_stock(item_id: int, body: Any) -> LookupError:
    return LookupError(f"item {item_id} is out of stock ({body.get('quantity')} wanted)")


# -- WSGI ------------------------------------------------------------------------------


class HeaderUser:
    """The user named by ``X-User`` (a real app reads its session or token here)."""

    def process_request(self, req: Any, resp: Any) -> None:
        name = req.get_header("X-User")
        req.context.user = {"id": name, "username": name} if name else None


class Home:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.text = "all good"


class ViewError:
    def on_get(self, req: Any, resp: Any) -> None:
        declined()


class Nested:
    def on_get(self, req: Any, resp: Any) -> None:
        resp.text = charge("4242")


class Export:
    def on_get(self, req: Any, resp: Any) -> None:
        def rows() -> Iterator[bytes]:
            yield b"id,amount\n1,10\n"
            raise PaymentDeclined("the export stopped after one row")

        resp.content_type = "text/csv"
        resp.stream = rows()


class Missing:
    def on_get(self, req: Any, resp: Any) -> None:
        raise falcon.HTTPNotFound(description="no such order")  # Falcon's answer: not reported


class Item:
    def on_post(self, req: Any, resp: Any, item_id: int) -> None:
        raise out_of_stock(item_id, req.get_media())


app = falcon.App(middleware=[ErrorwireMiddleware(), HeaderUser()])
for path, resource in [
    ("/", Home()),
    ("/view-error", ViewError()),
    ("/nested", Nested()),
    ("/stream", Export()),
    ("/missing", Missing()),
    ("/items/{item_id:int}", Item()),
]:
    app.add_route(path, resource)


# -- ASGI ------------------------------------------------------------------------------


class HeaderUserAsync:
    async def process_request(self, req: Any, resp: Any) -> None:
        name = req.get_header("X-User")
        req.context.user = {"id": name, "username": name} if name else None


class HomeAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        resp.text = "all good"


class ViewErrorAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        declined()


class NestedAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        resp.text = charge("4242")


class ExportAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        async def rows() -> AsyncIterator[bytes]:
            yield b"id,amount\n1,10\n"
            raise PaymentDeclined("the export stopped after one row")

        resp.content_type = "text/csv"
        resp.stream = rows()


class MissingAsync:
    async def on_get(self, req: Any, resp: Any) -> None:
        raise falcon.HTTPNotFound(description="no such order")


class ItemAsync:
    async def on_post(self, req: Any, resp: Any, item_id: int) -> None:
        raise out_of_stock(item_id, await req.get_media())


asgi_app = falcon.asgi.App(middleware=[ErrorwireMiddleware(), HeaderUserAsync()])
for path, async_resource in [
    ("/", HomeAsync()),
    ("/view-error", ViewErrorAsync()),
    ("/nested", NestedAsync()),
    ("/stream", ExportAsync()),
    ("/missing", MissingAsync()),
    ("/items/{item_id:int}", ItemAsync()),
]:
    asgi_app.add_route(path, async_resource)

if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    with make_server("127.0.0.1", 8000, app) as server:
        server.serve_forever()
