"""Strawberry GraphQL:

    from errorwire.integrations.strawberry import ErrorwireExtension
    strawberry.Schema(query=Query, extensions=[ErrorwireExtension])

Strawberry answers a failing resolver with HTTP 200 and an ``errors`` entry, so no
web integration sees the exception. The extension (Strawberry's own
``SchemaExtension`` API) reports it:

- ``resolve`` wraps each resolver (sync, async): what it raises is reported there,
  before Strawberry logs it (``strawberry.execution``; a LoggingHandler finds it
  reported), with the operation name and field path as the context
  (integrations/graphql.py). Then it goes on to Strawberry unchanged.
- ``on_operation``: without an errorwire web integration around the GraphQL app,
  the operation is the request's scope (``set_person``, breadcrumbs), read from
  the request in Strawberry's context (Starlette's under ``strawberry.asgi``, a
  Django request under ``strawberry.django``). After the operation, errors that
  arose outside resolvers (a scalar's serializer) are reported from the result.

GraphQLErrors (permissions, the app's own answers) and query syntax / validation
errors are not reported. Subscriptions: where Strawberry runs extensions for them (newer
releases), an error of the event stream is reported from its result.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Iterator, Optional

from errorwire.integrations import needs

with needs(__name__, "Strawberry"):
    from strawberry.extensions import SchemaExtension

from errorwire.core.client import Client
from errorwire.core.context import in_request, use_scope
from errorwire.core.safety import swallow
from errorwire.integrations.graphql import is_awaitable, report, report_resolver_error
from errorwire.integrations.graphql_request import new_scope, request_in
from errorwire.integrations.wsgi import current_client

__all__ = ["ErrorwireExtension"]

FRAMEWORK = "strawberry"


class ErrorwireExtension(SchemaExtension):  # type: ignore[misc,unused-ignore]
    """Pass the class (Strawberry makes one per operation), not an instance."""

    def __init__(self, *, execution_context: Any = None) -> None:
        if execution_context is not None:
            self.execution_context = execution_context
        # Held for the operation (init() from the environment now, if the user has not).
        self.client = current_client()

    def on_operation(self) -> Iterator[None]:
        entered: Optional[use_scope] = None
        with swallow("strawberry operation"):
            if in_request() is None:  # no web integration marked this request: the operation is it
                request = request_in(self.execution_context.context)
                entered = use_scope(new_scope(request, FRAMEWORK, self.client))
                entered.__enter__()
        try:
            yield
            with swallow("strawberry result"):
                self._report_result_errors()
        finally:
            if entered is not None:
                with swallow("strawberry operation end"):
                    entered.__exit__(None, None, None)

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        try:
            result = _next(root, info, *args, **kwargs)
        except BaseException as exc:
            report_resolver_error(exc, info, self.client)
            raise
        if is_awaitable(result):
            return _reporting(result, info, self.client)
        return result

    def _report_result_errors(self) -> None:
        """Errors not raised by a resolver (serializing a value): reported from the result."""
        context = self.execution_context
        result = getattr(context, "result", None)
        errors = getattr(result, "errors", None) or ()
        variables = context.variables
        for error in errors:
            original = getattr(error, "original_error", None)
            if original is None:  # a parse or validation error, or a GraphQLError raised
                continue
            report(
                original,
                operation_name=context.operation_name,
                operation_type=_operation_type(context),
                path=getattr(error, "path", None),
                variables=variables,
                client=self.client,
            )


async def _reporting(result: Awaitable[Any], info: Any, client: Optional[Client]) -> Any:
    try:
        return await result
    except BaseException as exc:
        report_resolver_error(exc, info, client)
        raise


def _operation_type(context: Any) -> Optional[str]:
    try:
        kind = context.operation_type
    except Exception:  # no operation in the document
        return None
    value = getattr(kind, "value", kind)
    return value if isinstance(value, str) else None
