"""aiohttp: ``web.Application(middlewares=[errorwire.integrations.aiohttp.middleware])``.

aiohttp is not ASGI, so it gets a middleware of its own (list it first, so it
sees what the others raise). Per request it only marks the context as inside the
request; the request's RequestState is made when something needs it (person and
breadcrumbs stay with their request under concurrency). It reports
what the handler raises before re-raising that same object; aiohttp then answers
as it would without errorwire. aiohttp's HTTP exceptions below 500
(``HTTPNotFound``, ``HTTPFound``, ...) are answers, not errors: not reported.

The request block is read when an error is reported, from what aiohttp already
parsed: the body only if the app read it (``read()``/``text()``/``json()``),
the form only if it awaited ``post()``; the route template is the resource's
canonical path (``/items/{item_id}``), the report's context. aiohttp has no
authentication of its own: the person comes from ``errorwire.set_person``.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Optional, Tuple

from errorwire.integrations import needs

with needs(__name__, "aiohttp"):
    from aiohttp import web

from errorwire.core.client import Client
from errorwire.core.context import (
    RequestState,
    current_scope,
    enter_request,
    exit_request,
)
from errorwire.core.event import UploadedFile
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request import BodyCopy, joined_headers, stream_size
from errorwire.core.request_copy import RequestCopy
from errorwire.core.safety import swallow
from errorwire.integrations.base import HoldsClient, copy_request
from errorwire.release import sessions

if TYPE_CHECKING:  # annotations only
    from errorwire.core.context import InRequest

__all__ = ["middleware"]

FRAMEWORK = "aiohttp"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


STATE_KEY: Any = (
    web.RequestKey("errorwire.scope", RequestState)
    if hasattr(web, "RequestKey")
    else "errorwire.scope"
)
"""Where a request's RequestState is kept in the aiohttp request (a mapping), once needed; a typed
``RequestKey`` where aiohttp has them (3.12+ warns about a plain string key)."""


class AiohttpRequests:
    """The ``RequestSource`` of aiohttp requests: ``InRequest(AIOHTTP, request)``."""

    @staticmethod
    def state_of(marked: InRequest) -> RequestState:
        """The request's RequestState, made on first use (a log record, set_person, an error)."""
        request: web.Request = marked.handle
        scope: Optional[RequestState] = request.get(STATE_KEY)
        if scope is None:
            scope = RequestState(
                FRAMEWORK, RequestReader(request, held_by(request.app).client()).copy
            )
            request[STATE_KEY] = scope
        return scope


AIOHTTP = AiohttpRequests()

_holders: Dict[int, Tuple[weakref.ref[web.Application], HoldsClient]] = {}
"""Each application's client, by the application's id: the middleware is one object for
the process, shared by every app that lists it (aiohttp 3.9's Application is unhashable,
and a key or attribute set on a started one warns)."""


def held_by(app: web.Application) -> HoldsClient:
    """The client ``app``'s requests report to (``HoldsClient``: resolved at first use,
    held, giving way once closed): an app made inside ``errorwire.testing.capture(...)``
    reports there, while one made before keeps its own."""
    key = id(app)
    found = _holders.get(key)
    if found is not None and found[0]() is app:
        return found[1]
    holder = HoldsClient()
    _holders[key] = (weakref.ref(app, lambda _: _holders.pop(key, None)), holder)
    return holder


async def _middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = enter_request((AIOHTTP, request, None))  # a plain tuple: no RequestState unless needed
    sessions.start_session(None)  # Bugsnag's session count: one C call (release/sessions.py)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status >= 500:  # raised on purpose, but a server error all the same
            _report(request, exc, exc.status)
        raise
    except BaseException as exc:
        if not isinstance(exc, NOT_APP_ERRORS):
            _report(request, exc, 500)
        raise
    finally:
        exit_request(token)


middleware = web.middleware(_middleware)
"""The middleware: list it first in ``web.Application(middlewares=[...])``."""


def _report(request: web.Request, exc: BaseException, status: int) -> None:
    """Report ``exc`` in the current request (still marked: we are inside it) to its
    application's client."""
    with swallow("aiohttp report"):
        current_scope().response_status = status
        held_by(request.app).report(exc)


class RequestReader:
    """Takes, on the request's own task, copies of what aiohttp knows of the request;
    the request block is built from them on the worker."""

    __slots__ = ("client", "request")

    def __init__(self, request: web.Request, client: Optional[Client]) -> None:
        self.request = request
        self.client = client

    def copy(self) -> RequestCopy:
        request = self.request
        client = self.client
        route, params = _route(request)
        raw_path = request.raw_path  # as sent (percent-encoded); no yarl URL built
        fields: Dict[str, Any] = {
            "url": f"{request.scheme}://{request.host}{raw_path}",
            "method": request.method,
            "headers": joined_headers(request.headers.items()),
            "query_string": raw_path.partition("?")[2],
            "peer": request.remote,
            "route": route,
            "route_params": params,
        }
        return copy_request(fields, client, lambda limit: _body_fields(request, limit))


def _route(request: web.Request) -> Tuple[Optional[str], Dict[str, Any]]:
    """The matched resource's template (sub-app prefixes included) and its parameters."""
    info = request.match_info
    resource = getattr(getattr(info, "route", None), "resource", None)
    template = getattr(resource, "canonical", None) if resource is not None else None
    if not isinstance(template, str):
        return None, {}
    return template, {str(k): str(v) for k, v in info.items()}


def _body_fields(request: web.Request, limit: int) -> Dict[str, Any]:
    """What the app itself read: aiohttp caches the bytes of ``read()`` (which ``text()``,
    ``json()`` and a urlencoded ``post()`` use) and the result of ``post()``."""
    fields: Dict[str, Any] = {}
    # Private: aiohttp has no public way to ask whether the body was read (read() would
    # read it now, and a stream the app did not read must stay unread).
    raw = getattr(request, "_read_bytes", None)
    if isinstance(raw, (bytes, bytearray)) and limit > 0:
        copy = BodyCopy(limit)
        copy.add(bytes(raw))
        fields["body"] = copy
    posted = getattr(request, "_post", None)  # private, as above: post()'s cached result
    if posted is not None:
        form: Dict[str, Any] = {}
        files: List[UploadedFile] = []
        for name, value in posted.items():
            if isinstance(value, web.FileField):
                files.append(_upload(value))
            elif name in form:
                previous = form[name]
                form[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                form[name] = value if isinstance(value, str) else str(value)
        fields["form"] = form
        fields["files"] = files
    return fields


def _upload(field: web.FileField) -> UploadedFile:
    return UploadedFile(
        field=field.name,
        filename=field.filename,
        size=stream_size(field.file),
        content_type=field.content_type,
    )
