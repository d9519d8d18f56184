"""A Starlette app with errorwire: one route per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... uvicorn example_apps.starlette_app:app      # or
    python example_apps/starlette_app.py                                # 127.0.0.1:8000

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Try /, /view-error, /nested, /template, /stream,
/background, /items/7 and ws://127.0.0.1:8000/ws.
"""

from __future__ import annotations

from typing import AsyncIterator

from jinja2 import DictLoader, Environment
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocket

import errorwire
from errorwire.integrations.starlette import ErrorwireMiddleware

templates = Jinja2Templates(
    env=Environment(
        loader=DictLoader({"invoice.html": "<h1>Invoice</h1><p>{{ total / count }} each</p>"})
    )
)


class PaymentDeclined(Exception):
    pass


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def charge(number: str) -> str:
    """A helper two calls deep: the report's stack shows the whole way."""
    return find_card(number)


async def home(request: Request) -> Response:
    return PlainTextResponse("all good")


async def view_error(request: Request) -> Response:
    try:
        charge("4242")
    except KeyError as exc:
        raise PaymentDeclined("card 4242 declined") from exc
    return PlainTextResponse("paid")


async def nested(request: Request) -> Response:
    return PlainTextResponse(charge("4242"))


async def template(request: Request) -> Response:
    return templates.TemplateResponse(request, "invoice.html", {"total": 12, "count": 0})


async def stream(request: Request) -> Response:
    async def rows() -> AsyncIterator[bytes]:
        yield b"id,amount\n1,10\n"
        raise PaymentDeclined("the export stopped after one row")

    return StreamingResponse(rows(), media_type="text/csv")


def email_receipt(order: str) -> None:
    raise ConnectionError(f"mail server refused the receipt of {order}")


async def background(request: Request) -> Response:
    return PlainTextResponse("order placed", background=BackgroundTask(email_receipt, "A-1"))


async def item(request: Request) -> Response:
    who = request.headers.get("x-user")  # a real app would read its session or token
    if who:
        errorwire.set_person(id=who, username=who)
    raise LookupError(f"item {request.path_params['item_id']} is out of stock")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    text = await websocket.receive_text()
    raise ValueError(f"cannot handle {text!r}")


app = Starlette(
    routes=[
        Route("/", home),
        Route("/view-error", view_error),
        Route("/nested", nested),
        Route("/template", template),
        Route("/stream", stream),
        Route("/background", background),
        Route("/items/{item_id:int}", item),
        WebSocketRoute("/ws", socket),
    ]
)
app.add_middleware(ErrorwireMiddleware)

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
