"""Flask: ``errorwire.integrations.flask.Errorwire(app)`` (or ``.init_app(app)``).

Flask turns a view's exception into a 500 response itself, so no WSGI wrapper
sees it: it is reported from ``got_request_exception``. A WSGI wrapper around
``app.wsgi_app`` adds what Flask never surfaces: errors while the response
streams, in ``close()`` and in teardown, and the capped copy of the body the app
read. In debug/testing mode Flask re-raises after the signal, and otherwise logs
the error through ``app.logger``; both see the exception already marked as
reported, so it is reported once.

Nothing marks the request per request: Flask keeps its request context in a
contextvar of its own, and errorwire finds the request through it when something
asks (a report, ``set_person``, a breadcrumb). A streamed body runs after Flask
popped that context; its errors are still reported with their request, and code
in it that should see the request uses ``flask.stream_with_context``, as for
``flask.request`` itself.

Call ``Errorwire(app)`` after the app wraps ``app.wsgi_app`` in a layer of its own
(``ProxyFix``, ``DispatcherMiddleware``): a layer added later is found at the first
request and wrapped from the outside from then on (a warning says so, once); its errors
in that first request are not reported.

Options come from ``app.config["ERRORWIRE"]`` (``errorwire.init``'s keyword
arguments) when errorwire was not initialised before.
"""

from __future__ import annotations

import sys
import threading
from types import GeneratorType
from typing import Any, Callable, Dict, Iterable, Iterator, Optional

from errorwire.integrations import needs

with needs(__name__, "Flask"):
    import flask
    from flask import signals
    from werkzeug.wsgi import ClosingIterator

from errorwire.core.client import Client
from errorwire.core.context import (
    InRequest,
    RequestState,
    add_request_finder,
    enter_request,
    exit_request,
    in_request,
    mark_request,
)
from errorwire.core.event import Person
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request import uploads_of
from errorwire.core.request_copy import RequestCopy
from errorwire.core.safety import log_once, swallow
from errorwire.integrations.base import HoldsClient, plain_params, report_streamed
from errorwire.integrations.wsgi import (
    ErrorwireMiddleware,
    ReportingIterable,
    WSGIApp,
    copy_body,
    copy_from_environ,
    current_client,
    init_from,
    is_plain_body,
    report_in,
    report_unhandled,
    state_in,
)
from errorwire.release import sessions

FRAMEWORK = "flask"
EXTENSION_KEY = "errorwire"
PLAIN_BODIES = (list, tuple)


class Errorwire(HoldsClient):
    """The Flask extension. ``Errorwire(app)``, or ``Errorwire()`` then ``init_app(app)``.
    It holds the client its apps report to (``HoldsClient``: resolved at the first body or
    report, giving way once closed)."""

    def __init__(self, app: Optional[flask.Flask] = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: flask.Flask) -> None:
        if EXTENSION_KEY in app.extensions:
            return
        init_from(app.config.get("ERRORWIRE"))
        app.extensions[EXTENSION_KEY] = self
        target: Any = app  # mypy: assigning wsgi_app is Flask's documented way to wrap it
        target.wsgi_app = FlaskWSGIMiddleware(app.wsgi_app, app)
        signals.got_request_exception.connect(_on_request_exception, app, weak=False)
        add_request_finder(_flask_request)


def _held(app: flask.Flask) -> HoldsClient:
    """What holds ``app``'s client: its Errorwire extension (there before any request)."""
    held: HoldsClient = app.extensions[EXTENSION_KEY]
    return held


def report_to_held(exc: BaseException) -> None:
    """Report ``exc`` as unhandled in the current Flask request, to the client its app's
    extension holds (outside one, to the configured client)."""
    request = in_request()
    if request is not None and request.source is FLASK:
        _held(request.origin).report(exc)
    else:
        report_unhandled(exc)


def _flask_request() -> Optional[InRequest]:
    """Flask's current request, in an app errorwire was added to. Flask keeps its
    request context in a contextvar of its own: errorwire marks nothing per request,
    and finds the request through Flask only when something asks."""
    if not flask.has_request_context():
        return None
    app = _current(flask.current_app)
    if EXTENSION_KEY not in app.extensions:
        return None
    return _in_request(flask.request.environ, app)


class FlaskRequests:
    """The ``RequestSource`` of Flask requests: ``InRequest(FLASK, environ, app)``."""

    @staticmethod
    def state_of(request: InRequest) -> RequestState:
        """The request's RequestState, kept in its environ (made on first use)."""
        environ: Dict[str, Any] = request.handle
        return state_in(environ, lambda: _new_scope(environ, request.origin))


FLASK = FlaskRequests()


def _in_request(environ: Dict[str, Any], app: flask.Flask) -> InRequest:
    return mark_request((FLASK, environ, app))


def _new_scope(environ: Dict[str, Any], app: flask.Flask) -> RequestState:
    scope = RequestState(FRAMEWORK, lambda: _request_block(environ, app))
    scope.person_loader = _person_now
    return scope


def _request_block(environ: Dict[str, Any], app: flask.Flask) -> RequestCopy:
    if flask.has_request_context() and flask.request.environ is environ:
        return request_copy(_current(flask.request), _held(app).client())
    # After Flask popped the request context (a streamed body, close(), teardown): the
    # URL map is matched again (rare: the error path of a streamed body only).
    client = _held(app).client()
    return copy_from_environ(environ, client=client, **_route_fields(app, environ))


class FlaskWSGIMiddleware:
    """Around ``app.wsgi_app``: reports what Flask itself never surfaces (errors while
    the response streams, in ``close()`` and in teardown) and keeps a capped copy of
    the body the app reads. While Flask's request context is active, errorwire finds
    the request through it (``_flask_request``): nothing else runs per request."""

    def __init__(self, wsgi_app: WSGIApp, app: flask.Flask, outermost: bool = False) -> None:
        self.app = wsgi_app
        self.flask_app = app
        self._checked = outermost  # whether a layer added after it was looked for
        self._inner = not outermost  # the layer Errorwire(app) made: it counts the session

    def __call__(
        self, environ: Dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if not self._checked:
            _stay_outermost(self)
        if self._inner:  # once per request, however many errorwire layers
            sessions.start_session(None)  # Bugsnag's session count: one C call
        if environ.get("CONTENT_LENGTH") or "HTTP_TRANSFER_ENCODING" in environ:
            copy_body(environ, _held(self.flask_app).client())
        try:
            result = self.app(environ, start_response)
        except BaseException as exc:  # teardown: Flask's request context is already gone
            if not isinstance(exc, NOT_APP_ERRORS):
                request = _in_request(environ, self.flask_app)
                report_in(request, exc, status=500, reporter=report_to_held)
            raise
        if type(result) is ClosingIterator:  # Werkzeug's, for almost every response
            # A body built from a list (``return "text"``, ``jsonify``, templates: almost
            # every response) with no ``call_on_close`` callback cannot raise while the server
            # iterates and closes it, so it needs no wrapper (the wrapper and its generator were
            # most of what errorwire added to a Flask request). Inline: a Python call less on
            # every request. Private: Werkzeug's ClosingIterator and Response keep their close
            # callbacks with no public accessor. Plain reads, not getattr(..., None): a
            # builtin call each; type(x), not x.__class__: CPython calls type() in C, where
            # __class__ is a type lookup.
            try:
                # [iter_encoded().close,] response.close (typed Iterable: not narrowed)
                callbacks = result._callbacks  # type: ignore[attr-defined]
                if len(callbacks) == 2:  # a body to iterate: Werkzeug's iter_encoded generator
                    body_close, response_close = callbacks
                    plain = type(body_close.__self__) is GeneratorType
                else:  # HEAD, 204, 304: only response.close (any other count: ValueError)
                    (response_close,) = callbacks
                    plain = True
                response = response_close.__self__
                # _on_close: the response's call_on_close callbacks (a list in Werkzeug)
                if plain and type(response.response) in PLAIN_BODIES and not response._on_close:
                    return result
            except Exception:  # another shape (a Werkzeug to come, a wrapped response)
                pass  # wrapped below, as any other body
        elif is_plain_body(result, environ):  # send_file hands back the server's file wrapper
            return result
        return FlaskResponseBody(result, environ, self.flask_app)


_outermost_lock = threading.Lock()


def _stay_outermost(layer: FlaskWSGIMiddleware) -> None:
    """At the first request: a WSGI layer the app put around ``app.wsgi_app`` after
    ``Errorwire(app)`` (``app.wsgi_app = Layer(app.wsgi_app)``) would hide its errors.
    Flask offers no hook before ``wsgi_app`` runs, so errorwire wraps that layer from
    the outside for the next requests and says once that this first one was not covered."""
    with _outermost_lock, swallow("flask outer wsgi layer"):
        if layer._checked:
            return
        layer._checked = True
        app = layer.flask_app
        current: Any = app.wsgi_app
        if current is layer or isinstance(current, (FlaskWSGIMiddleware, ErrorwireMiddleware)):
            return
        target: Any = app
        target.wsgi_app = FlaskOuterLayer(current, app, outermost=True)
        log_once(
            "flask-outer-wsgi-layer",
            "errorwire: app.wsgi_app was wrapped (by %s) after Errorwire(app); errorwire "
            "wraps it from the outside from the next request on, but its errors in the "
            "first request were not reported: call Errorwire(app) after wrapping wsgi_app",
            type(current).__name__,
        )


class FlaskOuterLayer(FlaskWSGIMiddleware):
    """The layer errorwire puts outside a layer of the app's own: it keeps that layer's
    attributes. Only this one forwards them: a class with ``__getattr__`` makes every
    attribute read on its instances the slow, unspecialised kind (three type lookups
    each), and the common layer reads three per request."""

    def __getattr__(self, name: str) -> Any:
        if name == "app":
            raise AttributeError(name)
        return getattr(self.app, name)


class FlaskResponseBody(ReportingIterable):
    """Flask's response iterable, reporting what its iteration and ``close()`` raise.
    The request is not made current around each step (a context switch per chunk,
    too dear for every response): a streamed body that needs the request uses
    ``flask.stream_with_context``, and errorwire finds it through Flask too.

    Its InRequest is made only for a report: every Flask response passes here."""

    __slots__ = ("_app", "_environ")

    def __init__(self, result: Iterable[bytes], environ: Dict[str, Any], app: flask.Flask) -> None:
        self._result = result
        self._environ = environ
        self._app = app
        self._reporter = report_to_held

    def in_request(self) -> InRequest:
        return _in_request(self._environ, self._app)

    def __iter__(self) -> Iterator[bytes]:
        return report_streamed(self._result, None, self._report)

    def _report(self, exc: BaseException) -> None:
        status = sent_status(self._result)
        report_in(self.in_request(), exc, status=status, reporter=report_to_held)


def sent_status(body: Any) -> Optional[int]:
    """The status of the response whose body broke, read only then (never per request):
    Werkzeug's body is a ``ClosingIterator`` whose callbacks include ``response.close``."""
    with swallow("response status"):
        for callback in getattr(body, "_callbacks", ()):  # private, as in FlaskWSGIMiddleware
            status = getattr(getattr(callback, "__self__", None), "status_code", None)
            if isinstance(status, int):
                return status
    return None


def _route_fields(app: flask.Flask, environ: Dict[str, Any]) -> Dict[str, Any]:
    """The URL rule and its arguments, matched again (the request that knew them is gone)."""
    try:
        rule, args = app.url_map.bind_to_environ(environ).match(return_rule=True)
    except Exception:  # a 404/405/redirect, or a server that mangled the path
        return {}
    fields: Dict[str, Any] = {"route": rule.rule}
    if args:
        fields["route_params"] = plain_params(args)
    return fields


def _person_now() -> Optional[Person]:
    return load_person(_current(flask.g) if flask.has_app_context() else None)


def _on_request_exception(sender: flask.Flask, exception: BaseException, **_: Any) -> None:
    with swallow("flask got_request_exception"):  # a receiver that raises breaks Flask
        request = _flask_request()
        if request is None:  # pragma: no cover - Flask sends it inside a request context
            report_unhandled(exception)
            return
        token = enter_request(request)  # this request, even inside an outer WSGI wrapper's
        try:
            request.state().response_status = 500
            report_to_held(exception)
        finally:
            exit_request(token)


def request_copy(request: flask.Request, client: Optional[Client] = None) -> RequestCopy:
    """The request as Flask parsed it: route, view args, and form / files only if the
    app already parsed them (errorwire never parses the body itself). Those are read
    now; the rest of the request block is built on the worker. ``client``: whose body
    options apply (default: the configured one)."""
    if client is None:
        client = current_client()
    fields: Dict[str, Any] = {}
    rule = request.url_rule
    if rule is not None:
        fields["route"] = rule.rule
    if request.view_args:
        fields["route_params"] = plain_params(request.view_args)
    parsed = request.__dict__  # werkzeug keeps parsed form data in the instance dict
    if client is None or client.options.send_request_bodies:
        if "form" in parsed:
            fields["form"] = _multi_dict(parsed["form"])
        if "files" in parsed:
            fields["files"] = uploads_of(parsed["files"])
    return copy_from_environ(request.environ, **fields)


def load_person(app_globals: Any) -> Optional[Person]:
    """flask-login's user: loaded now if in the request, else only if it was loaded."""
    if "flask_login" not in sys.modules:
        return None
    user = None
    if flask.has_request_context() and hasattr(flask.current_app, "login_manager"):
        from flask_login import current_user

        user = current_user._get_current_object()
    else:
        # Private: flask-login keeps a loaded user there; current_user would load it now,
        # outside the request (a database query, a user loader that needs the request).
        user = getattr(app_globals, "_login_user", None)
    if user is None or getattr(user, "is_authenticated", False) is not True:
        return None
    identity = user.get_id() if hasattr(user, "get_id") else getattr(user, "id", None)
    username = getattr(user, "username", None) or getattr(user, "name", None)
    email = getattr(user, "email", None)
    return Person(
        id=None if identity is None else str(identity),
        username=None if username is None else str(username),
        email=None if email is None else str(email),
    )


def _current(proxy: Any) -> Any:
    """The object behind one of Flask's context-local proxies (``_get_current_object`` is
    Werkzeug's documented way to unwrap a LocalProxy despite its underscore)."""
    return proxy._get_current_object()


def _multi_dict(data: Any) -> Dict[str, Any]:
    return {
        key: values[0] if len(values) == 1 else values
        for key, values in data.to_dict(flat=False).items()
    }
