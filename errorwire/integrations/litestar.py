"""Litestar: ``Litestar(route_handlers=[...], plugins=[ErrorwirePlugin()])``.

Litestar turns every exception into a response itself (its exception handler
middleware sits around the router and inside each route's middleware stack), so
no ASGI middleware sees a view's error. The plugin adds two things through
Litestar's own init hook:

- the ASGI middleware (outermost of the app's middleware, so inside routing):
  it marks the request (person, breadcrumbs per request), copies the body the
  app reads and reports what escapes Litestar itself, an error while a
  response streams (Litestar raises it again, wrapped, once the status line
  went out), or an error of a middleware inside it (Litestar's HTTP answers below
  500 excepted: a 401 from ``AbstractAuthenticationMiddleware``, a 404, a 400);
- an ``after_exception`` hook, which Litestar calls with every exception before
  it renders the error response: it reports unless the exception is one of
  Litestar's HTTP answers below 500 (``NotFoundException``, validation errors)
  or one the app's own exception handler answers (a handler for that class or
  status; a handler for ``Exception`` or 500 is the app's error page, reported).

The route template (``/items/{item_id}``) is the report's context; the user
the authentication middleware put at ``scope["user"]`` becomes the person.
"""

from __future__ import annotations

import re
from inspect import getmro
from typing import Any, Mapping, Optional

from errorwire.integrations import needs

with needs(__name__, "Litestar"):
    from litestar.exceptions import HTTPException, LitestarException

try:  # Litestar >= 2.15; the protocol before (deprecated since)
    from litestar.plugins import InitPlugin

    _InitPlugin: Any = InitPlugin
except ImportError:  # pragma: no cover - depends on the Litestar version
    from litestar.plugins import InitPluginProtocol

    _InitPlugin = InitPluginProtocol

from errorwire.core.context import InRequest, RequestState
from errorwire.core.safety import swallowed_error
from errorwire.integrations import asgi
from errorwire.integrations.asgi_types import ASGIScope
from errorwire.integrations.base import report_to_middleware
from errorwire.integrations.people import person_of
from errorwire.integrations.wsgi import current_client

__all__ = ["ErrorwireMiddleware", "ErrorwirePlugin"]

FRAMEWORK = "litestar"
STREAMING_ERROR = "Exception caught after response started"
"""The detail of the LitestarException that wraps an error raised while a response streams."""


class ErrorwirePlugin(_InitPlugin):  # type: ignore[misc]
    """Add to ``Litestar(plugins=[...])``; configuration comes from ``errorwire.init``."""

    def on_app_init(self, app_config: Any) -> Any:
        current_client()  # init() from the environment now, if the user has not
        if ErrorwireMiddleware not in app_config.middleware:
            app_config.middleware.insert(0, ErrorwireMiddleware)
        if after_exception not in app_config.after_exception:
            app_config.after_exception.append(after_exception)
        return app_config


async def after_exception(exc: Exception, scope: ASGIScope) -> None:
    """Litestar's hook: called inside the request, before the error response is made."""
    try:
        if _is_http_answer(exc) or _answered_by_app(exc, scope):
            return
        # Inside ErrorwireMiddleware's request when the route matched: to the client that
        # middleware holds. A 5xx raised before routing has no request of its own
        # (reported bare, to the configured client).
        report_to_middleware(exc, ErrorwireMiddleware)
    except Exception as error:
        swallowed_error("litestar report", error)


def _is_http_answer(exc: BaseException) -> bool:
    status = getattr(exc, "status_code", None)
    return isinstance(exc, HTTPException) and isinstance(status, int) and status < 500


def _answered_by_app(exc: Exception, scope: Mapping[str, Any]) -> bool:
    """Whether the app's own exception handler answers ``exc`` (Litestar's lookup order:
    the status of an HTTPException, then the class's MRO). Handlers for ``Exception``
    and for 500 render the app's error page: those errors are still unhandled."""
    handler_owner = scope.get("route_handler") or _app_of(scope)
    resolve = getattr(handler_owner, "resolve_exception_handlers", None)
    if resolve is not None:
        handlers = resolve()
    else:
        handlers = getattr(handler_owner, "exception_handlers", None)
    if not handlers:
        return False
    if isinstance(exc, HTTPException) and exc.status_code in handlers:
        return bool(exc.status_code < 500)
    for cls in getmro(type(exc)):
        if cls in handlers:
            return cls not in (Exception, BaseException, HTTPException)
    return False


class ErrorwireMiddleware(asgi.ErrorwireMiddleware):
    """The ASGI middleware in a Litestar route's stack (the plugin adds it)."""

    framework = FRAMEWORK

    def state_of(self, request: InRequest) -> RequestState:
        scope: ASGIScope = request.handle
        state = scope.get(asgi.STATE_KEY)
        if state is None:
            state = super().state_of(request)
            state.person_loader = lambda: person_of(scope.get("user"))
        return state

    def route_template(self, scope: ASGIScope) -> Optional[str]:
        template = scope.get("path_template")  # set while routing by recent Litestars
        if isinstance(template, str) and template:
            return template
        return _registered_path(scope)

    def _report(self, exc: BaseException) -> None:
        # A streamed body's error reaches the middleware wrapped by Litestar, once the
        # status line went out: the app's own error is the report.
        cause = exc.__cause__
        if (
            isinstance(exc, LitestarException)
            and getattr(exc, "detail", None) == STREAMING_ERROR
            and isinstance(cause, BaseException)
        ):
            exc = cause
        elif _is_http_answer(exc):  # raised by a middleware inside ours (an auth 401, a 404)
            return
        super()._report(exc)


_TYPED_PARAMETER = re.compile(r"\{([^{}:]+):[^{}]*\}")


def _registered_path(scope: Mapping[str, Any]) -> Optional[str]:
    """Litestar without ``path_template`` (2.9, 2.10): the full path of the app's route
    that holds the matched handler, without parameter types (as ``path_template`` has it)."""
    handler = scope.get("route_handler")
    app = _app_of(scope)
    if handler is None or app is None:
        return None
    for route in getattr(app, "routes", ()):
        held = getattr(route, "route_handlers", None) or (getattr(route, "route_handler", None),)
        if any(candidate is handler for candidate in held):  # (websocket routes hold one)
            path = getattr(route, "path", None)
            return _TYPED_PARAMETER.sub(r"{\1}", path) if isinstance(path, str) else None
    return None


def _app_of(scope: Mapping[str, Any]) -> Any:
    """The Litestar app (``scope["litestar_app"]``; ``scope["app"]`` before 2.2)."""
    app = scope.get("litestar_app")
    return app if app is not None else scope.get("app")
