"""What every web integration needs, with no framework in it (werkzeug's sansio is the
model): report an exception in a request, wrap a streamed body (sync and async), copy a
request's named fields as plain data (its URL and headers are built from them on the
worker: ``core.request_copy``), plain copies of route arguments.

A framework module reads its framework's objects and hands plain values to these.
"""

from __future__ import annotations

from typing import (
    Any,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Dict,
    Iterable,
    Iterator,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
)

from errorwire import api
from errorwire.core.client import Client
from errorwire.core.context import (
    InRequest,
    current_scope,
    enter_request,
    exit_request,
    in_request,
)
from errorwire.core.http_parts import asgi_scheme
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request import BodyCapture
from errorwire.core.request_copy import AsgiOrigin, RequestCopy
from errorwire.core.safety import swallow

Chunk = TypeVar("Chunk")


def current_client() -> Optional[Client]:
    """The configured client (``init()`` from the environment if none); None if that fails."""
    client = api.get_client()
    if client is not None:
        return client
    with swallow("init from the environment"):
        return api.ensure_client()
    return None


class HoldsClient:
    """A middleware's client: resolved at its first use (a request's body or report:
    after a server's post-fork ``init()``) and held from then on, so the reports of its
    requests are made with the options they were served with.

    Once the held client is closed (a second ``init()`` replaced it: tests, a notebook,
    a configuration reload), the configured one is resolved and held instead: reports
    go where the app now sends them. A client the app gave (``hold``) is kept."""

    _client: Optional[Client] = None
    _given = False

    def hold(self, client: Optional[Client]) -> None:
        """Report to ``client``, given by the app, whatever a later ``init()`` configures
        (None: the configured client, resolved at first use)."""
        self._client = client
        self._given = client is not None

    def client(self) -> Optional[Client]:
        client = self._client
        if client is None or (client.closed and not self._given):
            client = self._client = self._resolve()
        return client

    def _resolve(self) -> Optional[Client]:
        return current_client()

    def report(self, exc: BaseException) -> None:
        """Report ``exc`` as unhandled in the current request, to this middleware's client."""
        client = self.client()
        if client is not None:
            client.capture_exception(exc, handled=False)


class HeldClient(HoldsClient):
    """A held client for integrations that make their own (job workers, log handlers):
    the configured one, else ``errorwire.init(**options)`` (plus the environment: a bad
    one raises ConfigError), resolved at first use in the process (after a fork) and
    held, giving way as ``HoldsClient``'s does. ``held()`` is the client."""

    def __init__(self, options: Optional[Mapping[str, Any]] = None) -> None:
        self.options = dict(options or {})

    def _resolve(self) -> Client:
        return api.ensure_client(**self.options)

    def __call__(self) -> Client:
        client = self.client()
        return client if client is not None else self._resolve()


def report_unhandled(exc: BaseException) -> None:
    """Report ``exc`` as unhandled in the current scope, once per exception object, to
    the configured client: for what no middleware holding a client sees (a framework's
    own signal, a request with no middleware)."""
    client = current_client()
    if client is not None:
        client.capture_exception(exc, handled=False)


def report_to_middleware(exc: BaseException, middleware: Type[HoldsClient]) -> None:
    """Report ``exc`` as unhandled: inside a request of a ``middleware``, to the client
    that middleware holds; elsewhere (before routing, no middleware) to the configured one."""
    request = in_request()
    source = request.source if request is not None else None
    if isinstance(source, middleware):
        source.report(exc)
    else:
        report_unhandled(exc)


def report_in(
    request: InRequest,
    exc: BaseException,
    status: Optional[int] = None,
    reporter: Callable[[BaseException], None] = report_unhandled,
) -> None:
    """Report ``exc`` in ``request``, made current for the report (the app call has
    returned, or the framework's own request context is gone), with ``reporter``."""
    token = enter_request(request)
    try:
        if status is not None:
            with swallow("report status"):
                current_scope().response_status = status
        reporter(exc)
    finally:
        exit_request(token)


END_OF_BODY: Any = object()
"""``next(iterator, END_OF_BODY)``: the end, without StopIteration raised through Python."""


def report_streamed(
    chunks: Iterable[Chunk],
    request: Optional[InRequest],
    report: Callable[[BaseException], None] = report_unhandled,
) -> Iterator[Chunk]:
    """A response body the server iterates after the app call returned, reporting what
    its iteration raises (re-raised unchanged).

    With a ``request``, it is current around each step, never across a ``yield``: a
    server may leave a response half read (a HEAD, a client gone) and serve the next
    request in this same context before the generator is finalised. Without one (a
    context switch per chunk is too dear where every response passes), ``report``
    makes the request current itself.
    """
    iterator = iter(chunks)
    while True:
        token = None if request is None else enter_request(request)
        try:
            chunk = next(iterator, END_OF_BODY)  # the end is no exception raised through Python
        except BaseException as exc:
            if not isinstance(exc, NOT_APP_ERRORS):
                report(exc)
            raise
        finally:
            if token is not None:
                exit_request(token)
        if chunk is END_OF_BODY:
            return
        yield chunk


async def report_streamed_async(
    chunks: AsyncIterable[Chunk],
    request: InRequest,
    report: Callable[[BaseException], None] = report_unhandled,
) -> AsyncIterator[Chunk]:
    """``report_streamed`` for an async body: ``request`` current around each step."""
    iterator = chunks.__aiter__()
    while True:
        token = enter_request(request)
        try:
            chunk = await iterator.__anext__()
        except StopAsyncIteration:
            return
        except BaseException as exc:
            if not isinstance(exc, NOT_APP_ERRORS):
                report(exc)
            raise
        finally:
            exit_request(token)
        yield chunk


def plain(value: Any) -> Any:
    """``value`` if JSON has it as is (text, number, bool, None), else its ``str``: a route
    argument converted to a model, a UUID or a date reaches the worker as text."""
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def plain_params(params: Mapping[Any, Any]) -> Dict[str, Any]:
    """Route arguments as plain values under text keys."""
    return {str(key): plain(value) for key, value in dict(params).items()}


def query_text(raw: Any) -> str:
    """An ASGI ``query_string`` (bytes) as text."""
    if isinstance(raw, bytes):
        return raw.decode("latin-1")
    return "" if raw is None else str(raw)


def asgi_request_copy(
    scope: Mapping[str, Any],
    origin: Tuple[str, str],
    capture: Optional[BodyCapture],
    ip_headers: Sequence[str],
    **fields: Any,
) -> RequestCopy:
    """The named fields of an ASGI request, copied from its ``scope`` (``origin``: its
    root path and path as it came in), with errorwire's ``capture`` of the body and the
    framework's ``fields`` (route, route_params, body, form, files)."""
    server = scope.get("server")
    peer = scope.get("client")
    return RequestCopy(
        method=scope.get("method") or "GET",
        raw_headers=list(scope.get("headers") or ()),
        origin=AsgiOrigin(asgi_scheme(scope), tuple(server) if server else None, *origin),
        query_string=query_text(scope.get("query_string")),
        peer=str(peer[0]) if peer else None,
        capture=capture,
        ip_headers=ip_headers,
        **fields,
    )


def copy_request(
    fields: Dict[str, Any],
    client: Optional[Client],
    body_fields: Callable[[int], Dict[str, Any]],
) -> RequestCopy:
    """The named ``fields`` of a request (``RequestCopy``'s), with what ``body_fields(limit)``
    copies of the body when the client sends bodies, and the client's trusted IP headers."""
    if client is None or client.options.send_request_bodies:
        fields.update(body_fields(client.options.max_request_body if client is not None else 0))
    if client is not None:
        fields["ip_headers"] = client.options.client_ip_headers
    return RequestCopy(**fields)
