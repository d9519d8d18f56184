"""A real FastAPI app: routes under an APIRouter prefix, dependencies, uploads, background tasks."""

from __future__ import annotations

from typing import AsyncIterator, Optional

from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    HTTPException,
    Request,
    UploadFile,
    WebSocket,
)
from fastapi.responses import PlainTextResponse, StreamingResponse
from fastapi.templating import Jinja2Templates
from jinja2 import DictLoader, Environment
from pydantic import BaseModel

import errorwire
from errorwire.integrations.starlette import ErrorwireMiddleware


class PaymentFailed(Exception):
    pass


class Handled(Exception):
    pass


class Order(BaseModel):
    sku: str
    qty: int


templates = Jinja2Templates(
    env=Environment(loader=DictLoader({"invoice.html": "<p>{{ total / count }}</p>"}))
)


def lookup_card(number: str) -> str:
    return {"4000": "visa"}[number]


def current_user(x_user: Optional[str] = Header(default=None)) -> Optional[str]:
    """A sync dependency (runs in the threadpool) naming the user for errorwire."""
    if x_user:
        errorwire.set_person(id=x_user, username=x_user.title())
    return x_user


router = APIRouter(prefix="/api")


@router.get("/ok")
async def ok() -> dict:
    return {"status": "fine"}


@router.get("/items/{item_id}")
async def read_item(item_id: int) -> dict:
    try:
        lookup_card(str(item_id))
    except KeyError as exc:
        raise PaymentFailed(f"item {item_id} not payable") from exc
    return {}


@router.get("/nested")
def nested(user: Optional[str] = Depends(current_user)) -> str:  # sync: threadpool
    return lookup_card("4242")


@router.post("/orders")
async def create_order(order: Order, user: Optional[str] = Depends(current_user)) -> dict:
    raise PaymentFailed(f"{order.qty} x {order.sku} declined")


@router.post("/upload")
async def upload(title: str = Form(...), doc: UploadFile = File(...)) -> dict:  # noqa: B008
    raise PaymentFailed(f"{title}: {doc.filename} rejected")


@router.get("/template")
async def template(request: Request) -> object:
    return templates.TemplateResponse(request, "invoice.html", {"total": 1, "count": 0})


@router.get("/stream")
async def stream() -> StreamingResponse:
    async def lines() -> AsyncIterator[bytes]:
        yield b"first\n"
        raise PaymentFailed("stream cut")

    return StreamingResponse(lines(), media_type="text/plain")


def send_receipt(order: str) -> None:
    raise PaymentFailed(f"no receipt for {order}")


@router.get("/background")
async def background(tasks: BackgroundTasks) -> PlainTextResponse:
    tasks.add_task(send_receipt, "A-1")
    return PlainTextResponse("queued")


@router.get("/missing")
async def missing() -> dict:
    raise HTTPException(status_code=404, detail="no such order")


@router.get("/count")
async def count(n: int) -> dict:
    return {"n": n}


@router.get("/handled")
async def handled() -> dict:
    raise Handled("the app's own handler answers this")


@router.websocket("/ws/{room}")
async def socket(websocket: WebSocket, room: str) -> None:
    await websocket.accept()
    await websocket.receive_text()
    raise PaymentFailed(f"room {room} closed")


def make_app(with_errorwire: bool = True) -> FastAPI:
    app = FastAPI()
    app.include_router(router)

    @app.exception_handler(Handled)
    async def on_handled(request: Request, exc: Handled) -> PlainTextResponse:
        return PlainTextResponse("handled", status_code=409)

    if with_errorwire:
        app.add_middleware(ErrorwireMiddleware)
    return app
