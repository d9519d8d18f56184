"""Pyramid: ``config.include("errorwire.integrations.pyramid")``.

``includeme`` adds a tween over Pyramid's exception view tween (``EXCVIEW``), so it
sees every request after Pyramid made its ``Request`` and before the app's tweens
and views run. Per request it marks the context as inside the request (``set_person``
and breadcrumbs belong to it) and keeps a capped copy of the body the app reads. It
reports:

- an exception that leaves the exception view tween (no exception view answers
  it: the server answers 500), re-raised unchanged;
- an exception an exception view answered with a status of 500 or more (the app's
  own error page; ``request.exception``): Pyramid's HTTP exceptions below 500
  (``HTTPNotFound``, a predicate mismatch, ``HTTPForbidden``) are answers, not reported;
- an error while the server iterates a streamed ``app_iter``.

A second tween, under EXCVIEW, notes the ``__context__`` of what a view raised: EXCVIEW
re-raises an exception no exception view answers inside the handling of its own lookup's
``HTTPNotFound``, which Python makes the exception's context; errorwire puts the app's
own context back before reporting, so the chain is the app's.

The matched route's pattern (``/items/{item_id}``) is the report's context, its
``matchdict`` the route parameters; ``request.authenticated_userid`` (the app's
security policy) becomes the person, read only when an error is reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from errorwire.integrations import needs

with needs(__name__, "Pyramid"):
    from pyramid.tweens import EXCVIEW

from errorwire.core.context import RequestState, enter_request, exit_request, mark_request
from errorwire.core.event import Person
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request_copy import RequestCopy
from errorwire.core.safety import swallow
from errorwire.integrations.base import plain_params
from errorwire.integrations.wsgi import (
    ReportingIterable,
    copy_body,
    copy_from_environ,
    current_client,
    is_plain_body,
    report_in,
    state_in,
)
from errorwire.release import sessions

if TYPE_CHECKING:  # annotations only
    from errorwire.core.context import InRequest

__all__ = ["includeme"]

FRAMEWORK = "pyramid"
TWEEN = "errorwire.integrations.pyramid.tween_factory"
NOTE_TWEEN = "errorwire.integrations.pyramid.context_note_factory"
CONTEXT_KEY = "errorwire.pyramid.context"
"""The exception a view raised and the ``__context__`` it had, before EXCVIEW saw it."""


def includeme(config: Any) -> None:
    """``config.include("errorwire.integrations.pyramid")``: errorwire's tween over EXCVIEW."""
    current_client()  # init() from the environment now, if the user has not
    config.add_tween(TWEEN, over=EXCVIEW)
    config.add_tween(NOTE_TWEEN, under=EXCVIEW)


class PyramidRequests:
    """The ``RequestSource`` of Pyramid requests: ``InRequest(PYRAMID, request, environ)``."""

    @staticmethod
    def state_of(marked: InRequest) -> RequestState:
        request, environ = marked.handle, marked.origin
        return state_in(environ, lambda: _new_scope(request, environ))


PYRAMID = PyramidRequests()


def _new_scope(request: Any, environ: Dict[str, Any]) -> RequestState:
    scope = RequestState(FRAMEWORK, lambda: _request_block(request, environ))
    scope.person_loader = lambda: _person(request)
    return scope


def tween_factory(handler: Callable[[Any], Any], registry: Any) -> Callable[[Any], Any]:
    def errorwire_tween(request: Any) -> Any:
        environ: Dict[str, Any] = request.environ
        marked = mark_request((PYRAMID, request, environ))
        token = enter_request(marked)
        sessions.start_session(None)  # Bugsnag's session count: one C call (release/sessions.py)
        try:
            if environ.get("CONTENT_LENGTH") or "HTTP_TRANSFER_ENCODING" in environ:
                copy_body(environ)
            response = handler(request)
        except BaseException as exc:  # no exception view answered it: the server's 500
            if not isinstance(exc, NOT_APP_ERRORS):
                _restore_context(exc, environ)
                report_in(marked, exc, status=500)
            raise
        finally:
            exit_request(token)
        _after(request, response, marked)
        return response

    return errorwire_tween


def context_note_factory(handler: Callable[[Any], Any], registry: Any) -> Callable[[Any], Any]:
    """Under EXCVIEW: notes the ``__context__`` of what a view raised. When no exception
    view answers it, EXCVIEW re-raises it while handling the ``HTTPNotFound`` of its own
    lookup, and Python makes that lookup the exception's ``__context__``."""

    def errorwire_context_note(request: Any) -> Any:
        try:
            return handler(request)
        except BaseException as exc:
            request.environ[CONTEXT_KEY] = (exc, exc.__context__)
            raise

    return errorwire_context_note


def _restore_context(exc: BaseException, environ: Dict[str, Any]) -> None:
    """The exception as the app raised it: without EXCVIEW's lookup as its context."""
    noted = environ.pop(CONTEXT_KEY, None)
    if noted is not None and noted[0] is exc and exc.__context__ is not noted[1]:
        exc.__context__ = noted[1]


def _after(request: Any, response: Any, marked: InRequest) -> None:
    """Look closer only at an exception view's 5xx and at a streamed body."""
    with swallow("pyramid response"):
        exception = getattr(request, "exception", None)  # set when an exception view answered
        status = response.status_int
        if isinstance(exception, BaseException) and status >= 500:
            report_in(marked, exception, status=status)
        app_iter = response.app_iter
        if not is_plain_body(app_iter, request.environ):
            length = response.content_length  # WebOb forgets it when app_iter is set
            response.app_iter = ReportingIterable(app_iter, marked)
            if length is not None:
                response.content_length = length


def _request_block(request: Any, environ: Dict[str, Any]) -> RequestCopy:
    fields: Dict[str, Any] = {}
    with swallow("pyramid route"):
        route = getattr(request, "matched_route", None)
        if route is not None:
            fields["route"] = route.pattern
            fields["route_params"] = plain_params(request.matchdict or {})
    return copy_from_environ(environ, **fields)


def _person(request: Any) -> Optional[Person]:
    try:
        userid = request.authenticated_userid
    except Exception:  # the app's security policy failing: no person, still a report
        return None
    if userid is None or userid == "":
        return None
    return Person(id=str(userid))
