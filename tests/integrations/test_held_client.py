"""A middleware holds its client; a second ``init()`` (tests, a notebook, a configuration
reload) closes that client, and the middleware's next report goes to the new one. A
client the app gave the middleware stays its client."""

from __future__ import annotations

import asyncio
import logging
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Callable, Dict, Iterator

import pytest

import errorwire
import errorwire.testing
import tests.integrations.wsgi.wsgi_test_app as web
from errorwire.core.client import Client
from errorwire.core.config import Options
from errorwire.integrations.wsgi import ErrorwireMiddleware
from tests.receiver import Receiver
from tests.reports import VENDORS, Reports, start

werkzeug_test = pytest.importorskip("werkzeug.test")

Env = Dict[str, Any]


def fail_once(app: Any) -> None:
    """One request to ``app``'s failing route, through Werkzeug's test client."""
    with pytest.raises(web.PaymentFailed):
        werkzeug_test.Client(app).get("/boom")


def test_report_after_a_second_init_reaches_the_second_client(
    receiver: Receiver, all_vendors: Env
) -> None:
    first = start(receiver, all_vendors, environment="first")
    app = ErrorwireMiddleware(web.app)
    fail_once(app)  # the middleware resolves and holds the first client
    assert errorwire.flush(timeout=10.0)

    second = start(receiver, all_vendors, environment="second")
    fail_once(app)

    assert [e.environment for e in first.events] == ["first"]
    assert [e.environment for e in second.events] == ["second"]
    assert len(receiver.wait_for(2 * len(VENDORS), timeout=10.0)) == 2 * len(VENDORS)
    assert "dropped" not in errorwire.stats()["client"]


def test_a_middleware_given_its_own_client_keeps_it(receiver: Receiver, all_vendors: Env) -> None:
    own = Reports(receiver)
    client = Client(Options.from_kwargs({**all_vendors, "before_send": own.keep}))
    try:
        configured = start(receiver, all_vendors)
        app = ErrorwireMiddleware(web.app, client=client)
        fail_once(app)
        again = start(receiver, all_vendors)  # closes the configured client only
        fail_once(app)

        assert client.flush(10.0)
        assert len(own.events) == 2 and own.events[0].framework == "wsgi"
        assert configured.events == [] and again.events == []
        assert len(receiver.wait_for(2 * len(VENDORS), timeout=10.0)) == 2 * len(VENDORS)
    finally:
        client.close(timeout=1.0)


def starlette_app(**middleware_options: Any) -> Any:
    """A Starlette app whose route raises HTTPException(503), answered by Starlette."""
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.routing import Route

    from errorwire.integrations.starlette import ErrorwireMiddleware as StarletteMiddleware

    async def unavailable(request: Request) -> Any:
        raise HTTPException(status_code=503, detail="upstream down")

    return Starlette(
        routes=[Route("/", unavailable)],
        middleware=[Middleware(StarletteMiddleware, **middleware_options)],
    )


def answered(app: Any) -> int:
    from starlette.testclient import TestClient

    with TestClient(app) as client:  # lifespan too: its shutdown flushes the held client
        return int(client.get("/").status_code)


def test_starlette_answers_after_a_second_init_go_to_the_second_client(
    receiver: Receiver, all_vendors: Env
) -> None:
    first = start(receiver, all_vendors, environment="first")
    app = starlette_app()
    assert answered(app) == 503
    second = start(receiver, all_vendors, environment="second")
    assert answered(app) == 503

    assert [e.environment for e in first.events] == ["first"]
    assert [e.environment for e in second.events] == ["second"]
    assert len(receiver.wait_for(2 * len(VENDORS), timeout=10.0)) == 2 * len(VENDORS)


def test_a_starlette_middleware_given_its_own_client_reports_and_flushes_there(
    receiver: Receiver, all_vendors: Env
) -> None:
    own = Reports(receiver)
    client = Client(Options.from_kwargs({**all_vendors, "before_send": own.keep}))
    try:
        configured = start(receiver, all_vendors)
        assert answered(starlette_app(client=client)) == 503

        # the lifespan shutdown flushed the app's own client: everything arrived already
        assert len(receiver.received) == len(VENDORS)
        assert [e.framework for e in own.events] == ["starlette"]
        assert configured.events == []
    finally:
        client.close(timeout=1.0)


def test_a_logging_handler_reports_to_the_client_configured_after_a_second_init(
    receiver: Receiver, all_vendors: Env
) -> None:
    handler = errorwire.LoggingHandler(level=logging.ERROR)
    logger = logging.getLogger("tests.held_client")
    logger.addHandler(handler)
    try:
        first = start(receiver, all_vendors, environment="first")
        logger.error("stock sync failed")  # the handler resolves and holds the first client
        second = start(receiver, all_vendors, environment="second")
        logger.error("stock sync failed again")
    finally:
        logger.removeHandler(handler)

    assert [e.environment for e in first.events] == ["first"]
    assert [e.environment for e in second.events] == ["second"]
    assert errorwire.flush(timeout=10.0)
    assert len(receiver.wait_for(2 * len(VENDORS), timeout=10.0)) == 2 * len(VENDORS)


class StockSyncFailed(Exception):
    """What the Flask, Django and aiohttp apps below raise."""


def flask_failing() -> Iterator[Callable[[], None]]:
    flask = pytest.importorskip("flask")
    from errorwire.integrations.flask import Errorwire

    app = flask.Flask("held_client")
    Errorwire(app)

    @app.route("/boom")
    def boom() -> str:
        raise StockSyncFailed("stock sync failed")

    client = app.test_client()

    def fail() -> None:
        assert client.get("/boom").status_code == 500

    yield fail


def django_failing() -> Iterator[Callable[[], None]]:
    pytest.importorskip("django")
    from tests.django_settings import configure_once

    configure_once()
    from django.test import Client as DjangoClient
    from django.test import override_settings
    from django.urls import path

    def boom(request: Any) -> Any:
        raise StockSyncFailed("stock sync failed")

    urls = ModuleType("held_client_urls")  # a URLconf: hashable, with urlpatterns
    urls.urlpatterns = [path("boom/", boom)]  # type: ignore[attr-defined]
    site = override_settings(
        DEBUG=False,
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=urls,
        MIDDLEWARE=["errorwire.integrations.django.ErrorwireMiddleware"],
    )
    client = DjangoClient(raise_request_exception=False)  # its middleware: made once

    def fail() -> None:
        assert client.get("/boom/").status_code == 500

    with site:
        yield fail


def aiohttp_failing() -> Iterator[Callable[[], None]]:
    pytest.importorskip("aiohttp")
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from errorwire.integrations.aiohttp import middleware

    async def boom(request: Any) -> Any:
        raise StockSyncFailed("stock sync failed")

    app = web.Application(middlewares=[middleware])  # one middleware for the process
    app.router.add_get("/boom", boom)
    loop = asyncio.new_event_loop()
    client = TestClient(TestServer(app), loop=loop)
    loop.run_until_complete(client.start_server())

    async def one_request() -> int:
        return int((await client.get("/boom")).status)

    def fail() -> None:
        assert loop.run_until_complete(one_request()) == 500

    try:
        yield fail
    finally:
        loop.run_until_complete(client.close())
        loop.close()


@pytest.fixture(params=[flask_failing, django_failing, aiohttp_failing], ids=lambda f: f.__name__)
def app_maker(request: pytest.FixtureRequest) -> Callable[[], Iterator[Callable[[], None]]]:
    """Makes an app (and its errorwire middleware) and yields a failing request to it."""
    maker: Callable[[], Iterator[Callable[[], None]]] = request.param
    return maker


@pytest.fixture
def failing(
    app_maker: Callable[[], Iterator[Callable[[], None]]],
) -> Iterator[Callable[[], None]]:
    """One failing request to the same app (and errorwire middleware) per call."""
    yield from app_maker()


def test_a_framework_middleware_reports_to_the_client_it_holds_not_one_configured_later(
    receiver: Receiver, all_vendors: Env, failing: Callable[[], None]
) -> None:
    held = start(receiver, all_vendors, environment="held")
    failing()  # the middleware resolves and holds this client
    with errorwire.testing.capture(environment="later") as later:  # configured, held one open
        failing()

    assert [e.environment for e in held.events] == ["held", "held"]
    assert list(later) == []
    assert errorwire.flush(timeout=10.0)
    assert len(receiver.wait_for(2 * len(VENDORS), timeout=10.0)) == 2 * len(VENDORS)


def test_a_framework_middleware_gives_way_to_the_client_of_a_second_init(
    receiver: Receiver, all_vendors: Env, failing: Callable[[], None]
) -> None:
    first = start(receiver, all_vendors, environment="first")
    failing()
    second = start(receiver, all_vendors, environment="second")  # closes the held client
    failing()

    assert [e.environment for e in first.events] == ["first"]
    assert [e.environment for e in second.events] == ["second"]
    assert len(receiver.wait_for(2 * len(VENDORS), timeout=10.0)) == 2 * len(VENDORS)
    assert "dropped" not in errorwire.stats()["client"]


def test_an_app_made_inside_a_capture_block_reports_there_while_an_older_one_holds_another(
    receiver: Receiver,
    all_vendors: Env,
    failing: Callable[[], None],
    app_maker: Callable[[], Iterator[Callable[[], None]]],
) -> None:
    held = start(receiver, all_vendors, environment="held")
    failing()  # an app made before: it holds this client
    new_app = contextmanager(app_maker)
    with errorwire.testing.capture(environment="later") as later, new_app() as fail_in_new_app:
        fail_in_new_app()

    assert [e.environment for e in held.events] == ["held"]
    assert [payload["data"]["environment"] for payload in later.payloads("rollbar")] == ["later"]
