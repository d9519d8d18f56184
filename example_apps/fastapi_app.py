"""A FastAPI app with errorwire: one route per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... uvicorn example_apps.fastapi_app:app        # or
    python example_apps/fastapi_app.py                                  # 127.0.0.1:8000

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Try /, /view-error, /nested, /template, /stream,
/background, /items/7 (the report's context is the template "/items/{item_id}").
"""

from __future__ import annotations

from typing import AsyncIterator, Dict, Optional

from fastapi import BackgroundTasks, Depends, FastAPI, Header, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from jinja2 import DictLoader, Environment

import errorwire
from errorwire.integrations.starlette import ErrorwireMiddleware

templates = Jinja2Templates(
    env=Environment(
        loader=DictLoader({"invoice.html": "<h1>Invoice</h1><p>{{ total / count }} each</p>"})
    )
)

app = FastAPI(title="errorwire example")
app.add_middleware(ErrorwireMiddleware)


class PaymentDeclined(Exception):
    pass


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def charge(number: str) -> str:
    """A helper two calls deep: the report's stack shows the whole way."""
    return find_card(number)


def user(x_user: Optional[str] = Header(default=None)) -> Optional[str]:
    """Who is asking (a real app would read a session or token): errorwire's person."""
    if x_user:
        errorwire.set_person(id=x_user, username=x_user)
    return x_user


@app.get("/")
async def home() -> Dict[str, str]:
    return {"status": "all good"}


@app.get("/view-error")
async def view_error(who: Optional[str] = Depends(user)) -> Dict[str, str]:
    try:
        charge("4242")
    except KeyError as exc:
        raise PaymentDeclined("card 4242 declined") from exc
    return {"status": "paid"}


@app.get("/nested")
def nested() -> str:  # a sync view: FastAPI runs it in its threadpool
    return charge("4242")


@app.get("/template")
async def template(request: Request) -> Response:
    return templates.TemplateResponse(request, "invoice.html", {"total": 12, "count": 0})


@app.get("/stream")
async def stream() -> StreamingResponse:
    async def rows() -> AsyncIterator[bytes]:
        yield b"id,amount\n1,10\n"
        raise PaymentDeclined("the export stopped after one row")

    return StreamingResponse(rows(), media_type="text/csv")


def email_receipt(order: str) -> None:
    raise ConnectionError(f"mail server refused the receipt of {order}")


@app.get("/background")
async def background(tasks: BackgroundTasks) -> PlainTextResponse:
    tasks.add_task(email_receipt, "A-1")
    return PlainTextResponse("order placed")


@app.get("/items/{item_id}")
async def item(item_id: int, who: Optional[str] = Depends(user)) -> Dict[str, int]:
    raise LookupError(f"item {item_id} is out of stock")


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
