"""Small stand-in apps for ``run_demo.py``, used for a framework whose example app is missing.

Each is set up with the one line README.md documents for its framework, and has
routes that fail in different ways (in a view, in a nested helper with a chained
exception, on a JSON POST) plus one that succeeds.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import errorwire

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/divide/0", None),
    ("GET", "/orders/7?expand=items", None),
    ("POST", "/checkout", {"cart": [1, 2], "coupon": "SPRING"}),
    ("GET", "/ok", None),
]
"""(method, path, JSON body) sent by the demo to every fallback app."""

ORDERS: Dict[str, Any] = {}


def login() -> None:
    errorwire.set_person(id="42", username="alice", email="alice@example.com")


def divide(value: str) -> float:
    login()
    return 100 / int(value)


def find_order(order_id: str) -> Any:
    login()
    try:
        return ORDERS[order_id]
    except KeyError as missing:
        raise LookupError(f"order {order_id} not found") from missing


def checkout(body: Any) -> Any:
    login()
    return sum(body["cart"]) + body["coupon"]  # TypeError: int + str


def flask_app() -> Any:
    import flask

    import errorwire.integrations.flask

    app = flask.Flask("demo_flask")
    errorwire.integrations.flask.Errorwire(app)
    app.add_url_rule("/divide/<value>", "divide", lambda value: str(divide(value)))
    app.add_url_rule("/orders/<order_id>", "orders", lambda order_id: find_order(order_id))
    app.add_url_rule(
        "/checkout", "checkout", lambda: str(checkout(flask.request.get_json())), methods=["POST"]
    )
    app.add_url_rule("/ok", "ok", lambda: "ok")
    return app


def _starlette_routes() -> List[Any]:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def divide_view(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(divide(request.path_params["value"])))

    async def order_view(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(find_order(request.path_params["order_id"])))

    async def checkout_view(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(checkout(await request.json())))

    async def ok_view(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return [
        Route("/divide/{value}", divide_view),
        Route("/orders/{order_id}", order_view),
        Route("/checkout", checkout_view, methods=["POST"]),
        Route("/ok", ok_view),
    ]


def starlette_app() -> Any:
    from starlette.applications import Starlette

    import errorwire.integrations.starlette

    app = Starlette(routes=_starlette_routes())
    app.add_middleware(errorwire.integrations.starlette.ErrorwireMiddleware)
    return app


def fastapi_app() -> Any:
    from fastapi import FastAPI

    import errorwire.integrations.starlette

    app = FastAPI()
    app.router.routes.extend(_starlette_routes())
    app.add_middleware(errorwire.integrations.starlette.ErrorwireMiddleware)
    return app


def django_app() -> Any:
    import django
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="errorwire-demo",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__,
            MIDDLEWARE=["errorwire.integrations.django.ErrorwireMiddleware"],
            INSTALLED_APPS=[],
            LOGGING_CONFIG=None,
        )
        django.setup()
    return get_wsgi_application()


def __getattr__(name: str) -> Any:
    # Django reads ``urlpatterns`` from ROOT_URLCONF (this module) only when it serves.
    if name != "urlpatterns":
        raise AttributeError(name)
    import json

    from django.http import HttpRequest, HttpResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt
    def checkout_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(checkout(json.loads(request.body))))

    return [
        path("divide/<str:value>", lambda request, value: HttpResponse(str(divide(value)))),
        path("orders/<str:order_id>", lambda request, order_id: find_order(order_id)),
        path("checkout", checkout_view),
        path("ok", lambda request: HttpResponse("ok")),
    ]


BUILDERS = {
    "flask": (flask_app, "wsgi"),
    "django": (django_app, "wsgi"),
    "starlette": (starlette_app, "asgi"),
    "fastapi": (fastapi_app, "asgi"),
}
