"""Starlette and FastAPI.

    app.add_middleware(errorwire.integrations.starlette.ErrorwireMiddleware)

The ASGI middleware, plus what Starlette knows: the framework's name, the
matched route's template (``/items/{item_id}``) and the authenticated user.
``add_middleware`` puts it inside ``ServerErrorMiddleware`` and outside
``ExceptionMiddleware``: HTTP exceptions arrive as responses (not reported),
everything else (views, streaming bodies, background tasks) as exceptions.
"""

from __future__ import annotations

from typing import Any, Iterable, MutableMapping, Optional

try:
    import starlette  # noqa: F401 - only to fail early with a clear message
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "errorwire.integrations.starlette needs Starlette: pip install errorwire[starlette]"
    ) from exc

from errorwire.integrations import asgi

__all__ = ["ErrorwireMiddleware"]


class ErrorwireMiddleware(asgi.ErrorwireMiddleware):
    framework = "starlette"

    def framework_of(self, scope: MutableMapping[str, Any]) -> str:
        app = scope.get("app")  # set by Starlette.__call__ before the middleware stack
        module = type(app).__module__ if app is not None else ""
        return "fastapi" if module.split(".", 1)[0] == "fastapi" else "starlette"

    def route_template(self, scope: MutableMapping[str, Any]) -> Optional[str]:
        found = super().route_template(scope)  # Starlette >= 0.38 and FastAPI set scope["route"]
        if found is not None:
            return found
        endpoint = scope.get("endpoint")
        router = scope.get("router")
        if endpoint is None or router is None:
            return None
        return _path_of(endpoint, getattr(router, "routes", ()), depth=0)


def _path_of(endpoint: Any, routes: Iterable[Any], depth: int) -> Optional[str]:
    """The template of the route whose endpoint is ``endpoint``, searching into mounts.

    Mounted routes give their own path: the mount prefix comes from ``root_path``.
    """
    if depth > 8:
        return None
    for route in routes:
        if getattr(route, "endpoint", None) is endpoint and isinstance(
            getattr(route, "path", None), str
        ):
            return str(route.path)
        inner = getattr(route, "routes", None)
        if inner:
            found = _path_of(endpoint, inner, depth + 1)
            if found is not None:
                return found
    return None
