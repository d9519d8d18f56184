"""Flask: ``errorwire.integrations.flask.Errorwire(app)`` (or ``.init_app(app)``).

Flask turns a view's exception into a 500 response itself, so no WSGI wrapper
sees it: it is reported from ``got_request_exception``. A WSGI wrapper around
``app.wsgi_app`` (the errorwire WSGI middleware) adds what Flask never surfaces:
errors while the response streams, in ``close()`` and in teardown, and the
capped copy of the body the app read. In debug/testing mode Flask re-raises
after the signal, and otherwise logs the error through ``app.logger``; both see
the exception already marked as reported, so it is reported once.

Options come from ``app.config["ERRORWIRE"]`` (``errorwire.init``'s keyword
arguments) when errorwire was not initialised before.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional, Union

try:
    import flask
    from flask import signals
except ImportError as exc:  # pragma: no cover - exercised without Flask installed
    raise ImportError(
        "errorwire.integrations.flask needs Flask: pip install errorwire[flask]"
    ) from exc

from errorwire.core.context import Scope, current_scope, request_scope
from errorwire.core.event import DeferredRequest, Person, Request, UploadedFile
from errorwire.core.safety import swallow
from errorwire.integrations.wsgi import (
    ErrorwireMiddleware,
    current_client,
    deferred_from_environ,
    init_from,
    report_unhandled,
)

FRAMEWORK = "flask"
EXTENSION_KEY = "errorwire"


class Errorwire:
    """The Flask extension. ``Errorwire(app)``, or ``Errorwire()`` then ``init_app(app)``."""

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


class FlaskWSGIMiddleware(ErrorwireMiddleware):
    """The request scope of one Flask request. Nothing Flask-specific runs per request:
    the request, route and user are read from Flask when an error is reported (from
    its request context while one is active, else from the environ and the URL map)."""

    framework = FRAMEWORK

    def __init__(self, wsgi_app: Any, app: flask.Flask) -> None:
        super().__init__(wsgi_app)
        self.flask_app = app

    def new_scope(self, environ: Dict[str, Any]) -> Scope:
        scope = super().new_scope(environ)
        scope.person_loader = _person_now
        return scope

    def build_request(self, environ: Dict[str, Any]) -> Union[Request, DeferredRequest]:
        if flask.has_request_context() and flask.request.environ is environ:
            return deferred_request(_current(flask.request))
        # After Flask popped the request context (a streamed body, close()): the URL map
        # is matched again, on the worker.
        app = self.flask_app
        return deferred_from_environ(environ, lambda copy: _route_fields(app, copy))


def _route_fields(app: flask.Flask, environ: Dict[str, Any]) -> Dict[str, Any]:
    """The URL rule and its arguments, matched again (the request that knew them is gone)."""
    try:
        rule, args = app.url_map.bind_to_environ(environ).match(return_rule=True)
    except Exception:  # a 404/405/redirect, or a server that mangled the path
        return {}
    fields: Dict[str, Any] = {"route": rule.rule}
    if args:
        fields["route_params"] = {k: _plain(v) for k, v in args.items()}
    return fields


def _person_now() -> Optional[Person]:
    return load_person(_current(flask.g) if flask.has_app_context() else None)


def _on_request_exception(sender: flask.Flask, exception: BaseException, **_: Any) -> None:
    with swallow("flask got_request_exception"):  # a receiver that raises breaks Flask
        scope = current_scope()
        if scope.framework == FRAMEWORK:
            scope.response_status = 500
            report_unhandled(exception)
            return
        # A request dispatched without the WSGI wrapper (e.g. app.test_request_context()).
        request = _current(flask.request)
        app_globals = _current(flask.g)
        with request_scope(FRAMEWORK, lambda: deferred_request(request)) as temporary:
            temporary.person_loader = lambda: load_person(app_globals)
            temporary.response_status = 500
            report_unhandled(exception)


def deferred_request(request: flask.Request) -> DeferredRequest:
    """The request as Flask parsed it: route, view args, and form / files only if the
    app already parsed them (errorwire never parses the body itself). Those are read
    now; the rest of the request block is built on the worker."""
    client = current_client()
    fields: Dict[str, Any] = {}
    rule = request.url_rule
    if rule is not None:
        fields["route"] = rule.rule
    if request.view_args:
        fields["route_params"] = {k: _plain(v) for k, v in request.view_args.items()}
    parsed = request.__dict__  # werkzeug keeps parsed form data in the instance dict
    if client is None or client.options.send_request_bodies:
        if "form" in parsed:
            fields["form"] = _multi_dict(parsed["form"])
        if "files" in parsed:
            fields["files"] = _uploads(parsed["files"])
    return deferred_from_environ(request.environ, **fields)


def load_person(app_globals: Any) -> Optional[Person]:
    """flask-login's user: loaded now if in the request, else only if it was loaded."""
    if "flask_login" not in sys.modules:
        return None
    user = None
    if flask.has_request_context() and hasattr(flask.current_app, "login_manager"):
        from flask_login import current_user

        user = current_user._get_current_object()
    else:
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
    """The object behind one of Flask's context-local proxies."""
    return proxy._get_current_object()


def _multi_dict(data: Any) -> Dict[str, Any]:
    return {
        key: values[0] if len(values) == 1 else values
        for key, values in data.to_dict(flat=False).items()
    }


def _uploads(files: Any) -> List[UploadedFile]:
    found = []
    for field, storage in files.items(multi=True):
        found.append(
            UploadedFile(
                field=field,
                filename=storage.filename,
                size=_stream_size(storage.stream),
                content_type=storage.content_type,
            )
        )
    return found


def _stream_size(stream: Any) -> Optional[int]:
    """The size of a spooled upload, without reading it (the position is restored)."""
    try:
        position = stream.tell()
        stream.seek(0, 2)
        size = int(stream.tell())
        stream.seek(position)
    except (AttributeError, OSError, ValueError):
        return None
    return size


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
