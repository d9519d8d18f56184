"""Quart: ``errorwire.integrations.quart.Errorwire(app)`` (or ``Errorwire().init_app(app)``).

Quart turns a view's exception into its 500 response itself, so no ASGI wrapper
sees it: it is reported from Quart's ``got_request_exception`` (and
``got_websocket_exception``, ``got_background_exception`` for
``app.add_background_task``). A wrapper around ``app.asgi_app`` makes each
request's Scope current (Quart runs the request in tasks that copy the context,
so person and breadcrumbs stay with their request) and reports what leaves the
app itself: errors while a response streams. ``abort(404)`` and Quart's other
HTTP exceptions are answers, never reported; the app's responses, its 500 page
included, are unchanged.

The request block comes from the ASGI scope plus what Quart already parsed: the
URL rule (``/items/<int:item_id>``, the report's context) and its arguments,
the form and files if the app awaited them, the JSON body if it read it.
quart-auth's ``current_user`` becomes the person. Options come from
``app.config["ERRORWIRE"]`` when errorwire was not initialised before.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, MutableMapping, Optional, cast

try:
    import quart
    from quart import signals
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "errorwire.integrations.quart needs Quart: pip install errorwire[quart]"
    ) from exc

from errorwire import api
from errorwire.core.context import Scope, current_scope, use_scope
from errorwire.core.event import DeferredRequest, Person
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request import BodyCopy, build_request, parse_cookies, uploads_of
from errorwire.core.safety import swallow
from errorwire.integrations.asgi_types import ASGIApp
from errorwire.integrations.base import asgi_url, header_map, plain_params, query_text
from errorwire.integrations.wsgi import init_from, report_unhandled
from errorwire.release import sessions

__all__ = ["Errorwire", "QuartASGIMiddleware"]

FRAMEWORK = "quart"
EXTENSION_KEY = "errorwire"


class Errorwire:
    """The Quart extension. ``Errorwire(app)``, or ``Errorwire()`` then ``init_app(app)``."""

    def __init__(self, app: Optional[quart.Quart] = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: quart.Quart) -> None:
        if EXTENSION_KEY in app.extensions:
            return
        init_from(app.config.get("ERRORWIRE"))
        app.extensions[EXTENSION_KEY] = self
        target: Any = app  # mypy: assigning asgi_app is Quart's documented way to wrap it
        target.asgi_app = QuartASGIMiddleware(app.asgi_app, app)
        # Coroutine receivers: blinker awaits them in the request's task (a plain
        # function would be sent to a thread by Quart's ``ensure_async``).
        signals.got_request_exception.connect(_on_request_exception, app, weak=False)
        signals.got_websocket_exception.connect(_on_request_exception, app, weak=False)
        signals.got_background_exception.connect(_on_background_exception, app, weak=False)


class QuartASGIMiddleware:
    """Around ``app.asgi_app``: the request's Scope, current while Quart handles it."""

    def __init__(self, app: ASGIApp, quart_app: Optional[quart.Quart] = None) -> None:
        self.app = app
        self.quart_app = quart_app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        sessions.start_session(None)  # Bugsnag's session count: one C call (release/sessions.py)
        state = Scope(FRAMEWORK, RequestReader(scope, self.quart_app).deferred)
        state.person_loader = _person
        with use_scope(state):
            try:
                await self.app(scope, receive, send)
            except BaseException as exc:  # a streamed body, or Quart re-raising
                if not isinstance(exc, NOT_APP_ERRORS):
                    with swallow("quart report"):
                        report_unhandled(exc)  # once per exception: a second is counted only
                raise


async def _on_request_exception(sender: quart.Quart, exception: BaseException, **_: Any) -> None:
    with swallow("quart got_request_exception"):  # a receiver that raises breaks Quart
        current_scope().response_status = 500 if quart.has_request_context() else None
        report_unhandled(exception)


async def _on_background_exception(sender: quart.Quart, exception: BaseException, **_: Any) -> None:
    with swallow("quart got_background_exception"):
        report_unhandled(exception)


class RequestReader:
    """Copies, on the request's task, what the ASGI scope and Quart's request know; the
    request block is built from them on the worker."""

    __slots__ = ("app", "scope")

    def __init__(self, scope: MutableMapping[str, Any], app: Optional[quart.Quart]) -> None:
        self.scope = scope
        self.app = app

    def deferred(self) -> DeferredRequest:
        scope = self.scope
        client = api.get_client()
        headers = header_map(scope.get("headers") or ())
        query = query_text(scope.get("query_string"))
        root = scope.get("root_path") or ""
        peer = scope.get("client")
        fields: Dict[str, Any] = {
            "url": asgi_url(scope, headers.get("host"), root, scope.get("path") or "/", query),
            "method": scope.get("method") or "GET",
            "headers": headers,
            "query_string": query,
            "cookies": parse_cookies(headers.get("cookie")),
            "peer": str(peer[0]) if peer else None,
        }
        if client is not None:
            fields["ip_headers"] = client.options.client_ip_headers
        live = _quart_request(scope)
        if live is not None:
            fields.update(_live_fields(live, client))
        elif self.app is not None:  # a streamed body or a background task: matched again
            fields.update(_matched(self.app, scope, headers))
        return DeferredRequest(lambda: build_request(**fields))


def _live_fields(live: Any, client: Any) -> Dict[str, Any]:
    """What Quart's request knows: the URL rule and its arguments, what the app read."""
    fields: Dict[str, Any] = {}
    rule = live.url_rule
    if rule is not None:
        fields["route"] = rule.rule
    if live.view_args:
        fields["route_params"] = plain_params(live.view_args)
    if client is None or client.options.send_request_bodies:
        limit = client.options.max_request_body if client is not None else 0
        fields.update(_body_fields(live, limit))
    return fields


def _matched(
    app: quart.Quart, scope: MutableMapping[str, Any], headers: Dict[str, str]
) -> Dict[str, Any]:
    """The URL rule and its arguments, from the app's URL map (Quart's request is gone)."""
    try:
        adapter = app.url_map.bind(
            headers.get("host") or "localhost",
            script_name=scope.get("root_path") or None,
            url_scheme=scope.get("scheme") or "http",
        )
        rule, args = adapter.match(
            scope.get("path") or "/",
            method=scope.get("method") or "GET",
            return_rule=True,
            websocket=scope.get("type") == "websocket",
        )
    except Exception:  # a 404/405/redirect, or a rule the map cannot match without a request
        return {}
    return {"route": rule.rule, "route_params": plain_params(args)}


def _quart_request(scope: MutableMapping[str, Any]) -> Any:
    """Quart's request (or websocket) for this ASGI scope, while its context is active."""
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
