"""A Litestar app with errorwire: one route per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... uvicorn example_apps.litestar_app:app      # or
    python example_apps/litestar_app.py                                # 127.0.0.1:8000

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Try /, /view-error, /nested, /stream, /missing (a 404,
not reported), ``POST /items/7`` with a JSON body; send ``X-User: alice`` to be logged in.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, List, Tuple

from litestar import Litestar, MediaType, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from litestar.response import Stream

from errorwire.integrations.litestar import ErrorwirePlugin

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


class HeaderUser(AbstractAuthenticationMiddleware):
    """The user named by ``X-User`` (a real app reads its session or token here)."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        name = connection.headers.get("x-user")
        user = {"id": name, "username": name} if name else None
        return AuthenticationResult(user=user, auth=None)


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def charge(number: str) -> str:
    """A helper two calls deep: the report's stack shows the whole way."""
    return find_card(number)


@get("/", media_type=MediaType.TEXT)
async def home() -> str:
    return "all good"


@get("/view-error")
async def view_error() -> None:
    try:
        charge("4242")
    except KeyError as exc:
        raise PaymentDeclined("card 4242 declined") from exc


@get("/nested", media_type=MediaType.TEXT)
async def nested() -> str:
    return charge("4242")


@get("/stream")
async def stream() -> Stream:
    async def rows() -> AsyncIterator[bytes]:
        yield b"id,amount\n1,10\n"
        raise PaymentDeclined("the export stopped after one row")

    return Stream(rows(), media_type="text/csv")


@get("/missing")
async def missing() -> None:
    raise NotFoundException("no such order")  # a 404: Litestar's answer, never reported


@post("/items/{item_id:int}")
async def update_item(item_id: int, data: Dict[str, Any]) -> None:
    raise LookupError(f"item {item_id} is out of stock ({data.get('quantity')} wanted)")


app = Litestar(
    route_handlers=[home, view_error, nested, stream, missing, update_item],
    middleware=[DefineMiddleware(HeaderUser)],
    plugins=[ErrorwirePlugin()],
    logging_config=None,
)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
