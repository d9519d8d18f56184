"""Plain WSGI: ``app = errorwire.integrations.wsgi.ErrorwireMiddleware(app)``.

Reports exceptions raised by the app call, while the server iterates the
response, and by the response's ``close()``; each is re-raised unchanged. The
request block is built from the environ only when an error is reported; the body
is whatever the app itself read from ``wsgi.input`` (a capped copy, never read
for it).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, Mapping, Optional

from errorwire import api
from errorwire.core.client import Client
from errorwire.core.context import (
    InRequest,
    RequestState,
    current_scope,
    enter_request,
    exit_request,
    mark_request,
)
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request import DEFAULT_IP_HEADERS, BodyCapture
from errorwire.core.request_copy import RequestCopy, plain_environ
from errorwire.core.safety import swallow
from errorwire.integrations.base import (
    END_OF_BODY,
    HoldsClient,
    current_client,
    report_in,
    report_streamed,
    report_unhandled,
)
from errorwire.integrations.wsgi_input import ENVIRON_KEY, tee_input
from errorwire.release import sessions

__all__ = [
    "END_OF_BODY",  # the rest of this list is kept here for the integrations built on WSGI
    "STATE_KEY",
    "ErrorwireMiddleware",
    "ReportingIterable",
    "copy_body",
    "copy_from_environ",
    "current_client",
    "init_from",
    "is_plain_body",
    "report_in",
    "report_unhandled",
    "state_in",
]

WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def init_from(framework_options: Optional[Mapping[str, Any]]) -> None:
    """``init(**framework_options)`` unless the user initialised errorwire already.

    Options given in the framework's settings are the user's own configuration: a bad
    one raises ConfigError at startup, as ``init`` does. Without them, the environment
    is read, and a failure there is logged and counted, never raised into the app.
    """
    if framework_options:
        api.ensure_client(**dict(framework_options))
    else:
        current_client()


STATE_KEY = "errorwire.scope"
"""Where a request's RequestState is kept in its WSGI environ, once something needs it."""


def state_in(environ: Dict[str, Any], make: Callable[[], RequestState]) -> RequestState:
    """The RequestState kept in ``environ``; ``make()`` makes it the first time."""
    scope = environ.get(STATE_KEY)
    if scope is None:
        scope = environ.setdefault(STATE_KEY, make())
    return scope  # type: ignore[no-any-return]


class ErrorwireMiddleware(HoldsClient):
    """Wrap a WSGI app; its behaviour (status, headers, body, exceptions) is unchanged.

    Per request it only marks the context as inside this environ's request (no
    RequestState, no closures): the RequestState, the request block and the person are made
    when something asks for them, from the environ (``state_of``: the middleware
    is the requests' ``RequestSource``).
    """

    framework = "wsgi"

    def __init__(self, app: WSGIApp, client: Optional[Client] = None) -> None:
        """``client``: the app's own for these requests' reports (default: the configured one)."""
        self.app = app
        self.hold(client)
        if client is None:
            current_client()  # init() from the environment now, if the user has not

    def state_of(self, request: InRequest) -> RequestState:
        """The RequestState of ``request`` (made on first use, kept in its environ)."""
        environ: Dict[str, Any] = request.handle
        return state_in(environ, lambda: RequestState(self.framework, lambda: self._copy(environ)))

    def __call__(
        self, environ: Dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = mark_request((self, environ, None))
        token = enter_request(request)
        sessions.start_session(None)  # Bugsnag's session count: one C call (release/sessions.py)
        try:
            if environ.get("CONTENT_LENGTH") or "HTTP_TRANSFER_ENCODING" in environ:
                copy_body(environ, self.client())
            result = self.app(environ, start_response)
        except BaseException as exc:
            if not isinstance(exc, NOT_APP_ERRORS):
                self._report_app_error(exc)
            raise
        finally:
            exit_request(token)
        if is_plain_body(result, environ):
            return result
        return ReportingIterable(result, request, self.report)

    def _copy(self, environ: Dict[str, Any]) -> RequestCopy:
        return copy_from_environ(environ, client=self.client())

    def _report_app_error(self, exc: BaseException) -> None:
        """What the app call raised: the server answers 500 (we are still inside the request)."""
        with swallow("wsgi report"):
            current_scope().response_status = 500
            self.report(exc)


def copy_from_environ(
    environ: Mapping[str, Any], *, client: Optional[Client] = None, **framework_fields: Any
) -> RequestCopy:
    """The request's fields: the environ's plain entries, errorwire's copy of the body and
    ``framework_fields`` (``RequestCopy``'s: route, route_params, url, body, form, files).
    ``client``: the middleware's (else the configured one), for its trusted IP headers."""
    capture = environ.get(ENVIRON_KEY)
    if client is None:
        client = current_client()
    return RequestCopy(
        environ=plain_environ(environ),
        capture=capture if capture.__class__ is BodyCapture else None,
        ip_headers=client.options.client_ip_headers if client else DEFAULT_IP_HEADERS,
        **framework_fields,
    )


def copy_body(environ: Dict[str, Any], client: Optional[Client] = None) -> None:
    """Tee ``wsgi.input`` when a body may come: a Content-Length above 0, or chunked.
    ``client``: the middleware's (else the configured one)."""
    if environ.get("CONTENT_LENGTH") == "0" and "HTTP_TRANSFER_ENCODING" not in environ:
        return
    if client is None:
        client = current_client()
    if client is None or not client.options.send_request_bodies:
        return
    with swallow("copy request body"):
        tee_input(environ, client.options.max_request_body)


def is_plain_body(result: Iterable[bytes], environ: Mapping[str, Any]) -> bool:
    """A body to hand back as it is: a list or tuple cannot fail while iterated, and
    the server's own file wrapper must stay itself (sendfile)."""
    if result.__class__ is list or result.__class__ is tuple:
        return True
    file_wrapper = environ.get("wsgi.file_wrapper")
    return (
        file_wrapper is not None
        and isinstance(file_wrapper, type)
        and isinstance(result, file_wrapper)
    )


class ReportingIterable:
    """The app's response iterable, reporting what its iteration and ``close()`` raise
    (werkzeug's ClosingIterator shape). The server iterates it after the app call
    returned: the request is made current again while it does, in the server's own
    context (a copied context would break the app's own context vars).

    Iteration runs in a generator: its caller's ``for`` loop ends it without raising
    StopIteration through Python frames, which a ``__next__`` method cannot avoid
    (that alone cost several µs per request).
    """

    __slots__ = ("_reporter", "_request", "_result")

    def __init__(
        self,
        result: Iterable[bytes],
        request: InRequest,
        reporter: Callable[[BaseException], None] = report_unhandled,
    ) -> None:
        self._result = result
        self._request = request
        self._reporter = reporter

    def __iter__(self) -> Iterator[bytes]:
        return report_streamed(self._result, self._request, self._reporter)

    def in_request(self) -> InRequest:
        """The request this body belongs to (made current for a report)."""
        return self._request

    def close(self) -> None:
        result = self._result
        if hasattr(result, "close"):
            try:
                result.close()
            except BaseException as exc:
                if not isinstance(exc, NOT_APP_ERRORS):
                    report_in(self.in_request(), exc, reporter=self._reporter)
                raise
