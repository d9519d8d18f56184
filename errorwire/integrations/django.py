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

Sync and async capable: under ASGI it runs in the event loop (no thread hop). The
request block and the user are read in django_request.py, only on error.
"""

from __future__ import annotations

import contextvars
import sys
from typing import Any, AsyncIterator, Callable, Iterator, List, Optional

try:
    from asgiref.sync import iscoroutinefunction, markcoroutinefunction
    from django.conf import settings
    from django.core.signals import got_request_exception
    from django.http import HttpRequest
except ImportError as exc:  # pragma: no cover - exercised without Django installed
    raise ImportError(
        "errorwire.integrations.django needs Django: pip install errorwire[django]"
    ) from exc

from errorwire.core.client import already_reported
from errorwire.core.context import Scope, request_scope, use_scope
from errorwire.core.safety import swallow
from errorwire.integrations.django_request import FILTERED, build_request, load_person
from errorwire.integrations.wsgi import current_client, init_from, report_unhandled

FRAMEWORK = "django"


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


__all__: List[str] = ["FILTERED", "ErrorwireMiddleware"]
