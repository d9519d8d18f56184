"""A Pyramid app with errorwire: one view per way a request can fail, plus one that works.

    ROLLBAR_ACCESS_TOKEN=... python example_apps/pyramid_app.py      # 127.0.0.1:6543 (waitress)

Vendors come from the environment (ROLLBAR_*, RAYGUN_*, BUGSNAG_* with *_ENDPOINT to
point them at a local inbox). Try /, /view-error, /items/7 (send ``X-User: alice`` to be
the report's person: the app's security policy), /unavailable (a 503) and
``POST /checkout`` with a JSON body; /missing answers 404 and is not reported.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPNotFound, HTTPServiceUnavailable
from pyramid.response import Response

import errorwire

DEMO_REQUESTS: List[Tuple[str, str, Any]] = [
    ("GET", "/", None),
    ("GET", "/view-error", None),
    ("GET", "/items/7?expand=price", None),
    ("GET", "/unavailable", None),
    ("GET", "/missing", None),
    ("POST", "/checkout", {"cart": [1, 2], "coupon": "SPRING"}),
]
"""What ``example_apps/run_demo.py`` sends (method, path, JSON body)."""
DEMO_KIND = "wsgi"


class PaymentDeclined(Exception):
    pass


class HeaderSecurity:
    """The user named by the X-User header (a real app checks a session or a token)."""

    def identity(self, request: Any) -> Optional[str]:
        return request.headers.get("X-User")

    def authenticated_userid(self, request: Any) -> Optional[str]:
        return self.identity(request)

    def permits(self, request: Any, context: Any, permission: Any) -> bool:
        return True

    def remember(self, request: Any, userid: Any, **kw: Any) -> List[Any]:
        return []

    def forget(self, request: Any, **kw: Any) -> List[Any]:
        return []


def find_card(number: str) -> str:
    return {"4000": "visa"}[number]


def home(request: Any) -> Response:
    return Response("all good")


def view_error(request: Any) -> Response:
    try:
        find_card("4242")
    except KeyError as exc:
        raise PaymentDeclined("card 4242 declined") from exc
    return Response("paid")


def item(request: Any) -> Response:
    raise LookupError(f"item {request.matchdict['item_id']} is out of stock")


def unavailable(request: Any) -> Response:
    raise HTTPServiceUnavailable("the card processor is down")


def missing(request: Any) -> Response:
    raise HTTPNotFound()


def checkout(request: Any) -> Response:
    order = request.json_body
    errorwire.add_breadcrumb(
        "checkout started", category="shop", data={"items": len(order["cart"])}
    )
    raise ValueError(f"coupon {order['coupon']} has expired")


def make_app() -> Any:
    with Configurator() as config:
        config.set_security_policy(HeaderSecurity())
        config.include("errorwire.integrations.pyramid")
        routes = [
            ("/", home, "GET"),
            ("/view-error", view_error, "GET"),
            ("/items/{item_id}", item, "GET"),
            ("/unavailable", unavailable, "GET"),
            ("/missing", missing, "GET"),
            ("/checkout", checkout, "POST"),
        ]
        for pattern, view, method in routes:
            config.add_route(pattern, pattern)
            config.add_view(view, route_name=pattern, request_method=method)
        return config.make_wsgi_app()


app = make_app()

if __name__ == "__main__":
    from waitress import serve

    serve(app, host="127.0.0.1", port=6543)
