"""Ignore rules and breadcrumbs through real apps: Starlette, raw ASGI, raw WSGI, Flask."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Dict, Iterable, List

import pytest

import errorwire
from tests.features.feature_payloads import (
    assert_one_report_at_each_vendor,
    breadcrumb_messages,
    by_vendor,
    title,
)
from tests.receiver import Receiver

starlette = pytest.importorskip("starlette")
httpx = pytest.importorskip("httpx")
flask = pytest.importorskip("flask")

from starlette.applications import Starlette  # noqa: E402
from starlette.exceptions import HTTPException  # noqa: E402
from starlette.requests import ClientDisconnect  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402
from werkzeug import exceptions as wz  # noqa: E402
from werkzeug.test import Client  # noqa: E402

from errorwire.integrations import asgi, wsgi  # noqa: E402
from errorwire.integrations import starlette as errorwire_starlette  # noqa: E402
from errorwire.integrations.flask import Errorwire  # noqa: E402

log = logging.getLogger("shop")


def titles(receiver: Receiver) -> List[str]:
    return sorted(title(item) for item in receiver.received)


def get_each(app: Any, paths: Iterable[str]) -> List[int]:
    """GET each path in turn from an ASGI app; the status codes."""

    async def run() -> List[int]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
            return [(await client.get(path)).status_code for path in paths]

    return asyncio.run(run())


# -- Starlette ------------------------------------------------------------------------


def starlette_app() -> Starlette:
    async def missing(request: Any) -> Any:
        raise HTTPException(status_code=404, detail="no such order")

    async def forbidden(request: Any) -> Any:
        raise HTTPException(status_code=403)

    async def unavailable(request: Any) -> Any:
        raise HTTPException(status_code=503, detail="maintenance")

    async def boom(request: Any) -> Any:
        log.info("loading order %s", request.path_params["order"])
        raise RuntimeError("order service down")

    app = Starlette(
        routes=[
            Route("/missing", missing),
            Route("/forbidden", forbidden),
            Route("/unavailable", unavailable),
            Route("/boom/{order}", boom),
        ]
    )
    app.add_middleware(errorwire_starlette.ErrorwireMiddleware)
    return app


def test_starlette_404s_send_nothing_and_500s_do(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    paths = ["/missing", "/forbidden", "/no/such/route", "/unavailable", "/boom/17"]
    # A 503 HTTPException is reported although Starlette answers it (as Sentry does).
    assert get_each(starlette_app(), paths) == [404, 403, 404, 503, 500]
    assert errorwire.flush()

    receiver.wait_for(6)
    assert (
        titles(receiver)
        == ["HTTPException: 503: maintenance"] * 3 + ["RuntimeError: order service down"] * 3
    )
    for item in receiver.received:
        if title(item).startswith("RuntimeError"):
            assert breadcrumb_messages(item) == ["loading order 17"]


def test_starlette_concurrent_requests_keep_their_own_breadcrumbs(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    start()
    b_logged: List[asyncio.Event] = []  # made in the running loop (Python 3.9 binds it)

    async def slow_failure(request: Any) -> Any:
        log.info("A: reserving stock")
        await asyncio.wait_for(b_logged[0].wait(), 5)
        log.warning("A: stock low")
        raise RuntimeError("A: reservation failed")

    async def quick(request: Any) -> Any:
        log.info("B: listing products")
        b_logged[0].set()
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/a", slow_failure), Route("/b", quick)])
    app.add_middleware(errorwire_starlette.ErrorwireMiddleware)

    async def both() -> List[int]:
        b_logged.append(asyncio.Event())
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
            answers = await asyncio.gather(client.get("/a"), client.get("/b"))
        return [answer.status_code for answer in answers]

    assert asyncio.run(both()) == [500, 200]
    assert errorwire.flush()

    got = by_vendor(receiver.wait_for(3))
    for vendor, items in got.items():
        assert len(items) == 1, vendor
        assert breadcrumb_messages(items[0]) == ["A: reserving stock", "A: stock low"]


# -- raw ASGI: the HTTP exceptions themselves reach errorwire ------------------------


def test_asgi_http_exceptions_below_500_and_disconnects_send_nothing(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    raised: Dict[str, BaseException] = {
        "/404": HTTPException(status_code=404),
        "/401": HTTPException(status_code=401),
        "/gone": ClientDisconnect(),
        "/503": HTTPException(status_code=503, detail="overloaded"),
    }

    async def bare_app(scope: Dict[str, Any], receive: Any, send: Any) -> None:
        raise raised[scope["path"]]

    start()
    assert get_each(asgi.ErrorwireMiddleware(bare_app), raised) == [500] * len(raised)
    assert errorwire.flush()

    receiver.wait_for(3)
    assert titles(receiver) == ["HTTPException: 503: overloaded"] * 3


# -- raw WSGI with werkzeug exceptions ------------------------------------------------


def test_wsgi_werkzeug_exceptions_below_500_send_nothing(
    start: Callable[..., Any], receiver: Receiver
) -> None:
    raised: Dict[str, BaseException] = {
        "/404": wz.NotFound(),
        "/405": wz.MethodNotAllowed(),
        "/400": wz.BadRequest(),
        "/disconnected": wz.ClientDisconnected(),
        "/503": wz.ServiceUnavailable("maintenance"),
    }

    def bare_app(environ: Dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raise raised[environ["PATH_INFO"]]

    start()
    app = Client(wsgi.ErrorwireMiddleware(bare_app))
    for path in raised:
        with pytest.raises(type(raised[path])):
            app.get(path)
    assert errorwire.flush()

    receiver.wait_for(3)
    assert titles(receiver) == ["ServiceUnavailable: 503 Service Unavailable: maintenance"] * 3


# -- Flask ----------------------------------------------------------------------------


def test_flask_aborts_send_nothing_and_the_crash_has_its_breadcrumbs(
    start: Callable[..., Any], receiver: Receiver, app_logging: logging.Logger
) -> None:
    app = flask.Flask("shop")

    @app.route("/orders/<int:order>")
    def order(order: int) -> str:
        log.info("looking up order %d", order)
        if order == 0:
            flask.abort(404)
        raise KeyError(f"order {order}")

    start()
    Errorwire(app)
    client = app.test_client()
    assert client.get("/orders/0").status_code == 404
    assert client.get("/nowhere").status_code == 404
    assert client.get("/orders/9").status_code == 500
    assert_one_report_at_each_vendor(receiver, "KeyError: 'order 9'", ["looking up order 9"])


# -- the client itself ------------------------------------------------------------------


class PaymentDeclined(Exception):
    pass


class CardExpired(PaymentDeclined):
    pass


def test_user_ignore_by_class_and_by_name(start: Callable[..., Any], receiver: Receiver) -> None:
    client = start(ignore=[PaymentDeclined, "TimeoutError"])
    for exc in (CardExpired("2019"), TimeoutError("slow"), KeyboardInterrupt(), SystemExit(1)):
        errorwire.capture_exception(exc)
    errorwire.capture_exception(LookupError("reported"))
    assert errorwire.flush()

    receiver.wait_for(3)
    assert titles(receiver) == ["LookupError: reported"] * 3
    assert client.stats()["client"]["ignored"] == 4


def test_default_ignores_can_be_turned_off(start: Callable[..., Any], receiver: Receiver) -> None:
    start(default_ignores=False)
    errorwire.capture_exception(wz.NotFound())
    assert errorwire.flush()
    assert len(receiver.wait_for(3)) == 3
