"""The benchmark apps: one tiny app per framework, bare or with one error reporter.

Each (framework, variant) is built in its own process (the SDKs patch globals),
with every reporter pointed at the same local sink. ``/ok`` answers a short text,
``/error`` raises ``ValueError`` inside a nested helper.
"""

from __future__ import annotations

import importlib
import logging
import os
import tempfile
from typing import Any, Callable, Dict, Optional

FRAMEWORKS = ("flask", "django", "starlette")
VARIANTS = ("bare", "floor", "errorwire", "errorwire-locals", "sentry", "rollbar", "bugsnag")
"""``floor``: a middleware that only calls the app, added where errorwire's goes. No
integration can cost less; its ratio shows what the driver lets any layer keep.
``errorwire-locals``: errorwire with ``include_locals=True``."""
ERRORWIRE = ("errorwire", "errorwire-locals")
FLOOR_READY = "floor-ready"
"""The floor's middleware, in a process where errorwire is initialised (``init()``) and its
integration for the framework imported, but not added to the app (benchmarks/instructions.py).
Imports decide which types are looked up first, and so CPython's method cache, where one
attribute lookup hitting or missing moves a request's count by hundreds of instructions:
this floor has the same imports as errorwire's variant, so the difference is the middleware."""
FLOORS = ("floor", FLOOR_READY)
ROLLBAR_TOKEN = "a" * 32
BUGSNAG_KEY = "b" * 32


def fail() -> None:
    def helper(n: int) -> int:
        return {"a": 1}["b"] + n

    try:
        helper(1)
    except KeyError as exc:
        raise ValueError("benchmark failure") from exc


class EmptyWSGIMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


class EmptyDjangoMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        return self.get_response(request)


class EmptyASGIMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def bench_spool() -> Optional[str]:
    """ERRORWIRE_BENCH_SPOOL=<folder>: errorwire with a spool (it must cost nothing), a
    fresh one per process so every run starts alike."""
    base = os.environ.get("ERRORWIRE_BENCH_SPOOL")
    return tempfile.mkdtemp(prefix="spool-", dir=base) if base else None


def setup_reporter(variant: str, framework: str, sink: str, storm_control: bool = True) -> None:
    """Configure the reporter's global client (before the app is built).

    Without ``storm_control`` every failing request builds and sends a full report
    (the error-path measurement: errorwire's storm shortcut must not flatter it).
    """
    logging.getLogger("errorwire").setLevel(logging.ERROR)
    if variant == FLOOR_READY:
        importlib.import_module(f"errorwire.integrations.{framework}")
    if variant in ERRORWIRE or variant == FLOOR_READY:
        import errorwire

        errorwire.init(
            include_locals=variant == "errorwire-locals",
            rollbar=errorwire.Rollbar(access_token=ROLLBAR_TOKEN, endpoint=f"{sink}/api/1/item/"),
            raygun=errorwire.Raygun(api_key="raygun", endpoint=f"{sink}/entries"),
            bugsnag=errorwire.Bugsnag(
                api_key=BUGSNAG_KEY,
                endpoint=f"{sink}/bugsnag/",
                sessions_endpoint=f"{sink}/sessions/",  # sessions counted, as by default
            ),
            storm_limit=60 if storm_control else 10**9,
            spool_dir=bench_spool(),
        )
    elif variant == "sentry":
        import sentry_sdk

        port = sink.rsplit(":", 1)[1]
        sentry_sdk.init(dsn=f"http://key@127.0.0.1:{port}/1", traces_sample_rate=None)
    elif variant == "rollbar":
        import rollbar

        rollbar.init(ROLLBAR_TOKEN, "production", endpoint=f"{sink}/api/1/", handler="thread")
    elif variant == "bugsnag":
        import bugsnag

        bugsnag.configure(
            api_key=BUGSNAG_KEY,
            endpoint=f"{sink}/bugsnag/",
            session_endpoint=f"{sink}/sessions/",
            auto_capture_sessions=False,
        )
        logging.getLogger("bugsnag").setLevel(logging.CRITICAL)


def flask_app(variant: str) -> Any:
    from flask import Flask

    app = Flask("bench")
    app.logger.disabled = True
    logging.getLogger("werkzeug").disabled = True

    @app.route("/ok")
    def ok() -> str:
        return "ok"

    @app.route("/error")
    def error() -> str:
        fail()
        return "unreachable"

    if variant in ERRORWIRE:
        from errorwire.integrations.flask import Errorwire

        Errorwire(app)
    elif variant in FLOORS:
        app.wsgi_app = EmptyWSGIMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    elif variant == "rollbar":
        import rollbar.contrib.flask
        from flask import got_request_exception

        got_request_exception.connect(rollbar.contrib.flask.report_exception, app)
    elif variant == "bugsnag":
        from bugsnag.flask import handle_exceptions

        handle_exceptions(app)
    return app


def django_app(variant: str) -> Any:
    import django
    from django.conf import settings
    from django.http import HttpResponse
    from django.urls import path

    def ok(request: Any) -> HttpResponse:
        return HttpResponse("ok")

    def error(request: Any) -> HttpResponse:
        fail()
        return HttpResponse("unreachable")

    middleware = {
        "bare": [],
        "floor": ["apps.EmptyDjangoMiddleware"],
        FLOOR_READY: ["apps.EmptyDjangoMiddleware"],
        "errorwire": ["errorwire.integrations.django.ErrorwireMiddleware"],
        "errorwire-locals": ["errorwire.integrations.django.ErrorwireMiddleware"],
        "sentry": [],
        "rollbar": ["rollbar.contrib.django.middleware.RollbarNotifierMiddleware"],
        "bugsnag": ["bugsnag.django.middleware.BugsnagMiddleware"],
    }[variant]
    import sys
    import types

    urls = types.ModuleType("bench_urls")
    urls.urlpatterns = [path("ok", ok), path("error", error)]  # type: ignore[attr-defined]
    sys.modules["bench_urls"] = urls
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="bench_urls",
        MIDDLEWARE=middleware,
        INSTALLED_APPS=[],
        LOGGING_CONFIG=None,
        ROLLBAR={"access_token": ROLLBAR_TOKEN, "environment": "production", "handler": "thread"},
        BUGSNAG={"api_key": BUGSNAG_KEY},
    )
    django.setup()
    # Every variant alike: no traceback printed per failing request (the bare app's
    # "django.request" records would otherwise go to stderr through logging's last resort).
    logging.getLogger("django").setLevel(logging.CRITICAL)
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


def starlette_app(variant: str) -> Any:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def ok(request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def error(request: Any) -> PlainTextResponse:
        fail()
        return PlainTextResponse("unreachable")

    app = Starlette(routes=[Route("/ok", ok), Route("/error", error)])
    if variant in ERRORWIRE:
        from errorwire.integrations.starlette import ErrorwireMiddleware

        app.add_middleware(ErrorwireMiddleware)
    elif variant in FLOORS:
        app.add_middleware(EmptyASGIMiddleware)
    elif variant == "rollbar":
        from rollbar.contrib.starlette import ReporterMiddleware

        app.add_middleware(ReporterMiddleware)
    elif variant == "bugsnag":
        from bugsnag.asgi import BugsnagMiddleware

        app.add_middleware(BugsnagMiddleware)
    return app


def bottle_app(variant: str) -> Any:
    """Not in FRAMEWORKS (no vendor SDK variant): for benchmarks/instructions.py bottle."""
    import bottle

    app = bottle.Bottle()
    app.route("/ok")(lambda: "ok")

    @app.route("/error")
    def error() -> str:
        fail()
        return "unreachable"

    if variant in ERRORWIRE:
        from errorwire.integrations.bottle import ErrorwirePlugin

        app.install(ErrorwirePlugin())
    elif variant in FLOORS:
        return EmptyWSGIMiddleware(app)
    return app


BUILDERS: Dict[str, Callable[[str], Any]] = {
    "flask": flask_app,
    "django": django_app,
    "starlette": starlette_app,
    "bottle": bottle_app,
}


def build(framework: str, variant: str, sink: str, storm_control: bool = True) -> Any:
    setup_reporter(variant, framework, sink, storm_control)
    return BUILDERS[framework](variant)
