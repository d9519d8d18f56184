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

The ``django.request`` log record of the same error finds it marked reported. The
records Django logs after the middleware chain returned ("Not Found: /x") make no
breadcrumb outside their request (``RequestRecordsFilter``).
``@sensitive_post_parameters`` is honoured (those values become "[Filtered]").
``@sensitive_variables`` is honoured by ``include_locals`` (core/frame_variables.py).

Sync and async capable: under ASGI it runs in the event loop (no thread hop). The
request block and the user are read in django_request.py, only on error.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Callable, List, Optional

from errorwire.integrations import needs

with needs(__name__, "Django"):
    from asgiref.sync import iscoroutinefunction, markcoroutinefunction
    from django.conf import settings
    from django.core.signals import got_request_exception
    from django.http import HttpRequest, HttpResponse

from errorwire.api import get_client
from errorwire.core.breadcrumbs import RECORD_ATTRIBUTE
from errorwire.core.client import already_reported
from errorwire.core.context import (
    InRequest,
    RequestState,
    current_scope,
    enter_request,
    exit_request,
    in_request,
    mark_request,
    request_scope,
    use_scope,
)
from errorwire.core.event import Breadcrumb
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.safety import swallow
from errorwire.integrations import sql
from errorwire.integrations.base import (
    HoldsClient,
    report_streamed,
    report_streamed_async,
    report_unhandled,
)
from errorwire.integrations.django_request import FILTERED, build_request, load_person
from errorwire.integrations.wsgi import init_from
from errorwire.release import sessions

FRAMEWORK = "django"


STATE_ATTRIBUTE = "_errorwire_scope"
NOTED_ATTRIBUTE = "_errorwire_exception"
"""Noted by process_exception; reported if the response turns out a 5xx."""


class DjangoRequests:
    """The ``RequestSource`` of Django requests: ``InRequest(DJANGO, request, middleware)``,
    the errorwire middleware handling it (which holds the client) as its origin."""

    @staticmethod
    def state_of(marked: InRequest) -> RequestState:
        """The request's RequestState, made on first use and kept on the HttpRequest."""
        request: HttpRequest = marked.handle
        scope: Optional[RequestState] = request.__dict__.get(STATE_ATTRIBUTE)
        if scope is None:
            client = marked.origin.client
            scope = RequestState(FRAMEWORK, lambda: build_request(request, client()))
            scope.person_loader = lambda: load_person(request)
            scope = request.__dict__.setdefault(STATE_ATTRIBUTE, scope)
        return scope


DJANGO = DjangoRequests()


def _in_request(request: HttpRequest, middleware: ErrorwireMiddleware) -> InRequest:
    return mark_request((DJANGO, request, middleware))


def _ours(request: Optional[HttpRequest]) -> Optional[ErrorwireMiddleware]:
    """The errorwire middleware handling a request here (``request`` if given)."""
    marked = in_request()
    if marked is None or marked.source is not DJANGO:
        return None
    if request is not None and marked.handle is not request:
        return None
    middleware: ErrorwireMiddleware = marked.origin
    return middleware


class ErrorwireMiddleware(HoldsClient):
    """Marks its requests ``InRequest(DJANGO, request, self)`` and holds their client
    (``HoldsClient``: resolved at the first report, giving way once closed)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self._is_async = iscoroutinefunction(get_response)
        if self._is_async:
            markcoroutinefunction(self)
        init_from(getattr(settings, "ERRORWIRE", None))
        got_request_exception.connect(_on_got_request_exception, dispatch_uid=__name__)
        logging.getLogger("django.request").addFilter(REQUEST_RECORDS)  # once: a set of one
        with swallow("sql breadcrumbs"):
            client = get_client()
            if client is not None and client.options.sql_breadcrumbs:
                sql.watch_django()  # off: not even a wrapper on the connections

    def __call__(self, request: HttpRequest) -> Any:
        if self._is_async:
            return self.__acall__(request)
        token = enter_request((DJANGO, request, self))  # a plain tuple: every request
        sessions.start_session(None)  # Bugsnag's session count: one C call (release/sessions.py)
        try:
            response = self.get_response(request)
        except BaseException as exc:  # Django answers an Exception; this passes it by
            if not isinstance(exc, NOT_APP_ERRORS):
                self.report(exc)
            raise
        finally:
            exit_request(token)
        # A plain HttpResponse (``streaming`` False by its class) is told by its type: the
        # generic ``response.streaming`` lookup cost ~150 instructions on every request.
        if type(response) is HttpResponse and response.status_code < 500:
            return response
        _after(self, request, response)  # a 5xx, a stream, or another response class
        return response

    async def __acall__(self, request: HttpRequest) -> Any:
        token = enter_request((DJANGO, request, self))  # a plain tuple: every request
        sessions.start_session(None)
        try:
            response = await self.get_response(request)
        except BaseException as exc:  # Django answers an Exception; this passes it by
            if not isinstance(exc, NOT_APP_ERRORS):
                self.report(exc)
            raise
        finally:
            exit_request(token)
        _after(self, request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if _ours(request) is not None:
            request.__dict__[NOTED_ATTRIBUTE] = exception


class RequestRecordsFilter(logging.Filter):
    """Django logs a response of 400 and above ("Not Found", "Internal Server Error" of a
    returned 500 page) once the middleware chain has returned: outside the request, where
    its breadcrumb would join the process-wide scope and show in later, unrelated reports.
    Such a record's breadcrumb is taken out again (it belongs to its request or nowhere);
    the record itself goes on to the handlers unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        crumb = record.__dict__.get(RECORD_ATTRIBUTE)
        request = record.__dict__.get("request")
        if crumb is not None and isinstance(request, HttpRequest) and _ours(request) is None:
            with swallow("django request record"):
                _drop(current_scope().breadcrumbs, crumb)
        return True


def _drop(ring: Any, crumb: Breadcrumb) -> None:
    for index in range(len(ring) - 1, -1, -1):  # the newest first: it was just added
        if ring[index] is crumb:
            del ring[index]
            return


REQUEST_RECORDS = RequestRecordsFilter()


def _after(middleware: ErrorwireMiddleware, request: HttpRequest, response: Any) -> None:
    """Look closer only at a 5xx (a noted exception to report) or a streaming response."""
    try:
        done = response.status_code < 500 and not response.streaming
    except Exception:  # not an HttpResponse: let _finish look closer
        done = False
    if not done:
        _finish(middleware, request, response)


def _finish(middleware: ErrorwireMiddleware, request: HttpRequest, response: Any) -> None:
    with swallow("django response"):
        status = getattr(response, "status_code", None)
        noted = request.__dict__.pop(NOTED_ATTRIBUTE, None)
        server_error = isinstance(status, int) and status >= 500
        if noted is not None and server_error and not already_reported(noted):
            scope = _in_request(request, middleware).state()
            scope.response_status = status
            with use_scope(scope):  # a page made by a middleware: Django sent no signal
                middleware.report(noted)
        if getattr(response, "streaming", False):
            _report_streaming_errors(response, _in_request(request, middleware), middleware.report)


def _on_got_request_exception(sender: Any, request: Optional[HttpRequest] = None, **_: Any) -> None:
    with swallow("django got_request_exception"):  # a receiver that raises breaks Django
        exc = sys.exc_info()[1]
        if exc is None:
            return
        ours = _ours(request)
        if ours is not None:
            current_scope().response_status = 500  # inside the request: ours
            ours.report(exc)
            return
        # Raised outside our middleware (one listed before it): a scope just for the report.
        builder = (lambda: build_request(request)) if request is not None else None
        with request_scope(FRAMEWORK, builder) as scope:
            if request is not None:
                scope.person_loader = lambda: load_person(request)
            scope.response_status = 500
            report_unhandled(exc)


def _report_streaming_errors(
    response: Any, marked: InRequest, report: Callable[[BaseException], None]
) -> None:
    if getattr(response, "file_to_stream", None) is not None:
        return  # FileResponse: the server's wsgi.file_wrapper sends the file itself
    content = response.streaming_content
    if getattr(response, "is_async", False):
        response.streaming_content = report_streamed_async(content, marked, report)
    else:
        response.streaming_content = report_streamed(content, marked, report)


__all__: List[str] = ["FILTERED", "ErrorwireMiddleware"]
