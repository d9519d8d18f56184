"""Bottle: ``app.install(errorwire.integrations.bottle.ErrorwirePlugin())``.

Bottle turns a route's exception into its own 500 page (or the app's ``@app.error(500)``
page), so no WSGI wrapper sees it. The plugin wraps each route's callback: per request
it marks the context as inside the request (``set_person`` and breadcrumbs belong to
it), keeps a capped copy of the body the app reads, reports what the callback raises
and re-raises it unchanged, for Bottle to answer as it would. ``abort(404)`` and other
``HTTPError``/``HTTPResponse`` answers below 500 are not reported, 500 and above are. A
body the callback returns as a generator is reported while Bottle and the server
iterate it. Errors outside route callbacks (``before_request`` hooks) pass no plugin;
what such a hook sets (``set_person``, breadcrumbs) belongs to its request all the same:
``setup`` wraps the app's own ``wsgi`` (an instance attribute, this app only), which marks
the context for the whole of Bottle's handling.

The route's rule (``/items/<item_id:int>``) is the report's context, its URL arguments
the route parameters; the user of HTTP authentication (``request.auth``, the server's
``REMOTE_USER`` or Basic auth) becomes the person.
"""

from __future__ import annotations

from types import GeneratorType
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from errorwire.integrations import needs

with needs(__name__, "Bottle"):
    import bottle

from errorwire.core.context import RequestState, enter_request, exit_request, mark_request
from errorwire.core.event import Person
from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.request_copy import RequestCopy
from errorwire.integrations.base import plain_params
from errorwire.integrations.wsgi import (
    ReportingIterable,
    copy_body,
    copy_from_environ,
    current_client,
    report_in,
    state_in,
)
from errorwire.release import sessions

if TYPE_CHECKING:  # annotations only
    from errorwire.core.context import InRequest

__all__ = ["ErrorwirePlugin"]

FRAMEWORK = "bottle"


INSTALLED = "__errorwire_marking__"


class BottleRequests:
    """The ``RequestSource`` of Bottle requests: ``InRequest(BOTTLE, environ)``."""

    @staticmethod
    def state_of(marked: InRequest) -> RequestState:
        environ: Dict[str, Any] = marked.handle
        return state_in(environ, lambda: _new_scope(environ))


BOTTLE = BottleRequests()


def _new_scope(environ: Dict[str, Any]) -> RequestState:
    scope = RequestState(FRAMEWORK, lambda: _request_block(environ))
    scope.person_loader = lambda: _person(environ)
    return scope


def _marking(wsgi: Callable[..., Any]) -> Callable[..., Any]:
    """The app's ``wsgi`` with the context marked as inside the request throughout: its
    ``before_request`` / ``after_request`` hooks and error pages belong to the request."""

    def errorwire_wsgi(environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
        token = enter_request(mark_request((BOTTLE, environ, None)))
        sessions.start_session(None)  # Bugsnag's session count: one C call (release/sessions.py)
        try:
            if environ.get("CONTENT_LENGTH") or "HTTP_TRANSFER_ENCODING" in environ:
                copy_body(environ)
            return wsgi(environ, start_response)
        finally:
            exit_request(token)

    setattr(errorwire_wsgi, INSTALLED, True)
    return errorwire_wsgi


class ErrorwirePlugin:
    """A Bottle plugin (API 2); configuration comes from ``errorwire.init``."""

    name = "errorwire"
    api = 2

    def setup(self, app: Any) -> None:
        current_client()  # init() from the environment now, if the user has not
        if not getattr(app.wsgi, INSTALLED, False):  # an instance attribute: this app only
            app.wsgi = _marking(app.wsgi)

    def apply(self, callback: Callable[..., Any], route: Any) -> Callable[..., Any]:
        def errorwire_callback(*args: Any, **kwargs: Any) -> Any:
            environ: Dict[str, Any] = bottle.request.environ
            marked = mark_request((BOTTLE, environ, None))
            token = enter_request(marked)  # the app's wsgi marked it too, unless it was bypassed
            try:
                result = callback(*args, **kwargs)
            except bottle.HTTPResponse as answer:  # abort(), redirect(), HTTPError
                if answer.status_code >= 500:
                    report_in(marked, answer, status=answer.status_code)
                raise
            except BaseException as exc:
                if not isinstance(exc, NOT_APP_ERRORS):
                    report_in(marked, exc, status=500)
                raise
            finally:
                exit_request(token)
            if result.__class__ is GeneratorType:
                return ReportingIterable(result, marked)
            return result

        return errorwire_callback


def _request_block(environ: Dict[str, Any]) -> RequestCopy:
    route = environ.get("bottle.route")  # set by Bottle once the URL matched
    if route is None:
        return copy_from_environ(environ)
    params = plain_params(environ.get("route.url_args") or {})
    return copy_from_environ(environ, route=str(route.rule), route_params=params)


def _person(environ: Dict[str, Any]) -> Optional[Person]:
    try:
        auth = bottle.BaseRequest(environ).auth
    except Exception:  # a malformed Authorization header: no person, still a report
        return None
    user = auth[0] if auth else None
    return Person(id=str(user), username=str(user)) if user else None
