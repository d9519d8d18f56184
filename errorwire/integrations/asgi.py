"""Any ASGI app: ``app = errorwire.integrations.asgi.ErrorwireMiddleware(app)``.

A pure ASGI middleware in the shape of Starlette's ``ServerErrorMiddleware``: it
opens a request scope (contextvars, so the app and its background tasks see
it), wraps ``receive`` (for methods with a body) to keep a capped copy of the
body the app reads, reports an exception that leaves the app and re-raises
that same object. ``send`` is passed on untouched, so the status of a response
that was already sent when an error happened is not known (it is None).
Lifespan and other scope types pass through untouched, except that the app's answer to
a lifespan shutdown waits for the report queue (``asgi_lifespan``).
"""

from __future__ import annotations

from contextlib import suppress
from typing import (
    Any,
    Dict,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
)

from errorwire.api import ensure_client
from errorwire.core.client import Client, mark_reported
from errorwire.core.context import (
    InRequest,
    RequestState,
    enter_request,
    exit_request,
)
from errorwire.core.event import Person
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request import DEFAULT_IP_HEADERS, BodyCapture
from errorwire.core.request_copy import RequestCopy
from errorwire.core.safety import swallow, swallowed_error
from errorwire.core.text import dotted_name
from errorwire.integrations.asgi_lifespan import flushing_at_shutdown
from errorwire.integrations.asgi_types import ASGIApp, ASGIScope, Message, Receive, Send
from errorwire.integrations.base import HoldsClient, asgi_request_copy, plain_params
from errorwire.release import sessions

REQUEST_TYPES = frozenset(("http", "websocket"))
NOT_REPORTED = ("starlette.websockets.WebSocketDisconnect",)
"""A client going away from a websocket is no error of the app."""


BODYLESS_METHODS = frozenset(("GET", "HEAD", "OPTIONS", None))
"""Requests whose body is not copied (None: a websocket's, which has no method)."""
STATE_KEY = "errorwire.scope"
"""Where a request's RequestState is kept in its ASGI scope dict, once something needs it."""


class ErrorwireMiddleware(HoldsClient):
    framework = "asgi"

    def __init__(self, app: ASGIApp, client: Optional[Client] = None) -> None:
        """``client``: the app's own for these requests' reports (default: the configured one)."""
        self.app = app
        self.hold(client)
        if client is None:
            with swallow("init from the environment"):
                ensure_client()  # now, if the user has not: a bad environment shows at startup

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        # The origin (the root path and path after the scope dict) keeps the path as it
        # came in: mounts change root_path (and, before Starlette 0.33, path) in this same
        # dict as routing goes on. One plain tuple: no InRequest, no origin tuple made.
        try:  # subscripts, not get() calls: an HTTP request has all three
            method = scope["method"]
            marked = (self, scope, scope["root_path"], scope["path"])
        except KeyError:  # a websocket or the lifespan (no method), no root_path (optional)
            marked = None
        if marked is None:  # out of the except block: an app's error chains to no KeyError
            method = scope.get("method")
            if method is None:
                kind = scope["type"]
                if kind != "http" and kind != "websocket":
                    if kind == "lifespan":
                        send = flushing_at_shutdown(send, self.client)
                    await self.app(scope, receive, send)
                    return
            marked = (self, scope, scope.get("root_path"), scope.get("path"))
        token = enter_request(marked)
        sessions.start_session(None)  # Bugsnag's session count: one C call (release/sessions.py)
        try:
            if method != "GET" and method not in BODYLESS_METHODS:  # GET: a str compare
                receive = self._copying(scope, receive)
            await self.app(scope, receive, send)
        except BaseException as exc:
            if not isinstance(exc, NOT_APP_ERRORS):
                self._report(exc)
            raise
        finally:
            exit_request(token)

    def state_of(self, request: InRequest) -> RequestState:
        """The errorwire RequestState of ``request`` (made on first use, kept in its scope dict):
        the middleware is its requests' ``RequestSource``."""
        scope: ASGIScope = request.handle
        state = scope.get(STATE_KEY)
        if state is None:
            capture = RequestCapture(scope, request.origin, self)
            state = RequestState(self.framework_of(scope), capture.build)
            state.person_loader = capture.person
            state = scope.setdefault(STATE_KEY, state)
        return state  # type: ignore[no-any-return]

    def _copying(self, scope: ASGIScope, receive: Receive) -> Receive:
        """``receive``, keeping a capped copy of the body the app reads (if bodies are sent)."""
        limit = self.body_limit()
        if limit <= 0:
            return receive

        async def receive_copying() -> Message:
            message = await receive()
            chunk = message.get("body")
            if chunk and message.get("type") == "http.request":
                capture = scope.get(BODY_KEY)
                if capture is None:  # the first chunk: the content type says what to keep
                    try:
                        content_type = _raw_header(scope, b"content-type")
                        capture = scope[BODY_KEY] = BodyCapture(content_type, limit)
                    except Exception as exc:
                        swallowed_error("copy request body", exc)
                        return message
                capture.add(chunk)  # never raises: it guards itself
            return message

        return receive_copying

    def body_limit(self) -> int:
        """How much of a request body to copy: none when bodies are not sent."""
        client = self.client()
        if client is None or not client.options.send_request_bodies:
            return 0
        return client.options.max_request_body

    def ip_headers(self) -> Sequence[str]:
        client = self.client()
        return client.options.client_ip_headers if client is not None else DEFAULT_IP_HEADERS

    def framework_of(self, scope: ASGIScope) -> str:
        return self.framework

    def route_template(self, scope: ASGIScope) -> Optional[str]:
        """The matched route's template; routers set ``scope["route"]`` as they go.

        Relative to the innermost mount (``RequestCapture.route`` adds its prefix).
        A mount itself (a mounted app without routes) has no template of its own.
        """
        route = scope.get("route")
        if route is None or _is_named(route, ("Mount",)):
            return None
        for name in ("path_format", "path"):  # path_format: without ":int" converters
            path = getattr(route, name, None)
            if isinstance(path, str) and path:
                return path
        return None

    def _report(self, exc: BaseException) -> None:
        try:  # not ``with swallow()``: an error storm passes here (see swallowed_error)
            if _is_plain(exc):  # the usual case, and an error storm's
                target: BaseException = exc
            else:
                target = single_leaf(exc)
                if _is_named(target, NOT_REPORTED):
                    return
                if target is exc and len(_PLAIN_CLASSES) < 1024:
                    with suppress(Exception):  # a metaclass whose __hash__ raises
                        _PLAIN_CLASSES.add(exc.__class__)
            # Still inside the request: the RequestState (and the request block, with its
            # route as the report's context) is made only if the report is built.
            self.report(target)
            if target is not exc:
                mark_reported(exc)  # the group the server logs is the same report
        except Exception as error:
            swallowed_error("asgi report", error)


def single_leaf(exc: BaseException) -> BaseException:
    """The one exception inside (nested) exception groups of one member, else ``exc``.

    anyio task groups (Starlette 0.37's StreamingResponse) wrap the app's error.
    """
    current = exc
    while True:
        if not _is_named(current, GROUPS):
            return current
        members = getattr(current, "exceptions", None)
        if not members or len(members) != 1:
            return current
        current = members[0]


GROUPS = ("BaseExceptionGroup",)


def _is_named(obj: object, names: Tuple[str, ...]) -> bool:
    """Whether ``obj``'s class or a base is one of ``names`` (short or dotted; no imports)."""
    key = (type(obj), names)
    try:
        found = _NAMED.get(key)
    except Exception:  # a metaclass whose __hash__ raises: decided, never cached
        return _named(type(obj), names)
    if found is None:
        found = _named(type(obj), names)
        if len(_NAMED) >= 1024:
            _NAMED.clear()
        _NAMED[key] = found
    return found


def _named(kind: type, names: Tuple[str, ...]) -> bool:
    return any(cls.__name__ in names or dotted_name(cls) in names for cls in kind.__mro__)


_NAMED: Dict[Tuple[type, Tuple[str, ...]], bool] = {}
_PLAIN_CLASSES: Set[type] = set()


def _is_plain(exc: BaseException) -> bool:
    try:
        return exc.__class__ in _PLAIN_CLASSES
    except Exception:  # a metaclass whose __hash__ raises: looked at the long way
        return False


"""Classes reported as they are: no exception group, none of NOT_REPORTED."""


BODY_KEY = "errorwire.body"
"""Where the capped copy of the request body is kept in the ASGI scope dict."""


class RequestCapture:
    """One ASGI request as errorwire reads it when an error is reported.

    The route, path params and user are read then, from the scope dict that
    routing and authentication mutate after this middleware has run; the path
    comes from the request's origin (as the request came in).
    """

    __slots__ = ("middleware", "path", "root_path", "scope")

    def __init__(
        self,
        scope: ASGIScope,
        origin: Tuple[Optional[str], Optional[str]],
        middleware: ErrorwireMiddleware,
    ) -> None:
        self.scope = scope
        root_path, path = origin
        self.root_path = root_path or ""
        self.path = path or ""
        self.middleware = middleware

    def route(self) -> Optional[str]:
        template = self.middleware.route_template(self.scope)
        if template is None:
            return None
        # A Mount extends root_path; keep its prefix in front of the inner route.
        current = self.scope.get("root_path", "") or ""
        mounted = current[len(self.root_path) :] if current.startswith(self.root_path) else ""
        return mounted + template

    def build(self) -> RequestCopy:
        """The named request fields, copied now (routing already set the route and its
        parameters); the request block is built from them on the worker, where neither
        the scope dict (app, router, user) nor integration code goes."""
        scope = self.scope
        capture = scope.get(BODY_KEY)
        return asgi_request_copy(
            scope,
            (self.root_path, self.path),
            capture if isinstance(capture, BodyCapture) else None,
            self.middleware.ip_headers(),
            route=self.route(),
            route_params=plain_params(scope.get("path_params") or {}),
        )

    def person(self) -> Optional[Person]:
        return scope_person(self.scope)


def scope_person(scope: Mapping[str, Any]) -> Optional[Person]:
    """The user Starlette's ``AuthenticationMiddleware`` put at ``scope["user"]``."""
    user = scope.get("user")
    if user is None or getattr(user, "is_authenticated", False) is not True:
        return None
    identity = _attribute(user, "id") or _attribute(user, "identity")
    name = _attribute(user, "display_name") or _attribute(user, "username")
    if not (identity or name):
        return None
    return Person(id=identity or name, username=name, email=_attribute(user, "email"))


def _raw_header(scope: ASGIScope, name: bytes) -> Optional[str]:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _attribute(obj: Any, name: str) -> Optional[str]:
    try:
        value = getattr(obj, name, None)
    except Exception:  # BaseUser.identity raises NotImplementedError
        return None
    return None if value is None or value == "" else str(value)
