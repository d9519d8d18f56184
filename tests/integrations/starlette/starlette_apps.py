"""A real Starlette app with one route per way a request can fail (and one that succeeds)."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Dict, Optional, Tuple

from jinja2 import DictLoader, Environment
from starlette.applications import Starlette
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    BaseUser,
    SimpleUser,
)
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.templating import Jinja2Templates
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

import errorwire
from errorwire.integrations.starlette import ErrorwireMiddleware
from tests.concurrent_checkouts import tag_checkout
from tests.integrations.app_errors import PaymentFailed, ReceiptFailed, SocketFailed, StreamBroke


class HeaderAuth(AuthenticationBackend):
    """The user named by the X-User header (what a session or token backend would do)."""

    async def authenticate(
        self, conn: HTTPConnection
    ) -> Optional[Tuple[AuthCredentials, BaseUser]]:
        name = conn.headers.get("x-user")
        if not name:
            return None
        return AuthCredentials(["authenticated"]), SimpleUser(name)


templates = Jinja2Templates(
    env=Environment(loader=DictLoader({"invoice.html": "<p>{{ total / count }}</p>"}))
)


def lookup_card(number: str) -> str:
    cards = {"4000": "visa"}
    return cards[number]


def charge(number: str) -> str:
    return lookup_card(number)


async def ok(request: Request) -> Response:
    return PlainTextResponse("fine")


async def view_error(request: Request) -> Response:
    try:
        charge("4242")
    except KeyError as exc:
        raise PaymentFailed("card declined") from exc
    return PlainTextResponse("unreachable")


async def nested(request: Request) -> Response:
    return PlainTextResponse(charge("4242"))


async def template(request: Request) -> Response:
    return templates.TemplateResponse(request, "invoice.html", {"total": 10, "count": 0})


async def stream(request: Request) -> Response:
    async def lines() -> AsyncIterator[bytes]:
        yield b"first line\n"
        raise StreamBroke("the stream broke after one line")

    return StreamingResponse(lines(), media_type="text/plain")


def send_receipt(order: str) -> None:
    raise ReceiptFailed(f"no receipt for {order}")


async def background(request: Request) -> Response:
    return PlainTextResponse("queued", background=BackgroundTask(send_receipt, "A-1"))


async def item(request: Request) -> Response:
    data = await request.json()
    raise ValueError(f"bad quantity {data['qty']} for {request.path_params['item_id']}")


async def upload(request: Request) -> Response:
    form = await request.form()
    raise PaymentFailed(f"upload of {len(form)} fields failed")


async def raw(request: Request) -> Response:
    body = await request.body()
    raise PaymentFailed(f"{len(body)} bytes unusable")


async def missing(request: Request) -> Response:
    raise HTTPException(status_code=404, detail="no such order")


async def as_user(request: Request) -> Response:
    tag_checkout(request.path_params["order"])
    await asyncio.sleep(0.02)  # concurrent requests interleave here
    raise PaymentFailed(f"user {request.user.display_name} order {request.path_params['order']}")


async def with_person(request: Request) -> Response:
    errorwire.set_person(id="42", username="bob", email="bob@example.com")
    raise PaymentFailed("set by the view")


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    text = await websocket.receive_text()
    raise SocketFailed(f"cannot handle {text!r}")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:  # raises WebSocketDisconnect once the client goes away
        await websocket.send_text(await websocket.receive_text())


def make_app(with_errorwire: bool = True) -> Starlette:
    app = Starlette(
        routes=[
            Route("/ok", ok),
            Route("/view-error", view_error),
            Route("/nested", nested),
            Route("/template", template),
            Route("/stream", stream),
            Route("/background", background),
            Route("/items/{item_id:int}", item, methods=["POST"]),
            Route("/upload", upload, methods=["POST"]),
            Route("/raw", raw, methods=["POST"]),
            Route("/missing", missing),
            Route("/users/{order}/checkout", as_user, methods=["GET", "POST"]),
            Route("/person", with_person),
            Mount("/shop", routes=[Route("/orders/{order_id}", view_error)]),
            WebSocketRoute("/ws", socket),
            WebSocketRoute("/echo", echo),
        ],
        middleware=[Middleware(AuthenticationMiddleware, backend=HeaderAuth())],
    )
    if with_errorwire:
        app.add_middleware(ErrorwireMiddleware)
    return app


def assert_reraised_as_reported(reports: Any, app: Any, path: str) -> BaseException:
    """``path``'s error reaches the test client (the server) as the very object reported,
    with its cause. The error."""
    with TestClient(app) as client:
        try:
            client.get(path)
        except Exception as exc:
            raised = exc
        else:
            raise AssertionError(f"{path} raised nothing")
    reports.settle()
    assert reports.exceptions == [raised]
    assert isinstance(raised.__cause__, KeyError)
    return raised


def respond(
    app: Any, method: str, path: str, headers: Dict[str, str], **kwargs: Any
) -> Tuple[int, bytes]:
    """``app``'s answer in process (Starlette's TestClient; an error the app raises is the
    server's 500, as under a server)."""
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.request(method, path, headers=headers, **kwargs)
        return response.status_code, response.content
