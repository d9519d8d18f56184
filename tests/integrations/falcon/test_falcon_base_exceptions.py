"""A BaseException subclass (not one that stops a process, generator or task) escaping a
Falcon responder: Falcon catches only ``Exception``, so neither ErrorwireMiddleware's
error handler nor its ``process_response`` runs. Wrapping the app in errorwire's
WSGI/ASGI middleware reports it once; without that wrapper a hint is logged once."""

from __future__ import annotations

import logging
from typing import Any, List

import falcon
import falcon.asgi
import httpx
import pytest

from errorwire.integrations import asgi as errorwire_asgi
from errorwire.integrations import wsgi as errorwire_wsgi
from errorwire.integrations.falcon import ErrorwireMiddleware
from tests.integrations.asgi.asgi_support import serve
from tests.integrations.falcon.falcon_support import serve_wsgi
from tests.reports import VENDORS, Reports, vendor_context, vendor_exception_classes


class Abort(BaseException):
    """What a library may raise to unwind (gevent's Timeout, trio's Cancelled...)."""


class AbortingRoute:
    def on_get(self, req: Any, resp: Any, order: str) -> None:
        raise Abort(f"order {order} unwound")


class AbortingRouteAsync:
    async def on_get(self, req: Any, resp: Any, order: str) -> None:
        raise Abort(f"order {order} unwound")


def make_app(kind: str) -> Any:
    if kind == "wsgi":
        app: Any = falcon.App(middleware=[ErrorwireMiddleware()])
        app.add_route("/orders/{order}", AbortingRoute())
        return app
    app = falcon.asgi.App(middleware=[ErrorwireMiddleware()])
    app.add_route("/orders/{order}", AbortingRouteAsync())
    return app


def serving(kind: str, app: Any) -> Any:
    return serve_wsgi(app) if kind == "wsgi" else serve(app)


def wrapped_app(kind: str) -> Any:
    """The app of ``kind`` wrapped in errorwire's WSGI or ASGI middleware as well."""
    app = make_app(kind)
    if kind == "wsgi":
        return errorwire_wsgi.ErrorwireMiddleware(app)
    return errorwire_asgi.ErrorwireMiddleware(app)


def get_status(url: str) -> int:
    with httpx.Client(timeout=10) as client:
        return client.get(url + "/orders/7").status_code


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_wrapped_app_reports_a_base_exception_once_with_the_route(
    reports: Reports, kind: str
) -> None:
    with serving(kind, wrapped_app(kind)) as url:
        assert get_status(url) == 500  # the server's own answer, as without errorwire
    event, payloads = reports.one()
    assert [e.short_type for e in event.exceptions] == ["Abort"]
    assert event.context == "/orders/{order}"
    for vendor in VENDORS:
        assert vendor_exception_classes(vendor, payloads[vendor])[0].endswith("Abort")
        if vendor != "raygun":
            assert vendor_context(vendor, payloads[vendor]) == "/orders/{order}"


def base_exception_hints(
    caplog: pytest.LogCaptureFixture, kind: str, app: Any, requests: int
) -> List[str]:
    """What errorwire logged about BaseException while ``app`` was served ``requests`` times."""
    caplog.set_level(logging.INFO, logger="errorwire")
    with serving(kind, app) as url:
        for _ in range(requests):
            get_status(url)
    return [r.getMessage() for r in caplog.records if "BaseException" in r.getMessage()]


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_unwrapped_app_logs_how_to_report_base_exceptions_once(
    reports: Reports, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    hints = base_exception_hints(caplog, kind, make_app(kind), requests=2)
    assert hints == [
        "errorwire: Falcon passes BaseException subclasses (other than KeyboardInterrupt, "
        "SystemExit...) to the server without calling any middleware or error handler; "
        f"to report them, also wrap the app: app = errorwire.integrations.{kind}"
        ".ErrorwireMiddleware(app)"
    ]


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_wrapped_app_logs_no_hint(
    reports: Reports, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert not base_exception_hints(caplog, kind, wrapped_app(kind), requests=1)
    assert len(reports.settle()) == 1
