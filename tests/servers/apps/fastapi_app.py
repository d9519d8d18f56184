"""FastAPI, for uvicorn --workers and gunicorn with uvicorn workers."""

from __future__ import annotations

import os

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from errorwire.integrations.starlette import ErrorwireMiddleware

from .common import failure, init

init()
app = FastAPI()
app.add_middleware(ErrorwireMiddleware)


@app.get("/pid", response_class=PlainTextResponse)
def pid() -> str:
    return str(os.getpid())


@app.get("/fail")
async def fail(token: str) -> None:
    raise failure(token)
