"""Sanic: ``errorwire.integrations.sanic.Errorwire(app)`` (before the app starts serving).

Sanic answers every exception itself (its error handler, or the app's own
``@app.exception`` handlers), so errorwire listens to Sanic's own signals, nothing patched:

- ``http.lifecycle.handle``: the request's handling starts; the context is marked as
  inside it (``set_person`` and breadcrumbs belong to it; a websocket handler's task
  inherits it);
- ``http.lifecycle.exception``: before Sanic answers (and logs) an exception, it is
  reported, unless it is one of Sanic's own answers below 500 (``NotFound``,
  ``MethodNotAllowed``, ``BadRequest``) or one an ``@app.exception`` handler of the app
  answers (a handler for ``Exception`` is the app's error page: reported);
- ``http.lifecycle.response``: the mark ends;
- ``websocket.handler.exception`` (Sanic 24.6+): a websocket handler's error.

The request block is read from Sanic's request when an error is reported: the body
(Sanic reads it before the handler) or the form / files the app parsed, the client IP
(``request.remote_addr`` behind a configured proxy, else the peer). The route template
(``/items/<item_id:int>``) is the report's context. Sanic has no authentication of its
own: the person comes from ``errorwire.set_person``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from errorwire.integrations import needs

with needs(__name__, "Sanic"):
    from sanic import Sanic
    from sanic.exceptions import SanicException

from errorwire.core.client import Client
from errorwire.core.context import RequestState, enter_request, exit_request, mark_request
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request import body_copy, joined_headers, uploads_in_memory
from errorwire.core.request_copy import RequestCopy
from errorwire.core.safety import swallow
from errorwire.integrations.base import HoldsClient, copy_request, plain_params
from errorwire.integrations.wsgi import current_client, report_in, report_unhandled
from errorwire.release import sessions

if TYPE_CHECKING:  # annotations only
    from errorwire.core.context import InRequest

__all__ = ["Errorwire"]

FRAMEWORK = "sanic"
INSTALLED = "_errorwire"
"""Where the app's ``Errorwire`` (which holds the client) is kept on ``app.ctx``."""
TOKEN = "_errorwire_token"
SCOPE = "_errorwire_scope"


class Errorwire(HoldsClient):
    """``Errorwire(app)``: report the unhandled errors of a Sanic app, to the client it
    resolves at its first request and holds."""

    def __init__(self, app: Sanic) -> None:
        self.app = app
        current_client()  # init() from the environment now, if the user has not
        if getattr(app.ctx, INSTALLED, None) is not None:
            return
        setattr(app.ctx, INSTALLED, self)
        app.signal("http.lifecycle.handle")(_on_handle)
        app.signal("http.lifecycle.exception")(_on_exception)
        app.signal("http.lifecycle.response")(_on_response)
        with swallow("sanic websocket signal"):  # Sanic < 24.6 has no such signal
            app.signal("websocket.handler.exception")(_on_websocket_exception)


class SanicRequests:
    """The ``RequestSource`` of Sanic requests: ``InRequest(SANIC, request, errorwire)``
    (the app's ``Errorwire``, which holds the client)."""

    @staticmethod
    def state_of(marked: InRequest) -> RequestState:
        """The request's RequestState, made on first use and kept on ``request.ctx``."""
        request = marked.handle
        scope: Optional[RequestState] = getattr(request.ctx, SCOPE, None)
        if scope is None:
            held: Optional[HoldsClient] = marked.origin
            client = held.client() if held is not None else current_client()
            scope = RequestState(FRAMEWORK, lambda: _request_copy(request, client))
            setattr(request.ctx, SCOPE, scope)
        return scope


SANIC = SanicRequests()


async def _on_handle(request: Any) -> None:
    marked = mark_request((SANIC, request, _errorwire_of(request)))
    setattr(request.ctx, TOKEN, enter_request(marked))
    sessions.start_session(None)  # Bugsnag's session count: one C call (release/sessions.py)


async def _on_exception(request: Any, exception: BaseException) -> None:
    """Before Sanic answers (and logs) ``exception``: reported unless it is an answer."""
    if request is None:
        return
    with swallow("sanic exception"):
        if isinstance(exception, NOT_APP_ERRORS) or _is_answer(exception):
            return
        if _answered_by_app(request, exception):
            return
        stream = getattr(request, "stream", None)
        started = stream is not None and stream.stage.name != "HANDLER"  # the response began
        status = None if started else _status(exception)
        _report(request, exception, status)


async def _on_response(request: Any, response: Any) -> None:
    token = getattr(request.ctx, TOKEN, None)
    if token is not None:
        setattr(request.ctx, TOKEN, None)
        with swallow("sanic request end"):  # a token of another context (never expected)
            exit_request(token)


async def _on_websocket_exception(request: Any, websocket: Any, exception: BaseException) -> None:
    with swallow("sanic websocket exception"):
        _report(request, exception, None)


def _errorwire_of(request: Any) -> Optional[Errorwire]:
    found = getattr(request.app.ctx, INSTALLED, None)
    return found if isinstance(found, Errorwire) else None


def _report(request: Any, exception: BaseException, status: Optional[int]) -> None:
    """Report ``exception`` in ``request`` to the client the app's Errorwire holds."""
    held = _errorwire_of(request)
    reporter = held.report if held is not None else report_unhandled
    report_in(mark_request((SANIC, request, held)), exception, status, reporter)


def _status(exception: BaseException) -> int:
    code = getattr(exception, "status_code", 500) if isinstance(exception, SanicException) else 500
    return code if isinstance(code, int) else 500


def _is_answer(exception: BaseException) -> bool:
    """Sanic's own HTTP answers below 500: NotFound, MethodNotAllowed, BadRequest..."""
    return isinstance(exception, SanicException) and _status(exception) < 500


def _answered_by_app(request: Any, exception: BaseException) -> bool:
    """Whether one of the app's ``@app.exception`` handlers answers ``exception`` (Sanic's
    lookup: the class's MRO, for the route then for the app). A handler for ``Exception``
    is the app's error page: those errors are still unhandled."""
    handlers = request.app.error_handler.cached_handlers
    route = getattr(request, "name", None)
    for ancestor in type(exception).__mro__:
        for name in (route, None):
            if handlers.get((ancestor, name)) is not None:
                return ancestor is not Exception and ancestor is not BaseException
        if ancestor is BaseException:
            break
    return False


def _request_copy(request: Any, client: Optional[Client]) -> RequestCopy:
    """Copies, on the loop, of what Sanic knows of the request; built on the worker
    (``client``'s body and IP header options)."""
    fields: Dict[str, Any] = {
        "url": request.url,
        "method": request.method,
        "headers": joined_headers(request.headers.items()),
        "query_string": request.query_string,
        "peer": request.remote_addr or request.ip,
        "route": request.uri_template if request.route is not None else None,
        "route_params": plain_params(request.match_info or {}),
    }
    return copy_request(fields, client, lambda limit: _body_fields(request, limit))


def _body_fields(request: Any, limit: int) -> Dict[str, Any]:
    """Multipart: the fields and file names / sizes the app parsed, never file contents;
    any other body: a capped copy (Sanic has read it before the handler ran)."""
    if not (request.content_type or "").startswith("multipart/"):
        copy = body_copy(request.body, limit)
        return {} if copy is None else {"body": copy}
    fields: Dict[str, Any] = {}
    if request.parsed_form is not None:
        fields["form"] = _form(request.parsed_form)
    if request.parsed_files is not None:
        uploads = request.parsed_files
        fields["files"] = uploads_in_memory(uploads, filename="name", content_type="type")
    return fields


def _form(parsed: Dict[str, List[str]]) -> Dict[str, Any]:
    return {name: values[0] if len(values) == 1 else values for name, values in parsed.items()}
