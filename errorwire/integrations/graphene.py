"""Graphene:

    schema.execute(query, middleware=[errorwire.integrations.graphene.ErrorwireMiddleware()])

or ``GraphQLView.as_view(middleware=[...])`` / ``GRAPHENE = {"MIDDLEWARE": [...]}`` in
graphene-django.

Graphene answers a failing resolver with an ``errors`` entry (HTTP 200 in
graphene-django), so no web integration sees the exception. This graphql-core
middleware (Graphene's own extension point) wraps each resolver, sync or async,
reports what it raises with the operation name and field path as the context
(integrations/graphql.py), and re-raises it unchanged. GraphQLErrors (the app's
own answers) and query syntax / validation errors are not reported.

With errorwire's Django (or WSGI, ASGI, Flask) integration around the view, the
report belongs to its request. Without, the request in Graphene's context
(graphene-django's request itself, a WSGI environ, ``context["request"]``) is
marked around each resolver, so ``set_person`` and breadcrumbs of one request stay
with it, and its request block and user (``request.user``) go with the report.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional, Tuple

from errorwire.integrations import needs

with needs(__name__, "Graphene"):
    import graphene  # noqa: F401 - only to fail early with a clear message

from errorwire.core.context import (
    InRequest,
    RequestState,
    enter_request,
    exit_request,
    in_request,
    mark_request,
)
from errorwire.integrations.base import HoldsClient
from errorwire.integrations.graphql import is_awaitable, report_resolver_error
from errorwire.integrations.graphql_request import request_in, scope_kept_in
from errorwire.integrations.wsgi import current_client

__all__ = ["ErrorwireMiddleware"]

FRAMEWORK = "graphene"


class ErrorwireMiddleware(HoldsClient):
    """One instance may serve every request (its state is per request, on the context).
    It holds its client (a second ``init()`` closing it hands over to the new one) and
    is the ``RequestSource`` of the web requests it finds in Graphene's contexts."""

    def __init__(self) -> None:
        self._last: Tuple[Any, Optional[InRequest]] = (None, None)
        """The last context seen and its marker: every field of a request has the same
        (finding the request in it again for each field cost more than the rest)."""
        current_client()  # init() from the environment now, if the user has not

    def resolve(self, next: Callable[..., Any], root: Any, info: Any, **args: Any) -> Any:
        marker = None
        if in_request() is None:
            last = self._last  # one tuple, read and replaced whole: safe across threads
            context = info.context
            if last[0] is context and context is not None:
                marker = last[1]
            else:
                marker = self._marker_for(context)
                self._last = (context, marker)
        token = enter_request(marker) if marker is not None else None
        try:
            result = next(root, info, **args)
        except BaseException as exc:
            report_resolver_error(exc, info, self.client())
            raise
        finally:
            if token is not None:
                exit_request(token)
        if is_awaitable(result):
            return self._reporting(result, info, marker)
        return result

    async def _reporting(
        self, result: Awaitable[Any], info: Any, marker: Optional[InRequest]
    ) -> Any:
        token = enter_request(marker) if marker is not None else None
        try:
            return await result
        except BaseException as exc:
            report_resolver_error(exc, info, self.client())
            raise
        finally:
            if token is not None:
                exit_request(token)

    def state_of(self, marked: InRequest) -> RequestState:
        """The request's RequestState, made on first use and kept on the request."""
        return scope_kept_in(marked.handle, FRAMEWORK, self.client())

    def _marker_for(self, context: Any) -> Optional[InRequest]:
        """The request in Graphene's context, to mark as current; none found: nothing marked."""
        request = request_in(context)
        return None if request is None else mark_request((self, request, None))
