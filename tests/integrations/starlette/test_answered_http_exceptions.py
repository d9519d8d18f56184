"""An HTTPException of status 500 or more that the app's own handler answers is reported;
below 500 it is not; the response is the app's own either way."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from errorwire.integrations.starlette import ErrorwireMiddleware
from tests.reports import VENDORS, Reports, vendor_exception_classes, vendor_request


async def raising(request: Request) -> Response:
    status = int(request.path_params["status"])
    raise HTTPException(status_code=status, detail=f"upstream said {status}")


async def own_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"sorry": exc.detail}, status_code=exc.status_code)


def sync_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return PlainTextResponse(f"sync: {exc.detail}", status_code=exc.status_code)


def make_app(
    handlers: Optional[Dict[Any, Callable[..., Any]]] = None, with_errorwire: bool = True
) -> Starlette:
    middleware = [Middleware(ErrorwireMiddleware)] if with_errorwire else []
    return Starlette(
        routes=[Route("/status/{status}", raising)],
        middleware=middleware,
        exception_handlers=handlers,
    )


def respond(app: Starlette, path: str) -> Tuple[int, bytes]:
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(path)
        return response.status_code, response.content


HANDLERS: List[Tuple[str, Optional[Dict[Any, Callable[..., Any]]]]] = [
    ("starlette-default", None),
    ("app-async-handler", {HTTPException: own_handler}),
    ("app-sync-handler", {HTTPException: sync_handler}),
    ("status-handler", {503: own_handler, 500: own_handler}),
]


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize(("name", "handlers"), HANDLERS, ids=[n for n, _ in HANDLERS])
def test_answered_5xx_is_reported_once_and_the_response_is_the_apps(
    reports: Reports, name: str, handlers: Optional[Dict[Any, Any]], status: int
) -> None:
    bare = respond(make_app(handlers, with_errorwire=False), f"/status/{status}")
    assert bare[0] == status
    assert respond(make_app(handlers), f"/status/{status}") == bare

    event, payloads = reports.one()
    assert event.handled is False
    assert isinstance(reports.exceptions[0], HTTPException)
    assert reports.exceptions[0].status_code == status
    assert event.exceptions[0].message == f"{status}: upstream said {status}"
    assert event.request is not None
    assert event.request.url.endswith(f"/status/{status}")
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor])[0].endswith("HTTPException")
        assert vendor_request(vendor, payloads[vendor])


@pytest.mark.parametrize("status", [400, 404, 499])
@pytest.mark.parametrize(("name", "handlers"), HANDLERS, ids=[n for n, _ in HANDLERS])
def test_answered_4xx_is_not_reported(
    reports: Reports, name: str, handlers: Optional[Dict[Any, Any]], status: int
) -> None:
    bare = respond(make_app(handlers, with_errorwire=False), f"/status/{status}")
    assert respond(make_app(handlers), f"/status/{status}") == bare
    reports.none()
    assert reports.receiver.attempts == []


def test_fastapi_http_exception_5xx_is_reported(reports: Reports) -> None:
    fastapi = pytest.importorskip("fastapi")
    app = fastapi.FastAPI()
    app.add_middleware(ErrorwireMiddleware)

    @app.get("/pay")
    async def pay() -> None:
        raise fastapi.HTTPException(status_code=502, detail="gateway down")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/pay")
    assert (response.status_code, response.json()) == (502, {"detail": "gateway down"})
    event, _ = reports.one()
    assert event.framework == "fastapi"
    assert isinstance(reports.exceptions[0], fastapi.HTTPException)
