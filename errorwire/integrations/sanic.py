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

from typing import Any, Dict, List, Optional

try:
    from sanic import Sanic
    from sanic.exceptions import SanicException
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "errorwire.integrations.sanic needs Sanic: pip install errorwire[sanic]"
    ) from exc

from errorwire.core.context import (
    InRequest,
    RequestState,
    enter_request,
    exit_request,
    mark_request,
)
from errorwire.core.event import DeferredRequest, UploadedFile
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request import BodyCopy, joined_headers
from errorwire.core.safety import swallow
from errorwire.integrations.base import defer_request, plain_params
from errorwire.integrations.wsgi import current_client, report_in
from errorwire.release import sessions

__all__ = ["Errorwire"]

FRAMEWORK = "sanic"
INSTALLED = "_errorwire_installed"
TOKEN = "_errorwire_token"
SCOPE = "_errorwire_scope"


class Errorwire:
    """``Errorwire(app)``: report the unhandled errors of a Sanic app."""

    def __init__(self, app: Sanic) -> None:
        self.app = app
        current_client()  # init() from the environment now, if the user has not
        if getattr(app.ctx, INSTALLED, False):
            return
        setattr(app.ctx, INSTALLED, True)
        app.signal("http.lifecycle.handle")(_on_handle)
        app.signal("http.lifecycle.exception")(_on_exception)
        app.signal("http.lifecycle.response")(_on_response)
        with swallow("sanic websocket signal"):  # Sanic < 24.6 has no such signal
            app.signal("websocket.handler.exception")(_on_websocket_exception)


class SanicRequests:
    """The ``RequestSource`` of Sanic requests: ``InRequest(SANIC, request)``."""

    @staticmethod
    def state_of(marked: InRequest) -> RequestState:
        """The request's RequestState, made on first use and kept on ``request.ctx``."""
        request = marked.handle
        scope: Optional[RequestState] = getattr(request.ctx, SCOPE, None)
        if scope is None:
            scope = RequestState(FRAMEWORK, lambda: _deferred_request(request))
            setattr(request.ctx, SCOPE, scope)
        return scope


SANIC = SanicRequests()


async def _on_handle(request: Any) -> None:
    setattr(request.ctx, TOKEN, enter_request(mark_request((SANIC, request, None))))
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
        report_in(mark_request((SANIC, request, None)), exception, status)


async def _on_response(request: Any, response: Any) -> None:
    token = getattr(request.ctx, TOKEN, None)
    if token is not None:
        setattr(request.ctx, TOKEN, None)
        with swallow("sanic request end"):  # a token of another context (never expected)
            exit_request(token)


async def _on_websocket_exception(request: Any, websocket: Any, exception: BaseException) -> None:
    with swallow("sanic websocket exception"):
        report_in(mark_request((SANIC, request, None)), exception)


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


def _deferred_request(request: Any) -> DeferredRequest:
    """Copies, on the loop, of what Sanic knows of the request; built on the worker."""
    client = current_client()
    fields: Dict[str, Any] = {
        "url": request.url,
        "method": request.method,
        "headers": joined_headers(request.headers.items()),
        "query_string": request.query_string,
        "peer": request.remote_addr or request.ip,
        "route": request.uri_template if request.route is not None else None,
        "route_params": plain_params(request.match_info or {}),
    }
    return defer_request(fields, client, lambda limit: _body_fields(request, limit))


def _body_fields(request: Any, limit: int) -> Dict[str, Any]:
    """Multipart: the fields and file names / sizes the app parsed, never file contents;
    any other body: a capped copy (Sanic has read it before the handler ran)."""
    fields: Dict[str, Any] = {}
    if (request.content_type or "").startswith("multipart/"):
        if request.parsed_form is not None:
            fields["form"] = _form(request.parsed_form)
        if request.parsed_files is not None:
            fields["files"] = [
                UploadedFile(
                    field=name,
                    filename=upload.name,
                    size=len(upload.body),
                    content_type=upload.type,
                )
                for name, uploads in request.parsed_files.items()
                for upload in uploads
            ]
        return fields
    body = request.body
    if isinstance(body, bytes) and body and limit > 0:
        copy = BodyCopy(limit)
        copy.add(body)
        fields["body"] = copy
    return fields


def _form(parsed: Dict[str, List[str]]) -> Dict[str, Any]:
    return {name: values[0] if len(values) == 1 else values for name, values in parsed.items()}
