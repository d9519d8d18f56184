"""Django Channels: ``application = errorwire.integrations.channels.ErrorwireMiddleware(router)``.

Around the ``ProtocolTypeRouter`` (the whole ASGI application), it is errorwire's ASGI
middleware: HTTP and websocket consumers' errors (``connect``, ``receive``, ``handle``)
leave the consumer and pass it, are reported once and re-raised unchanged (the server
answers 500 or closes the socket). Views of the Django ASGI app under ``"http"`` are
answered by Django itself: the Django middleware (``errorwire.integrations.django``)
reports those, in their request.

Channels' middleware and ``URLRouter`` hand copies of the scope inward (the user the
auth middleware adds, the matched route), so at construction the middleware walks the
router (``ProtocolTypeRouter`` mapping, middleware ``inner``, ``URLRouter`` routes) and
puts a recorder in front of each application at its end (a consumer, Django's ASGI app):
called with the scope as the consumer gets it, the recorder keeps it with the request.
The route's pattern (``/ws/rooms/<str:room>/``) is the report's context, its URL
arguments the route parameters; ``scope["user"]`` (``AuthMiddlewareStack``, or a token
middleware of the app's) becomes the person.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from errorwire.integrations import needs

with needs(__name__, "Channels"):
    from channels.routing import ProtocolTypeRouter, URLRouter

from errorwire.core.context import InRequest, RequestState, in_request
from errorwire.integrations import asgi
from errorwire.integrations.asgi_types import ASGIApp, ASGIScope, Receive, Send
from errorwire.integrations.base import plain_params

__all__ = ["ErrorwireMiddleware"]

FRAMEWORK = "channels"
INNER_SCOPE = "errorwire.channels.scope"
"""Where the scope the consumer got is kept in the outer scope dict."""
ROUTE = "errorwire.channels.route"


class ErrorwireMiddleware(asgi.ErrorwireMiddleware):
    """errorwire's ASGI middleware around a Channels router."""

    framework = FRAMEWORK

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(_recording(app, "", self))

    def state_of(self, request: InRequest) -> RequestState:
        outer: ASGIScope = request.handle
        state = outer.get(asgi.STATE_KEY)
        if state is None:
            state = super().state_of(request)
            state.person_loader = lambda: asgi.scope_person(outer.get(INNER_SCOPE) or outer)
        return state

    def route_template(self, scope: ASGIScope) -> Optional[str]:
        route = scope.get(ROUTE)
        return route if isinstance(route, str) else None


class RouteRecorder:
    """In front of one application at the end of the router: keeps, with the request
    errorwire marked, the scope that application is called with and its route."""

    def __init__(self, app: ASGIApp, route: str, middleware: ErrorwireMiddleware) -> None:
        self.app = app
        self.route = route
        self.middleware = middleware

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        marked = in_request()
        if marked is not None and marked.source is self.middleware:
            outer: Dict[str, Any] = marked.handle
            outer[INNER_SCOPE] = scope
            if self.route:
                outer[ROUTE] = self.route
                url_route = scope.get("url_route") or {}
                outer["path_params"] = plain_params(url_route.get("kwargs") or {})
        await self.app(scope, receive, send)

    def __getattr__(self, name: str) -> Any:
        if name == "app":
            raise AttributeError(name)
        return getattr(self.app, name)


WRAPPED_APP_ATTRIBUTES = ("inner", "application")
"""Where Channels' middleware keep the application they wrap (``BaseMiddleware.inner``,
``OriginValidator.application``)."""


def _recording(app: Any, route: str, middleware: ErrorwireMiddleware) -> Any:
    """``app`` with a recorder in front of each application at the end of its routing."""
    if isinstance(app, ProtocolTypeRouter):
        mapping = app.application_mapping
        for kind, inner in list(mapping.items()):
            mapping[kind] = _recording(inner, route, middleware)
        return app
    if isinstance(app, URLRouter):
        for entry in app.routes:
            entry.callback = _recording(entry.callback, route + str(entry.pattern), middleware)
        return app
    if isinstance(app, RouteRecorder):
        return app
    for attribute in WRAPPED_APP_ATTRIBUTES:
        inner = getattr(app, attribute, None)
        if inner is not None and callable(inner):
            setattr(app, attribute, _recording(inner, route, middleware))
            return app
    return RouteRecorder(app, "/" + route if route else "", middleware)
