"""Starlette, for hypercorn."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from errorwire.integrations.starlette import ErrorwireMiddleware

from .common import failure, init


async def pid(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(os.getpid()))


async def fail(request: Request) -> PlainTextResponse:
    raise failure(request.query_params["token"])


init()
app = Starlette(
    routes=[Route("/pid", pid), Route("/fail", fail)],
    middleware=[Middleware(ErrorwireMiddleware)],
)
