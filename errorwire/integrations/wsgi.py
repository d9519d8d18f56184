"""Plain WSGI: ``app = errorwire.integrations.wsgi.ErrorwireMiddleware(app)``.

Reports exceptions raised by the app call, while the server iterates the
response, and by the response's ``close()``; each is re-raised unchanged. The
request block is built from the environ only when an error is reported; the body
is whatever the app itself read from ``wsgi.input`` (a capped copy, never read
for it).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional

from errorwire import api
from errorwire.core.client import Client
from errorwire.core.context import Scope, activate, deactivate
from errorwire.core.event import Request
from errorwire.core.request import DEFAULT_IP_HEADERS, BodyCapture
from errorwire.core.safety import swallow
from errorwire.integrations.wsgi_environ import request_from_environ
from errorwire.integrations.wsgi_input import tee_input

WSGIApp = Callable[[Dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def current_client() -> Optional[Client]:
    """The configured client (``init()`` from the environment if none); None if that fails."""
    client = api.get_client()
    if client is not None:
        return client
    with swallow("init from the environment"):
        return api.ensure_client()
    return None


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


def report_unhandled(exc: BaseException) -> None:
    """Report ``exc`` as unhandled in the current scope; once per exception object."""
    client = current_client()
    if client is not None:
        client.capture_exception(exc, handled=False)


class ErrorwireMiddleware:
    """Wrap a WSGI app; its behaviour (status, headers, body, exceptions) is unchanged."""

    framework = "wsgi"

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        current_client()  # init() from the environment now, if the user has not

    def build_request(self, environ: Dict[str, Any], body: Optional[BodyCapture]) -> Request:
        client = current_client()
        ip_headers = client.options.client_ip_headers if client else DEFAULT_IP_HEADERS
        return request_from_environ(environ, body, ip_headers)

    def __call__(
        self, environ: Dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        client = current_client()
        if client is None:
            return self.app(environ, start_response)
        options = client.options
        body: Optional[BodyCapture] = None
        if options.send_request_bodies and _may_have_body(environ):
            with swallow("copy request body"):
                body = tee_input(environ, options.max_request_body)

        def request_builder() -> Request:
            return self.build_request(environ, body)

        scope = Scope(self.framework, request_builder, options.max_breadcrumbs)
        token = activate(scope)
        try:
            result = self.app(environ, _recording_status(scope, start_response))
        except Exception as exc:
            report_unhandled(exc)
            raise
        finally:
            deactivate(token)
        if _needs_no_wrapper(result, environ):
            return result
        return ReportingIterable(result, scope)


def _may_have_body(environ: Dict[str, Any]) -> bool:
    """A Content-Length above 0, or a chunked body (the server then terminates the input)."""
    length = environ.get("CONTENT_LENGTH")
    return bool(length and length != "0") or "HTTP_TRANSFER_ENCODING" in environ


def _recording_status(scope: Scope, start_response: Callable[..., Any]) -> Callable[..., Any]:
    def recording_start_response(status: str, headers: List[Any], *exc_info: Any) -> Any:
        try:  # noqa: SIM105 - per request: try/except costs nothing, suppress() does
            scope.response_status = int(status[:3])
        except (TypeError, ValueError):  # not a status line: the server will say so
            pass
        return start_response(status, headers, *exc_info)

    return recording_start_response


def _needs_no_wrapper(result: Iterable[bytes], environ: Dict[str, Any]) -> bool:
    """Lists cannot fail while iterated; a server's file wrapper must stay itself (sendfile)."""
    if type(result) in (list, tuple):
        return True
    file_wrapper = environ.get("wsgi.file_wrapper")
    return isinstance(file_wrapper, type) and isinstance(result, file_wrapper)


class ReportingIterable:
    """The app's response iterable, reporting what its iteration and ``close()`` raise
    (werkzeug's ClosingIterator shape). The server iterates it after the app call
    returned: the request's scope is made current again while it does, in the
    server's own context (a copied context would break the app's own context vars).

    Iteration runs in a generator: a ``for`` loop ends a generator without raising
    StopIteration through Python frames, which a ``__next__`` method cannot avoid
    (that alone cost several µs per request).
    """

    __slots__ = ("_result", "_scope")

    def __init__(self, result: Iterable[bytes], scope: Scope) -> None:
        self._result = result
        self._scope = scope

    def __iter__(self) -> Iterator[bytes]:
        return self._stream()

    def _stream(self) -> Iterator[bytes]:
        token = activate(self._scope)
        try:
            yield from self._result
        except Exception as exc:
            report_unhandled(exc)
            raise
        finally:
            _deactivate_quietly(token)

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is None:
            return
        token = activate(self._scope)
        try:
            close()
        except Exception as exc:
            report_unhandled(exc)
            raise
        finally:
            deactivate(token)


def _deactivate_quietly(token: Any) -> None:
    """Restore the outer scope; a generator finalised in another context cannot."""
    try:  # noqa: SIM105 - per request: try/except is free, suppress() is not
        deactivate(token)
    except ValueError:
        pass
