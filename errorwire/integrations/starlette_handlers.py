"""HTTP exceptions of status 500 or more that the app's own handlers answer are reported.

Starlette's ``ExceptionMiddleware`` (inside errorwire's middleware) turns an
``HTTPException`` into a response, so it never reaches errorwire as an exception. Once,
when the middleware stack is built, each handler it holds for an ``HTTPException`` class
(Starlette's default one, the app's own, FastAPI's) or for a status of 500 or more is
wrapped: the exception is reported (as Sentry does), then the handler answers as before.
Requests pass through nothing new; a 4xx costs one integer comparison in its handler.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, Optional

from errorwire.core.safety import swallow, swallowed_error

WRAPPED = "__errorwire_reports__"
MAX_DEPTH = 32
"""Middleware layers searched, from errorwire's inward, for the ExceptionMiddleware."""


Report = Callable[[BaseException], None]


def report_http_exceptions(app: Any, report: Report) -> None:
    """Wrap the handlers of the first ``ExceptionMiddleware`` inside ``app`` (no-op if none)
    so that they ``report`` what they answer with 500 or more (errorwire's middleware's
    own reporter: its client)."""
    with swallow("wrap the HTTP exception handlers"):
        from starlette.exceptions import HTTPException
        from starlette.middleware.exceptions import ExceptionMiddleware

        layer = app
        for _ in range(MAX_DEPTH):
            if isinstance(layer, ExceptionMiddleware):
                break
            layer = getattr(layer, "app", None)
        else:
            return
        if layer is None:
            return
        # Private: Starlette's ExceptionMiddleware takes its handlers at construction and
        # has no public way to read or wrap one afterwards.
        handlers: Dict[Any, Callable[..., Any]] = getattr(layer, "_exception_handlers", {})
        for key, handler in list(handlers.items()):
            if isinstance(key, type) and issubclass(key, HTTPException):
                handlers[key] = _reporting(handler, report)
        statuses: Dict[int, Callable[..., Any]] = getattr(layer, "_status_handlers", {})
        for status, handler in list(statuses.items()):
            if status >= 500:
                statuses[status] = _reporting(handler, report)


def _reporting(handler: Callable[..., Any], report: Report) -> Callable[..., Any]:
    if getattr(handler, WRAPPED, False):
        return handler
    if _is_async(handler):

        async def async_wrapped(conn: Any, exc: Exception) -> Any:
            _report(exc, report)
            return await handler(conn, exc)

        wrapped: Callable[..., Any] = async_wrapped
    else:

        def sync_wrapped(conn: Any, exc: Exception) -> Any:
            _report(exc, report)
            return handler(conn, exc)

        wrapped = sync_wrapped
    setattr(wrapped, WRAPPED, True)
    return wrapped


def _is_async(handler: Any) -> bool:
    while hasattr(handler, "func"):  # functools.partial, as Starlette itself checks
        handler = handler.func
    return asyncio.iscoroutinefunction(handler) or asyncio.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 - an object with an async __call__
    )


def _report(exc: Exception, report: Report) -> None:
    status: Optional[int] = getattr(exc, "status_code", None)
    if not isinstance(status, int) or status < 500:
        return
    try:
        report(exc)
    except Exception as error:
        swallowed_error("report an answered HTTP exception", error)
