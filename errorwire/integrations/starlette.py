"""Starlette and FastAPI.

    app.add_middleware(errorwire.integrations.starlette.ErrorwireMiddleware)

The ASGI middleware, plus what Starlette knows: the framework's name, the
matched route's template (``/items/{item_id}``) and the authenticated user.
``add_middleware`` puts it inside ``ServerErrorMiddleware`` and outside
``ExceptionMiddleware``: HTTP exceptions arrive as responses (those of status 500 or
more are reported from their handler, ``starlette_handlers``), everything else (views,
streaming bodies, background tasks) as exceptions.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Optional

from errorwire.integrations import needs

with needs(__name__, "Starlette"):
    import starlette  # noqa: F401 - only to fail early with a clear message

from errorwire.core.client import Client
from errorwire.integrations import asgi
from errorwire.integrations.asgi_types import ASGIApp, ASGIScope
from errorwire.integrations.starlette_handlers import report_http_exceptions

__all__ = ["ErrorwireMiddleware"]


class ErrorwireMiddleware(asgi.ErrorwireMiddleware):
    framework = "starlette"
    _framework = "starlette"
    _app_type: Optional[type] = None

    def __init__(self, app: ASGIApp, client: Optional[Client] = None) -> None:
        super().__init__(app, client)
        report_http_exceptions(app, self.report)  # built after the ExceptionMiddleware inside it

    def framework_of(self, scope: ASGIScope) -> str:
        app = scope.get("app")  # set by Starlette.__call__ before the middleware stack
        app_type = type(app)
        if app_type is not self._app_type:  # one app per middleware: decided once
            module = app_type.__module__ if app is not None else ""
            self._framework = "fastapi" if module.split(".", 1)[0] == "fastapi" else "starlette"
            self._app_type = app_type
        return self._framework

    def route_template(self, scope: ASGIScope) -> Optional[str]:
        found = super().route_template(scope)  # Starlette >= 0.38 and FastAPI set scope["route"]
        if found is not None:
            return found
        endpoint = scope.get("endpoint")
        router = scope.get("router")
        if endpoint is None or router is None:
            return None
        candidates = list(_routes_to(endpoint, getattr(router, "routes", ()), depth=0))
        # One endpoint may serve several routes: the one matching the (mounted) path wins.
        for route in candidates:
            if _matches_fully(route, scope):
                return _template(route)
        return _template(candidates[0]) if candidates else None


def _routes_to(endpoint: Any, routes: Iterable[Any], depth: int) -> Iterator[Any]:
    """Routes whose endpoint is ``endpoint``, searching into mounts (Starlette < 0.38)."""
    if depth > 8:
        return
    for route in routes:
        if getattr(route, "endpoint", None) is endpoint:
            yield route
        inner = getattr(route, "routes", None)
        if inner:
            yield from _routes_to(endpoint, inner, depth + 1)


def _matches_fully(route: Any, scope: ASGIScope) -> bool:
    try:
        match, _ = route.matches(scope)
    except Exception:  # a custom route class with its own ideas
        return False
    return getattr(match, "name", None) == "FULL"


def _template(route: Any) -> Optional[str]:
    """Relative to its mount: the mount prefix comes from ``root_path``."""
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else None
