"""Quart: ``errorwire.integrations.quart.Errorwire(app)`` (or ``Errorwire().init_app(app)``).

The ASGI middleware (``integrations.asgi``), as Starlette has it, around
``app.asgi_app``: it marks each request current (Quart runs the request in tasks
that copy the context, so person and breadcrumbs stay with their request), holds
the client and reports what leaves the app itself: errors while a response
streams, or Quart re-raising. Quart turns a view's exception into its 500
response itself, so the middleware does not see it: it is reported from Quart's
``got_request_exception`` (and ``got_websocket_exception``,
``got_background_exception`` for ``app.add_background_task``), to the
middleware's client. ``abort(404)`` and Quart's other HTTP exceptions are
answers, never reported; the app's responses, its 500 page included, are
unchanged. Each exception is reported once, wherever it is seen first.

The request block comes from the ASGI scope plus what Quart already parsed: the
URL rule (``/items/<int:item_id>``, the report's context) and its arguments,
the form and files if the app awaited them, the JSON body if it read it.
quart-auth's ``current_user`` becomes the person. Options come from
``app.config["ERRORWIRE"]`` when errorwire was not initialised before.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, Optional, cast

from errorwire.integrations import needs

with needs(__name__, "Quart"):
    import quart
    from quart import signals

from errorwire.core.context import InRequest, RequestState, current_scope
from errorwire.core.event import Person
from errorwire.core.request import BodyCopy, uploads_of
from errorwire.core.request_copy import RequestCopy
from errorwire.core.safety import swallow
from errorwire.integrations import asgi
from errorwire.integrations.asgi_types import ASGIApp, ASGIScope
from errorwire.integrations.base import asgi_request_copy, plain_params
from errorwire.integrations.wsgi import init_from

__all__ = ["Errorwire", "QuartASGIMiddleware"]

EXTENSION_KEY = "errorwire"


class Errorwire:
    """The Quart extension. ``Errorwire(app)``, or ``Errorwire()`` then ``init_app(app)``."""

    middleware: Optional[QuartASGIMiddleware] = None

    def __init__(self, app: Optional[quart.Quart] = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: quart.Quart) -> None:
        if EXTENSION_KEY in app.extensions:
            return
        init_from(app.config.get("ERRORWIRE"))
        app.extensions[EXTENSION_KEY] = self
        self.middleware = QuartASGIMiddleware(app.asgi_app, app)
        target: Any = app  # mypy: assigning asgi_app is Quart's documented way to wrap it
        target.asgi_app = self.middleware
        # Coroutine receivers: blinker awaits them in the request's task (a plain
        # function would be sent to a thread by Quart's ``ensure_async``).
        signals.got_request_exception.connect(_on_request_exception, app, weak=False)
        signals.got_websocket_exception.connect(_on_request_exception, app, weak=False)
        signals.got_background_exception.connect(_on_background_exception, app, weak=False)


class QuartASGIMiddleware(asgi.ErrorwireMiddleware):
    """Around ``app.asgi_app``: the ASGI middleware, with the request block and person
    read from what Quart knows."""

    framework = "quart"

    def __init__(self, app: ASGIApp, quart_app: Optional[quart.Quart] = None) -> None:
        super().__init__(app)
        self.quart_app = quart_app

    def body_limit(self) -> int:
        """None copied as it is received: Quart reads every body itself, and only the
        parts the app parsed are reported (from Quart's caches, ``QuartCapture``)."""
        return 0

    def state_of(self, request: InRequest) -> RequestState:
        scope: ASGIScope = request.handle
        state = scope.get(asgi.STATE_KEY)
        if state is None:
            capture = QuartCapture(scope, request.origin, self)
            state = RequestState(self.framework, capture.build)
            state.person_loader = _person
            state = scope.setdefault(asgi.STATE_KEY, state)
        return state  # type: ignore[no-any-return]


def _middleware_of(app: quart.Quart) -> Optional[QuartASGIMiddleware]:
    extension = app.extensions.get(EXTENSION_KEY)
    return extension.middleware if isinstance(extension, Errorwire) else None


async def _on_request_exception(sender: quart.Quart, exception: BaseException, **_: Any) -> None:
    with swallow("quart got_request_exception"):  # a receiver that raises breaks Quart
        middleware = _middleware_of(sender)
        if middleware is not None:
            current_scope().response_status = 500 if quart.has_request_context() else None
            middleware.report(exception)  # once per exception: a second is counted only


async def _on_background_exception(sender: quart.Quart, exception: BaseException, **_: Any) -> None:
    with swallow("quart got_background_exception"):
        middleware = _middleware_of(sender)
        if middleware is not None:
            middleware.report(exception)


class QuartCapture(asgi.RequestCapture):
    """Copies, on the request's task, what the ASGI scope and Quart's request know; the
    request block is built from them on the worker."""

    __slots__ = ()
    middleware: QuartASGIMiddleware

    def build(self) -> RequestCopy:
        scope = self.scope
        fields: Dict[str, Any] = {}
        live = _quart_request(scope)
        app = self.middleware.quart_app
        if live is not None:
            fields = _live_fields(live, self.middleware)
        elif app is not None:  # a streamed body or a background task: matched again
            fields = _matched(app, scope, self.root_path, self.path)
        origin = (self.root_path, self.path)
        return asgi_request_copy(scope, origin, None, self.middleware.ip_headers(), **fields)

    def person(self) -> Optional[Person]:
        return _person()


def _live_fields(live: Any, middleware: QuartASGIMiddleware) -> Dict[str, Any]:
    """What Quart's request knows: the URL rule and its arguments, what the app read."""
    fields: Dict[str, Any] = {}
    rule = live.url_rule
    if rule is not None:
        fields["route"] = rule.rule
    if live.view_args:
        fields["route_params"] = plain_params(live.view_args)
    client = middleware.client()
    if client is None or client.options.send_request_bodies:
        limit = client.options.max_request_body if client is not None else 0
        fields.update(_body_fields(live, limit))
    return fields


def _matched(app: quart.Quart, scope: ASGIScope, root: str, path: str) -> Dict[str, Any]:
    """The URL rule and its arguments, from the app's URL map (Quart's request is gone)."""
    try:
        adapter = app.url_map.bind(
            _host(scope) or "localhost",
            script_name=root or None,
            url_scheme=scope.get("scheme") or "http",
        )
        rule, args = adapter.match(
            path or "/",
            method=scope.get("method") or "GET",
            return_rule=True,
            websocket=scope.get("type") == "websocket",
        )
    except Exception:  # a 404/405/redirect, or a rule the map cannot match without a request
        return {}
    return {"route": rule.rule, "route_params": plain_params(args)}


def _host(scope: ASGIScope) -> Optional[str]:
    for name, value in scope.get("headers") or ():
        if name.lower() == b"host":
            return str(value.decode("latin-1"))
    return None


def _quart_request(scope: ASGIScope) -> Any:
    """Quart's request (or websocket) for this ASGI scope, while its context is active."""
    # The object behind the proxy (``_get_current_object``: Werkzeug's documented way to
    # unwrap a LocalProxy despite its underscore), for the check that it is this scope's.
    if quart.has_request_context():
        found: Any = cast(Any, quart.request)._get_current_object()
    elif quart.has_websocket_context():
        found = cast(Any, quart.websocket)._get_current_object()
    else:
        return None
    return found if getattr(found, "scope", None) is scope else None


def _body_fields(request: Any, limit: int) -> Dict[str, Any]:
    """The form and files if the app awaited them, the body if it parsed it as JSON
    (Quart buffers every body: only a parsed one tells what the app read)."""
    fields: Dict[str, Any] = {}
    # Private: Quart's form, files, json and data are coroutines that would read (await)
    # the body now; only their caches say what the app itself awaited.
    form = getattr(request, "_form", None)
    if form is not None:
        fields["form"] = {
            key: values[0] if len(values) == 1 else values
            for key, values in form.to_dict(flat=False).items()
        }
        fields["files"] = uploads_of(getattr(request, "_files", None))
    cached = getattr(request, "_cached_json", None) or {}
    body = getattr(request, "body", None)
    parsed = any(value is not Ellipsis for value in cached.values())
    data = getattr(body, "_data", None)
    if parsed and limit > 0 and isinstance(data, (bytes, bytearray)):
        copy = BodyCopy(limit)
        copy.add(bytes(data))
        fields["body"] = copy
    return fields


def _person() -> Optional[Person]:
    """quart-auth's ``current_user`` (loaded from its cookie or bearer token, sync)."""
    if "quart_auth" not in sys.modules or not (
        quart.has_request_context() or quart.has_websocket_context()
    ):
        return None
    from quart_auth import current_user

    try:
        # Werkzeug's documented unwrap of a LocalProxy (see _quart_request).
        user = cast(Any, current_user)._get_current_object()
    except (RuntimeError, KeyError):  # quart-auth installed but not set up on this app
        return None
    identity = getattr(user, "auth_id", None)
    if identity is None:
        return None
    username, email = _string(user, "username"), _string(user, "email")
    return Person(id=str(identity), username=username, email=email)


def _string(obj: Any, name: str) -> Optional[str]:
    value = getattr(obj, name, None)
    return value if isinstance(value, str) and value else None
