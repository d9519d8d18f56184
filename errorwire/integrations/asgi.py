"""Any ASGI app: ``app = errorwire.integrations.asgi.ErrorwireMiddleware(app)``.

A pure ASGI middleware in the shape of Starlette's ``ServerErrorMiddleware``: it
opens a request scope (contextvars, so the app and its background tasks see
it), wraps ``send`` to note the response status and ``receive`` to keep a capped
copy of the body the app reads, reports an exception that leaves the app and
re-raises that same object. Lifespan and other scope types pass through untouched.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, MutableMapping, Optional, Tuple

from errorwire.api import ensure_client
from errorwire.core.client import mark_reported
from errorwire.core.context import Scope, activate, deactivate
from errorwire.core.event import Person, Request
from errorwire.core.request import BodyCapture, build_request, parse_cookies
from errorwire.core.safety import swallow

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

REQUEST_TYPES = frozenset(("http", "websocket"))
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
NOT_REPORTED = ("starlette.websockets.WebSocketDisconnect",)
"""A client going away from a websocket is no error of the app."""


class ErrorwireMiddleware:
    framework = "asgi"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        with swallow("init from the environment"):
            ensure_client()

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] not in REQUEST_TYPES:
            await self.app(scope, receive, send)
            return
        try:
            request = RequestCapture(scope, self, receive)
            state = Scope(self.framework_of(scope), request.build)
            state.person_loader = request.person
        except Exception as exc:  # errorwire failed: the app runs as if it were not there
            _swallowed("asgi request", exc)
            await self.app(scope, receive, send)
            return

        # A closure: several times cheaper per message than a bound method.
        async def send_noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                state.response_status = message.get("status")
            await send(message)

        token = activate(state)
        try:
            await self.app(
                scope, request.receive if request.copies_body else receive, send_noting_status
            )
        except Exception as exc:
            self._report(exc, request, state)
            raise
        finally:
            deactivate(token)

    def framework_of(self, scope: MutableMapping[str, Any]) -> str:
        return self.framework

    def route_template(self, scope: MutableMapping[str, Any]) -> Optional[str]:
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

    def _report(self, exc: Exception, request: RequestCapture, state: Scope) -> None:
        with swallow("asgi report"):
            target = single_leaf(exc)
            if _is_named(target, NOT_REPORTED):
                return
            if request.scope["type"] == "http" and state.response_status is None:
                state.response_status = 500  # what the server (or ServerErrorMiddleware) sends
            state.context = request.route()
            ensure_client().capture_exception(target, handled=False)
            if target is not exc:
                mark_reported(exc)  # the group the server logs is the same report


def single_leaf(exc: BaseException) -> BaseException:
    """The one exception inside (nested) exception groups of one member, else ``exc``.

    anyio task groups (Starlette 0.37's StreamingResponse) wrap the app's error.
    """
    current = exc
    while True:
        members = getattr(current, "exceptions", None)
        if not _is_named(current, ("BaseExceptionGroup",)) or not members or len(members) != 1:
            return current
        current = members[0]


def _is_named(obj: object, names: Tuple[str, ...]) -> bool:
    """Whether ``obj``'s class or a base is one of ``names`` (short or dotted; no imports)."""
    key = (type(obj), names)
    found = _NAMED.get(key)
    if found is None:
        found = any(
            cls.__name__ in names or f"{cls.__module__}.{cls.__qualname__}" in names
            for cls in type(obj).__mro__
        )
        if len(_NAMED) >= 1024:
            _NAMED.clear()
        _NAMED[key] = found
    return found


_NAMED: Dict[Tuple[type, Tuple[str, ...]], bool] = {}


class RequestCapture:
    """One ASGI request as errorwire keeps it: references, and a capped copy of the body.

    The happy path only stores references (and counts body bytes as the app reads
    them); ``build`` turns it into a core Request when an error is reported. The
    route, path params and user are read then, from the scope dict that routing
    and authentication mutate after this middleware has run.
    """

    __slots__ = (
        "_receive",
        "body",
        "copies_body",
        "middleware",
        "path",
        "root_path",
        "scope",
    )

    def __init__(
        self,
        scope: MutableMapping[str, Any],
        middleware: ErrorwireMiddleware,
        receive: Receive,
    ) -> None:
        self.scope = scope
        self.middleware = middleware
        self._receive = receive
        self.root_path: str = scope.get("root_path") or ""
        self.path: str = scope.get("path") or ""
        self.body: Optional[BodyCapture] = None
        self.copies_body = scope["type"] == "http" and _body_limit() > 0

    async def receive(self) -> Message:
        message = await self._receive()
        chunk = message.get("body")
        if chunk and message.get("type") == "http.request":
            if self.body is None:  # the first chunk: the content type says what to keep
                try:
                    content_type = _raw_header(self.scope, b"content-type")
                    self.body = BodyCapture(content_type, _body_limit())
                except Exception as exc:
                    _swallowed("copy request body", exc)
                    return message
            self.body.add(chunk)  # never raises: it guards itself
        return message

    def route(self) -> Optional[str]:
        template = self.middleware.route_template(self.scope)
        if template is None:
            return None
        # A Mount extends root_path; keep its prefix in front of the inner route.
        current = self.scope.get("root_path", "") or ""
        mounted = current[len(self.root_path) :] if current.startswith(self.root_path) else ""
        return mounted + template

    def url(self, headers: Dict[str, str]) -> str:
        scheme = self.scope.get("scheme") or ("ws" if self.scope["type"] == "websocket" else "http")
        host = headers.get("host")
        if not host:
            server = self.scope.get("server")
            if server and server[1] is not None and DEFAULT_PORTS.get(scheme) != server[1]:
                host = f"{server[0]}:{server[1]}"
            elif server:
                host = str(server[0])
            else:
                host = "localhost"
        path = self.path
        if self.root_path and not path.startswith(self.root_path):
            path = self.root_path + path  # servers that send path without root_path
        query = self.query_string()
        return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")

    def query_string(self) -> str:
        raw = self.scope.get("query_string") or b""
        return raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)

    def build(self) -> Request:
        scope = self.scope
        headers = _headers(scope.get("headers") or ())
        client = scope.get("client")
        body = self.body.request_fields() if self.body is not None else {}
        return build_request(
            url=self.url(headers),
            method=scope.get("method") or "GET",
            headers=headers,
            query_string=self.query_string(),
            cookies=parse_cookies(headers.get("cookie")),
            **body,
            peer=str(client[0]) if client else None,
            route=self.route(),
            route_params=_plain(scope.get("path_params") or {}),
            ip_headers=ensure_client().options.client_ip_headers,
        )

    def person(self) -> Optional[Person]:
        """Starlette's ``AuthenticationMiddleware`` puts the user at ``scope["user"]``."""
        user = self.scope.get("user")
        if user is None or getattr(user, "is_authenticated", False) is not True:
            return None
        identity = _attribute(user, "id") or _attribute(user, "identity")
        name = _attribute(user, "display_name") or _attribute(user, "username")
        if not (identity or name):
            return None
        return Person(id=identity or name, username=name, email=_attribute(user, "email"))


def _body_limit() -> int:
    options = ensure_client().options
    return options.max_request_body if options.send_request_bodies else 0


def _raw_header(scope: MutableMapping[str, Any], name: bytes) -> Optional[str]:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _swallowed(step: str, exc: Exception) -> None:
    """Count and log ``exc`` as errorwire's own failure in ``step`` (never raises)."""
    with swallow(step):
        raise exc


def _headers(raw: Any) -> Dict[str, str]:
    """ASGI header pairs -> lower-cased names; repeated headers joined as HTTP allows."""
    headers: Dict[str, List[str]] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        headers.setdefault(key, []).append(value.decode("latin-1"))
    return {k: ("; " if k == "cookie" else ", ").join(v) for k, v in headers.items()}


def _plain(params: Any) -> Dict[str, Any]:
    return {
        str(k): v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
        for k, v in dict(params).items()
    }


def _attribute(obj: Any, name: str) -> Optional[str]:
    try:
        value = getattr(obj, name, None)
    except Exception:  # BaseUser.identity raises NotImplementedError
        return None
    return None if value is None or value == "" else str(value)
