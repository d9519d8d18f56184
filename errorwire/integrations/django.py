"""Django: add ``"errorwire.integrations.django.ErrorwireMiddleware"`` to ``MIDDLEWARE``
(first is best); options in ``settings.ERRORWIRE`` (``errorwire.init``'s keyword arguments).

Django converts every exception into a response inside each middleware layer, so
no outer wrapper ever sees one. Three hooks, no monkeypatching:

- ``got_request_exception``: Django's own word that an exception became a 500
  (views, template rendering, any middleware, wherever ours sits). It reports.
- ``process_exception``: sees view and template-rendering errors; the exception
  is noted, and reported only if the response that comes back is a 5xx: a
  middleware listed *before* errorwire may turn it into an error page of its own
  in its ``process_exception`` (Django calls those innermost first), and then no
  signal is sent. One listed after errorwire handles it before errorwire hears
  of it: that error counts as handled, as with Flask's ``errorhandler``.
  Http404, PermissionDenied, BadRequest and SuspiciousOperation become 4xx
  responses, so they are not reported.
- Streaming responses: their content is iterated by the server after Django is
  done; the iterator is wrapped to report what it raises.

The ``django.request`` log record of the same error finds it marked reported.
``@sensitive_post_parameters`` is honoured (those values become "[Filtered]").
``@sensitive_variables`` needs nothing: errorwire never collects frame locals.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sys
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List, Optional

try:
    from asgiref.sync import iscoroutinefunction, markcoroutinefunction
    from django.conf import settings
    from django.core.signals import got_request_exception
    from django.http import HttpRequest
    from django.utils.functional import empty
except ImportError as exc:  # pragma: no cover - exercised without Django installed
    raise ImportError(
        "errorwire.integrations.django needs Django: pip install errorwire[django]"
    ) from exc

from errorwire.core.client import already_reported
from errorwire.core.context import Scope, request_scope, use_scope
from errorwire.core.event import Person, Request, UploadedFile
from errorwire.core.request import DEFAULT_IP_HEADERS, BodyCopy
from errorwire.core.safety import swallow
from errorwire.integrations.wsgi import current_client, init_from, report_unhandled
from errorwire.integrations.wsgi_environ import request_from_environ
from errorwire.integrations.wsgi_input import ENVIRON_KEY, BodyCapture

FRAMEWORK = "django"
FILTERED = "[Filtered]"


class _RequestState:
    __slots__ = ("exception", "request", "scope")

    def __init__(self, request: HttpRequest, scope: Scope) -> None:
        self.request = request
        self.scope = scope
        scope.person_loader = lambda: load_person(request)
        self.exception: Optional[BaseException] = None
        """Noted by process_exception; reported if the response turns out a 5xx."""


_active: contextvars.ContextVar[Optional[_RequestState]] = contextvars.ContextVar(
    "errorwire_django_request", default=None
)


class ErrorwireMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self._is_async = iscoroutinefunction(get_response)
        if self._is_async:
            markcoroutinefunction(self)
        init_from(getattr(settings, "ERRORWIRE", None))
        got_request_exception.connect(_on_got_request_exception, dispatch_uid=__name__)

    def __call__(self, request: HttpRequest) -> Any:
        if self._is_async:
            return self.__acall__(request)
        client = current_client()
        if client is None:
            return self.get_response(request)
        with request_scope(
            FRAMEWORK, lambda: build_request(request), client.options.max_breadcrumbs
        ) as scope:
            state = _RequestState(request, scope)
            token = _active.set(state)
            try:
                response = self.get_response(request)
            finally:
                _active.reset(token)
            _finish(state, response)
        return response

    async def __acall__(self, request: HttpRequest) -> Any:
        client = current_client()
        if client is None:
            return await self.get_response(request)
        with request_scope(
            FRAMEWORK, lambda: build_request(request), client.options.max_breadcrumbs
        ) as scope:
            state = _RequestState(request, scope)
            token = _active.set(state)
            try:
                response = await self.get_response(request)
            finally:
                _active.reset(token)
            _finish(state, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        state = _active.get()
        if state is not None and state.request is request:
            state.exception = exception


def _finish(state: _RequestState, response: Any) -> None:
    scope = state.scope
    status = getattr(response, "status_code", None)
    scope.response_status = status
    noted, state.exception = state.exception, None
    server_error = isinstance(status, int) and status >= 500
    if noted is not None and server_error and not already_reported(noted):
        report_unhandled(noted)  # a page made by a middleware: Django sent no signal
    if getattr(response, "streaming", False):
        with swallow("wrap streaming response"):
            _report_streaming_errors(response, scope)


def _on_got_request_exception(sender: Any, request: Optional[HttpRequest] = None, **_: Any) -> None:
    with swallow("django got_request_exception"):  # a receiver that raises breaks Django
        exc = sys.exc_info()[1]
        if exc is None:
            return
        state = _active.get()
        if state is not None and (request is None or state.request is request):
            state.scope.response_status = 500
            report_unhandled(exc)
            return
        # Raised outside our middleware (one listed before it): a scope just for the report.
        builder = (lambda: build_request(request)) if request is not None else None
        with request_scope(FRAMEWORK, builder) as scope:
            if request is not None:
                scope.person_loader = lambda: load_person(request)
            scope.response_status = 500
            report_unhandled(exc)


def _report_streaming_errors(response: Any, scope: Scope) -> None:
    if getattr(response, "file_to_stream", None) is not None:
        return  # FileResponse: the server's wsgi.file_wrapper sends the file itself
    content = response.streaming_content
    if getattr(response, "is_async", False):
        response.streaming_content = _reporting_async(content, scope)
    else:
        response.streaming_content = _reporting(content, scope)


def _reporting(chunks: Iterator[bytes], scope: Scope) -> Iterator[bytes]:
    """The server iterates after the request scope closed: it is current again around
    each step (set_person, breadcrumbs and the report of the stream belong to it)."""
    iterator = iter(chunks)
    while True:
        with use_scope(scope):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
            except Exception as exc:
                report_unhandled(exc)
                raise
        yield chunk


async def _reporting_async(chunks: AsyncIterator[bytes], scope: Scope) -> AsyncIterator[bytes]:
    iterator = chunks.__aiter__()
    while True:
        with use_scope(scope):
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except Exception as exc:
                report_unhandled(exc)
                raise
        yield chunk


def build_request(request: HttpRequest) -> Request:
    """The request as Django parsed it. The body, form and files only if the app already
    read them: errorwire never reads the body itself (RawPostDataException)."""
    client = current_client()
    options = client.options if client is not None else None
    meta = request.META
    fields: Dict[str, Any] = {}
    with contextlib.suppress(Exception):  # DisallowedHost: the URL is rebuilt from META
        fields["url"] = request.build_absolute_uri()
    match = getattr(request, "resolver_match", None)
    if match is not None:
        fields["route"] = getattr(match, "route", None) or None
        params = dict(match.kwargs) or {str(i): v for i, v in enumerate(match.args)}
        fields["route_params"] = {k: _plain(v) for k, v in params.items()}
    if options is None or options.send_request_bodies:
        fields.update(_body_fields(request, options.max_request_body if options else 0))
    capture = meta.get(ENVIRON_KEY)
    built = request_from_environ(
        meta,
        capture if isinstance(capture, BodyCapture) else None,
        options.client_ip_headers if options else DEFAULT_IP_HEADERS,
        **fields,
    )
    _filter_sensitive(built, getattr(request, "sensitive_post_parameters", None))
    return built


def _body_fields(request: HttpRequest, limit: int) -> Dict[str, Any]:
    parsed = request.__dict__  # Django caches what it read here; reading it never reads
    fields: Dict[str, Any] = {}
    raw = parsed.get("_body")
    if isinstance(raw, bytes) and raw and limit > 0:
        copy = BodyCopy(limit)
        copy.add(raw)
        fields["body"] = copy
    if "_post" in parsed:
        fields["form"] = {
            key: values[0] if len(values) == 1 else values
            for key, values in parsed["_post"].lists()
        }
    if "_files" in parsed:
        fields["files"] = [
            UploadedFile(
                field=name,
                filename=upload.name,
                size=upload.size,
                content_type=getattr(upload, "content_type", None),
            )
            for name, uploads in parsed["_files"].lists()
            for upload in uploads
        ]
    return fields


def _filter_sensitive(built: Request, sensitive: Any) -> None:
    """``@sensitive_post_parameters``: those form values (all for "__ALL__") are filtered,
    likewise in a JSON object body, and the raw body is left out."""
    if not sensitive:
        return
    names = None if sensitive == "__ALL__" else set(sensitive)
    built.form = {k: FILTERED if names is None or k in names else v for k, v in built.form.items()}
    if isinstance(built.json, dict):
        built.json = {
            k: FILTERED if names is None or k in names else v for k, v in built.json.items()
        }
    built.body = None


def load_person(request: HttpRequest) -> Optional[Person]:
    """``request.user`` when authenticated. Read only when an error is reported (its session
    query happens then), and never when no authentication middleware set it."""
    attributes = request.__dict__
    if "user" not in attributes:
        return None
    user = attributes["user"]
    if _in_event_loop():
        # Loading the user now would query the database from the event loop (Django
        # refuses): take it only if the app already loaded it (request.auser() or user).
        user = attributes.get("_acached_user") or (
            None if getattr(user, "_wrapped", None) is empty else user
        )
    if getattr(user, "is_authenticated", False) is not True:
        return None
    email_field = getattr(user, "get_email_field_name", lambda: "email")()
    email = getattr(user, email_field, None)
    username = user.get_username() if hasattr(user, "get_username") else None
    return Person(
        id=None if user.pk is None else str(user.pk),
        username=username or None,
        email=str(email) if email else None,
    )


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


__all__: List[str] = ["ErrorwireMiddleware"]
