"""Falcon: ``falcon.App(middleware=[ErrorwireMiddleware()])``, same for ``falcon.asgi.App``.

Falcon renders every exception itself (its default handler for ``Exception``
answers 500), so neither a WSGI/ASGI wrapper nor a middleware method ever sees
the error. Falcon gives middleware no reference to its app, so on its first
request the middleware finds the app that holds it (what refers to the app's
middleware list) and adds, through ``app.add_error_handler``, a handler for
``Exception`` that reports and then calls the handler that was there (Falcon's
default, or the app's own): the response and the app's log of the error stay as
they were. (An ``add_error_handler(Exception, ...)`` the app makes after its first
request replaces errorwire's: make it before serving.)
The handler for ``HTTPError`` is wrapped the same way: an ``HTTPError`` of 500
and above is reported, Falcon's answers below 500 (``HTTPNotFound``, invalid
parameters...) are not, nor are exceptions the app registered a handler for.
An error raised by one of the app's own error handlers (which Falcon lets reach the
server as a 500) is reported once, its chain holding the error it was answering.

Per request, ``process_request`` marks the context as inside the request (so
``set_person`` and breadcrumbs belong to it), keeps a capped copy of the body
the app reads (WSGI: through ``req.stream``; ASGI: the media the app parsed),
and ``process_response`` wraps a streamed body to report its errors. The route
template (``/items/{item_id:int}``) is the report's context; a user the app's
auth middleware put at ``req.context.user`` becomes the person.

Falcon catches only ``Exception`` (up to 4.x: its error handlers, ``set_error_reporter``
and ``process_response`` never see anything else), so a ``BaseException`` subclass a
responder raises reaches the server unseen by this middleware. Wrapping the app in
errorwire's WSGI or ASGI middleware as well reports it (once, with this request's
scope); without that wrapper a hint is logged once, at the first request.
"""

from __future__ import annotations

import gc
import inspect
import logging
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, List

from errorwire.integrations import needs

with needs(__name__, "Falcon"):
    import falcon

from errorwire.core.context import (
    RequestState,
    enter_request,
    exit_request,
    in_request,
    mark_request,
)
from errorwire.core.safety import log_once, swallowed_error
from errorwire.integrations.base import HoldsClient, report_streamed_async, report_to_middleware
from errorwire.integrations.falcon_request import PARAMS_KEY, new_scope, tee_stream
from errorwire.integrations.wsgi import ReportingIterable, current_client, state_in
from errorwire.release import sessions

if TYPE_CHECKING:  # annotations only
    from errorwire.core.context import InRequest

__all__ = ["ErrorwireMiddleware"]

TOKEN_KEY = "errorwire.falcon.token"
REPORTING = "__errorwire_reporting__"
"""Set on errorwire's error handler: an app gets one, however many requests race to add it."""
GUARDED = "__errorwire_guarded__"
"""Set on an app's own error handler wrapped to report what it raises itself."""

_install_lock = threading.Lock()


class ErrorwireMiddleware(HoldsClient):
    """One middleware for ``falcon.App`` (the plain methods) and ``falcon.asgi.App``
    (the ``*_async`` ones, which Falcon's ASGI app prefers). It holds its client, resolved
    at its first request."""

    def __init__(self) -> None:
        self._installed = False
        current_client()  # init() from the environment now, if the user has not

    # -- WSGI ---------------------------------------------------------------------------

    def process_request(self, req: Any, resp: Any) -> None:
        self._install(asynchronous=False)
        env: Dict[str, Any] = req.env
        env[TOKEN_KEY] = enter_request(mark_request((self, req, env)))
        sessions.start_session(None)  # Bugsnag's session count: one C call (release/sessions.py)
        # The environ, not req.content_length: that raises on a malformed header, which
        # only an app that reads the body should answer with a 400.
        if env.get("CONTENT_LENGTH") or "HTTP_TRANSFER_ENCODING" in env:
            tee_stream(req, env, self.client())

    def process_resource(self, req: Any, resp: Any, resource: Any, params: Any) -> None:
        req.env[PARAMS_KEY] = params

    def process_response(self, req: Any, resp: Any, resource: Any, req_succeeded: bool) -> None:
        env: Dict[str, Any] = req.env
        token = env.pop(TOKEN_KEY, None)
        if token is None:  # process_request did not run (an earlier middleware answered)
            return
        exit_request(token)
        stream = resp.stream
        if stream is not None and not hasattr(stream, "read"):
            resp.stream = ReportingIterable(stream, mark_request((self, req, env)), self.report)

    # -- ASGI ---------------------------------------------------------------------------

    async def process_request_async(self, req: Any, resp: Any) -> None:
        self._install(asynchronous=True)
        scope = req.scope
        scope[TOKEN_KEY] = enter_request(mark_request((self, req, scope)))
        sessions.start_session(None)

    async def process_request_ws(self, req: Any, ws: Any) -> None:
        """A WebSocket's connection task lives as long as the socket: its context stays
        marked (there is no hook at its end, and none is needed)."""
        self._install(asynchronous=True)
        scope = req.scope
        enter_request(mark_request((self, req, scope)))

    async def process_resource_async(self, req: Any, resp: Any, resource: Any, params: Any) -> None:
        req.scope[PARAMS_KEY] = params

    async def process_response_async(
        self, req: Any, resp: Any, resource: Any, req_succeeded: bool
    ) -> None:
        scope = req.scope
        token = scope.pop(TOKEN_KEY, None)
        if token is None:
            return
        exit_request(token)
        stream = resp.stream
        if stream is not None and not hasattr(stream, "read") and hasattr(stream, "__aiter__"):
            resp.stream = report_streamed_async(
                stream, mark_request((self, req, scope)), self.report
            )

    # -- the request's RequestState --------------------------------------------------------------

    def state_of(self, request: InRequest) -> RequestState:
        """The middleware is its requests' ``RequestSource``: ``request.handle`` is Falcon's
        request, ``request.origin`` its own dict (the WSGI environ or the ASGI scope),
        where its RequestState is kept once made."""
        req, store = request.handle, request.origin
        return state_in(store, lambda: new_scope(req, store, self.client()))

    def _install(self, asynchronous: bool) -> None:
        """Add the reporting error handler to the apps this middleware was given to, once."""
        if self._installed:
            return
        with _install_lock:
            if self._installed:
                return
            try:
                apps = _apps_holding(self)
                for app in apps:
                    _guard_apps_own_handlers(app)
                    for error_class in WRAPPED:
                        _add_reporting_handler(app, error_class, asynchronous)
                if not apps:
                    log_once(
                        "falcon-no-app",
                        "errorwire: found no falcon.App holding ErrorwireMiddleware; "
                        "its errors are not reported",
                    )
            except Exception as error:
                swallowed_error("falcon error handler", error)
            # Only now: a concurrent first request waits on the lock until the handler is in.
            self._installed = True
        if in_request() is None:  # no errorwire WSGI/ASGI wrapper around the app
            log_once(
                "falcon-base-exceptions",
                "errorwire: Falcon passes BaseException subclasses (other than "
                "KeyboardInterrupt, SystemExit...) to the server without calling any "
                "middleware or error handler; to report them, also wrap the app: "
                "app = errorwire.integrations.%s.ErrorwireMiddleware(app)",
                "asgi" if asynchronous else "wsgi",
                level=logging.INFO,
            )


def _apps_holding(middleware: ErrorwireMiddleware) -> List[Any]:
    """The Falcon apps whose middleware list holds ``middleware``. Falcon hands middleware
    no reference to its app, and its ``__call__`` may be compiled (Cython: no Python frame
    to look at), so the app is found as what refers to the list that holds us: once per
    middleware, on its first request."""
    apps: List[Any] = []
    for holder in gc.get_referrers(middleware):
        if isinstance(holder, (list, tuple)):
            for owner in gc.get_referrers(holder):
                if isinstance(owner, falcon.App) and all(owner is not app for app in apps):
                    apps.append(owner)
    return apps


WRAPPED = (Exception, falcon.HTTPError)
"""The handlers wrapped: the 500 of any error, and an HTTPError's own answer (reported
when its status is 500 or more)."""


def _add_reporting_handler(app: Any, error_class: type, asynchronous: bool) -> None:
    # Private: add_error_handler() replaces a handler but no public call returns the one
    # registered, which must be wrapped (not replaced) to keep the app's own answer.
    handlers = getattr(app, "_error_handlers", None)
    previous = handlers.get(error_class) if isinstance(handlers, dict) else None
    if getattr(previous, REPORTING, False):
        return
    if previous is None:  # Falcon >= 3.0 always has both: its internals changed
        log_once(
            f"falcon-no-handler-{error_class.__name__}",
            "errorwire: this Falcon app has no error handler for %s to wrap; "
            "those errors are not reported",
            error_class.__name__,
        )
        return
    if asynchronous:

        async def report_then_answer_async(
            req: Any, resp: Any, ex: Exception, params: Any, ws: Any = None
        ) -> None:
            _report(ex)
            if ws is None:
                await previous(req, resp, ex, params)
            else:
                await previous(req, resp, ex, params, ws=ws)

        handler: Callable[..., Any] = report_then_answer_async
    else:

        def report_then_answer(req: Any, resp: Any, ex: Exception, params: Any) -> None:
            _report(ex)
            previous(req, resp, ex, params)

        handler = report_then_answer
    setattr(handler, REPORTING, True)
    app.add_error_handler(error_class, handler)


def _guard_apps_own_handlers(app: Any) -> None:
    """Wrap the error handlers the app registered so that an error one of them raises is
    reported: Falcon lets it reach the server (a 500), and no hook of Falcon's sees it.
    Its chain holds the error the handler was answering (Falcon calls it in its except)."""
    # Private, as in _add_reporting_handler: no public call lists the handlers registered.
    handlers = getattr(app, "_error_handlers", None)
    if not isinstance(handlers, dict):
        return
    for error_class, handler in list(handlers.items()):
        marked = getattr(handler, REPORTING, False) or getattr(handler, GUARDED, False)
        if marked or _is_falcons_own(handler):
            continue
        app.add_error_handler(error_class, _guarded(handler))


def _is_falcons_own(handler: Any) -> bool:
    """Falcon's default handlers cannot fail (and are wrapped as WRAPPED anyway)."""
    return str(getattr(handler, "__module__", "")).startswith("falcon.")


def _guarded(handler: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(handler):

        async def guarded_async(
            req: Any, resp: Any, ex: Exception, params: Any, ws: Any = None
        ) -> None:
            try:
                if ws is None:
                    await handler(req, resp, ex, params)
                else:
                    await handler(req, resp, ex, params, ws=ws)
            except Exception as error:
                _report_handler_error(error)
                raise

        wrapper: Callable[..., Any] = guarded_async
    else:

        def guarded(req: Any, resp: Any, ex: Exception, params: Any) -> None:
            try:
                handler(req, resp, ex, params)
            except Exception as error:
                _report_handler_error(error)
                raise

        wrapper = guarded
    setattr(wrapper, GUARDED, True)
    return wrapper


def _report_handler_error(error: Exception) -> None:
    """An error handler's own error; Falcon's HTTP answers it raises are answers."""
    if not isinstance(error, (falcon.HTTPError, falcon.HTTPStatus)):
        _report(error)


def _report(exc: Exception) -> None:
    """In the request (process_request marked it), before Falcon answers."""
    try:
        if isinstance(exc, (falcon.HTTPError, falcon.HTTPStatus)) and _status(exc) < 500:
            return
        report_to_middleware(exc, ErrorwireMiddleware)  # process_request marked the request
    except Exception as error:
        swallowed_error("falcon report", error)


def _status(exc: Any) -> int:
    status = getattr(exc, "status_code", None)  # Falcon >= 3.1
    if isinstance(status, int):
        return status
    text = str(getattr(exc, "status", "500"))
    return int(text[:3]) if text[:3].isdigit() else 500
