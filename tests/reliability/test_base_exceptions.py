"""A BaseException subclass that is not KeyboardInterrupt / SystemExit / GeneratorExit /
CancelledError, escaping a view, is reported by every integration as capture_exception()
reports it; the exception still reaches the framework (or the server) unchanged."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest

import errorwire
from tests.receiver import Receiver
from tests.schemas import assert_valid


class Halt(BaseException):
    """A library's own BaseException (gevent's Timeout, trio's Cancelled...)."""


def halt() -> None:
    raise Halt("stopped in the view")


def reported(receiver: Receiver) -> Dict[str, Any]:
    assert errorwire.flush(timeout=5.0)
    bodies = {item.vendor: item.json() for item in receiver.wait_for(3)}
    assert sorted(bodies) == ["bugsnag", "raygun", "rollbar"]
    for vendor, body in bodies.items():
        assert_valid(vendor, body)
    trace = bodies["rollbar"]["data"]["body"]["trace"]
    assert trace["exception"]["class"].endswith("Halt")
    assert trace["exception"]["message"] == "stopped in the view"
    assert bodies["bugsnag"]["events"][0]["unhandled"] is True
    return bodies


def test_flask(receiver: Receiver, all_vendors: dict) -> None:
    flask = pytest.importorskip("flask")
    from errorwire.integrations.flask import Errorwire

    errorwire.init(**all_vendors)
    app = flask.Flask(__name__)
    app.add_url_rule("/halt", "halt", halt)
    Errorwire(app)
    with pytest.raises(Halt):
        app.test_client().get("/halt")
    bodies = reported(receiver)
    assert bodies["rollbar"]["data"]["request"]["url"].endswith("/halt")


urlpatterns: List[Any] = []


def test_django(receiver: Receiver, all_vendors: dict) -> None:
    pytest.importorskip("django")
    from tests.django_settings import configure_once, errorwire_site

    configure_once()
    from django.test import Client
    from django.urls import path

    def view(request: Any) -> Any:
        halt()

    urlpatterns[:] = [path("halt", view)]
    errorwire.init(**all_vendors)
    with errorwire_site(__name__), pytest.raises(Halt):
        Client().get("/halt")
    bodies = reported(receiver)
    assert bodies["rollbar"]["data"]["request"]["url"].endswith("/halt")


async def call_asgi(app: Any, path: str) -> None:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
    }  # fmt: skip
    sent: List[Any] = []

    async def receive() -> Dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)


def test_starlette(receiver: Receiver, all_vendors: dict) -> None:
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.routing import Route

    from errorwire.integrations.starlette import ErrorwireMiddleware

    async def view(request: Any) -> Any:
        halt()

    errorwire.init(**all_vendors)
    app = Starlette(routes=[Route("/halt", view)])
    app.add_middleware(ErrorwireMiddleware)
    with pytest.raises(Halt):  # as an ASGI server calls it (TestClient turns it into another)
        asyncio.run(call_asgi(app, "/halt"))
    bodies = reported(receiver)
    assert bodies["rollbar"]["data"]["request"]["url"].endswith("/halt")


def test_aiohttp(receiver: Receiver, all_vendors: dict) -> None:
    pytest.importorskip("aiohttp")
    import aiohttp
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from errorwire.integrations.aiohttp import middleware

    async def view(request: web.Request) -> web.Response:
        halt()
        return web.Response()

    async def drive() -> None:
        app = web.Application(middlewares=[middleware])
        app.router.add_get("/halt", view)
        async with TestClient(TestServer(app)) as client:
            with pytest.raises(aiohttp.ClientError):
                await client.get("/halt")

    errorwire.init(**all_vendors)
    asyncio.run(drive())
    bodies = reported(receiver)
    assert bodies["rollbar"]["data"]["request"]["url"].endswith("/halt")


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_what_stops_the_process_is_not_reported(
    stop: type, receiver: Receiver, all_vendors: dict
) -> None:
    flask = pytest.importorskip("flask")
    from errorwire.integrations.flask import Errorwire

    def view() -> None:
        raise stop()

    errorwire.init(**all_vendors, default_ignores=False)
    app = flask.Flask(__name__)
    app.add_url_rule("/stop", "stop", view)
    Errorwire(app)
    with pytest.raises(stop):
        app.test_client().get("/stop")
    assert errorwire.flush(timeout=5.0)
    assert receiver.received == []
