"""Tornado 6: ``errorwire.integrations.tornado.Errorwire(app)`` on a ``tornado.web.Application``.

Tornado turns a handler's exception into an error page itself, after calling the
handler's ``log_exception`` with it (HTTP handlers and websocket callbacks alike).
``Errorwire(app)`` takes over the app's ``get_handler_delegate`` (the one place where
Tornado picks the handler class of a request, routed or not): each handler it makes
gets, on the instance only, a ``log_exception`` that reports and then calls the one
it had (Tornado's log line, or the app's own override, stays). Nothing is patched
on Tornado's classes, and other apps in the process are untouched.

Per request the context is marked while Tornado starts the handler's task (which
copies it), so ``set_person`` and breadcrumbs belong to the request. Tornado's
``HTTPError`` below 500 (404, 405, a missing argument's 400) is an answer, not
reported; 500 and above is. The report's request block is read from Tornado's
request: its body and the form / files Tornado parsed (Tornado reads every body
before the handler runs), the client IP as Tornado sees it (``xheaders``). The
route is the pattern of the app's rule that matched (``/items/([0-9]+)``); the
person is the handler's ``current_user``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from errorwire.integrations import needs

with needs(__name__, "Tornado"):
    import tornado.web
    from tornado.routing import PathMatches, Rule, RuleRouter

from errorwire.core.client import Client
from errorwire.core.context import RequestState, enter_request, exit_request, mark_request
from errorwire.core.event import Person
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request import body_copy, joined_headers, uploads_in_memory
from errorwire.core.request_copy import RequestCopy
from errorwire.core.safety import swallow
from errorwire.integrations.base import HoldsClient, copy_request, plain_params
from errorwire.integrations.people import person_of
from errorwire.integrations.wsgi import current_client, report_in
from errorwire.release import sessions

if TYPE_CHECKING:  # annotations only
    from errorwire.core.context import InRequest

__all__ = ["Errorwire"]

FRAMEWORK = "tornado"
INSTALLED = "_errorwire_installed"
STATE_ATTRIBUTE = "_errorwire_scope"


class Errorwire(HoldsClient):
    """``Errorwire(app)``: report the unhandled errors of a ``tornado.web.Application``,
    to the client it resolves at its first request and holds."""

    def __init__(self, app: tornado.web.Application) -> None:
        self.app = app
        current_client()  # init() from the environment now, if the user has not
        if getattr(app, INSTALLED, False):
            return
        setattr(app, INSTALLED, True)
        target: Any = app  # an instance attribute: this app only
        target.get_handler_delegate = _delegating(app.get_handler_delegate, self)


class TornadoRequests:
    """The ``RequestSource`` of Tornado requests: ``InRequest(TORNADO, handler, errorwire)``
    (the app's ``Errorwire``, which holds the client)."""

    @staticmethod
    def state_of(marked: InRequest) -> RequestState:
        """The request's RequestState, made on first use and kept on the handler."""
        handler: tornado.web.RequestHandler = marked.handle
        scope: Optional[RequestState] = handler.__dict__.get(STATE_ATTRIBUTE)
        if scope is None:
            held: HoldsClient = marked.origin
            scope = RequestState(FRAMEWORK, lambda: _request_copy(handler, held.client()))
            scope.person_loader = lambda: _person(handler)
            scope = handler.__dict__.setdefault(STATE_ATTRIBUTE, scope)
        return scope


TORNADO = TornadoRequests()


def _delegating(original: Callable[..., Any], held: HoldsClient) -> Callable[..., Any]:
    def get_handler_delegate(request: Any, target_class: Any, *args: Any, **kwargs: Any) -> Any:
        delegate = original(request, target_class, *args, **kwargs)
        with swallow("tornado handler delegate"):
            _watch(delegate, held)
        return delegate

    return get_handler_delegate


def _watch(delegate: Any, held: HoldsClient) -> None:
    """Make the delegate's handler report its errors, and mark the context while its
    task starts (the task keeps a copy of the context; the connection's own does not)."""
    handler_class = delegate.handler_class
    execute = delegate.execute
    tokens: List[Any] = []

    def make_handler(*args: Any, **kwargs: Any) -> Any:
        handler = handler_class(*args, **kwargs)
        with swallow("tornado handler"):
            handler.log_exception = _reporting(handler, handler.log_exception, held)
            tokens.append(enter_request(mark_request((TORNADO, handler, held))))
            sessions.start_session(None)  # Bugsnag's session count: one C call
        return handler

    def execute_marked() -> Any:
        try:
            return execute()
        finally:
            while tokens:
                exit_request(tokens.pop())

    # After the delegate was made: Tornado reads the class itself there (streamed bodies).
    delegate.handler_class = make_handler
    delegate.execute = execute_marked


def _reporting(
    handler: Any, log_exception: Callable[..., None], held: HoldsClient
) -> Callable[..., None]:
    def log_and_report(typ: Any, value: Optional[BaseException], tb: Any) -> None:
        if value is not None:
            with swallow("tornado report"):
                status = _status(value)
                if status is not None:
                    marked = mark_request((TORNADO, handler, held))
                    report_in(marked, value, status, held.report)
        log_exception(typ, value, tb)

    return log_and_report


def _status(exc: BaseException) -> Optional[int]:
    """The status Tornado answers ``exc`` with, if it is to be reported."""
    if isinstance(exc, NOT_APP_ERRORS):  # a websocket task cancelled as its socket closes
        return None
    if isinstance(exc, tornado.web.HTTPError):
        return exc.status_code if exc.status_code >= 500 else None
    return 500


def _request_copy(handler: Any, client: Optional[Client]) -> RequestCopy:
    """Copies, on the loop, of what Tornado knows of the request; built on the worker
    (``client``'s body and IP header options)."""
    request = handler.request
    fields: Dict[str, Any] = {
        "url": request.full_url(),
        "method": request.method or "GET",
        "headers": joined_headers(request.headers.get_all()),
        "query_string": request.query,
        "peer": request.remote_ip,
        "route": None,
        "route_params": {},
    }
    with swallow("tornado route"):
        fields["route"], fields["route_params"] = _route(handler)
    return copy_request(fields, client, lambda limit: _body_fields(request, limit))


def _body_fields(request: Any, limit: int) -> Dict[str, Any]:
    """Tornado has read the whole body (and parsed a form) before the handler ran."""
    files = getattr(request, "files", None) or {}
    if not files:
        copy = body_copy(request.body, limit)
        return {} if copy is None else {"body": copy}
    # multipart: the fields and the files' names and sizes, never their contents
    return {
        "files": uploads_in_memory(files, filename="filename", content_type="content_type"),
        "form": _form(request.body_arguments),
    }


def _form(arguments: Dict[str, List[bytes]]) -> Dict[str, Any]:
    form: Dict[str, Any] = {}
    for name, values in arguments.items():
        texts = [v.decode("utf-8", "replace") for v in values]
        form[name] = texts[0] if len(texts) == 1 else texts
    return form


def _route(handler: Any) -> Tuple[Optional[str], Dict[str, Any]]:
    """The pattern of the app's rule that matched this request (found again, on error)."""
    request = handler.request
    rule = _matching_rule(handler.application.default_router, request)
    if rule is None:
        return None, {}
    pattern = rule.matcher.regex.pattern
    template = pattern[:-1] if pattern.endswith("$") else pattern
    params = {str(k): v for k, v in (handler.path_kwargs or {}).items()}
    params.update({str(i): v for i, v in enumerate(handler.path_args or ())})
    return template, plain_params(params)


def _matching_rule(router: Any, request: Any) -> Optional[Rule]:
    for rule in getattr(router, "rules", ()):
        if rule.matcher.match(request) is None:
            continue
        if isinstance(rule.target, RuleRouter):
            inner = _matching_rule(rule.target, request)
            if inner is not None:
                return inner
            continue
        if isinstance(rule.matcher, PathMatches):
            return rule
    return None


def _person(handler: Any) -> Optional[Person]:
    """The handler's ``current_user`` (``get_current_user``, or what ``prepare`` set)."""
    try:
        user = handler.current_user
    except Exception:  # the app's get_current_user failing: no person, still a report
        return None
    if isinstance(user, bytes):
        user = user.decode("utf-8", "replace")
    if isinstance(user, str):
        return Person(id=user, username=user) if user else None
    return person_of(user)
