"""What the GraphQL integrations (strawberry.py, graphene.py) share: which errors to
report and what a report of one says.

A GraphQL server answers a failing resolver with HTTP 200 and an ``errors`` entry,
so no web integration ever sees the exception: the GraphQL integration reports it,
from the resolver chain (graphql-core's middleware), while the request is current.

- An exception raised in a resolver is reported once, unhandled, with the
  operation name and the failing field path as the report's context
  (``GetOrder: order.lines.1.total``) and the operation's name, type, path and
  variables (scrubbed like every other field) as custom data (``extra.graphql``).
- A ``GraphQLError`` is the app's own answer to the client (a permission denied,
  a not-found), as an HTTP 4xx is for a web framework: not reported. Parse and
  validation errors of the query are GraphQLErrors that never reach a resolver.
"""

from __future__ import annotations

import inspect
import types
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Union

from errorwire.core.client import Client, already_reported
from errorwire.core.context import current_scope
from errorwire.core.safety import swallowed_error

GRAPHQL_ERRORS = ("GraphQLError",)
"""graphql-core's error class (and Strawberry's subclasses): the app's own answer."""

MAX_DEPTH = 6
MAX_ITEMS = 100
Path = List[Union[str, int]]


def reportable(exc: BaseException) -> bool:
    """Not a GraphQLError: those are answers to the client, not failures of the app."""
    return not any(
        cls.__name__ in GRAPHQL_ERRORS and cls.__module__.split(".", 1)[0] == "graphql"
        for cls in type(exc).__mro__
    )


def is_awaitable(value: Any) -> bool:
    """``inspect.isawaitable``, decided once per class of plain values: the check runs for
    every field resolved, and its ABC test costs more than the rest of the wrapper."""
    cls = value.__class__
    if cls in _PLAIN_CLASSES:
        return False
    if inspect.isawaitable(value):
        return True
    if cls is not types.GeneratorType and len(_PLAIN_CLASSES) < 1024:
        _PLAIN_CLASSES.add(cls)  # a generator may be a (legacy) coroutine: never cached
    return False


_PLAIN_CLASSES: Set[type] = set()


def report_resolver_error(exc: BaseException, info: Any, client: Optional[Client]) -> None:
    """Report what a resolver raised, with what graphql-core's ``info`` knows of it, to
    ``client`` (the integration's)."""
    try:
        if not reportable(exc) or already_reported(exc):
            return
        operation = getattr(info, "operation", None)
        report(
            exc,
            operation_name=_name(getattr(operation, "name", None)),
            operation_type=_operation_type(operation),
            path=path_list(getattr(info, "path", None)),
            variables=getattr(info, "variable_values", None),
            client=client,
        )
    except Exception as error:
        swallowed_error("graphql report", error)


def report(
    exc: BaseException,
    *,
    operation_name: Optional[str],
    operation_type: Optional[str],
    path: Optional[Sequence[Union[str, int]]],
    variables: Optional[Mapping[str, Any]],
    client: Optional[Client],
) -> None:
    """Report ``exc`` as unhandled in the current scope to ``client``, its GraphQL position
    as the context (for this report only) and custom data."""
    try:
        if client is None or not reportable(exc) or already_reported(exc):
            return
        steps = list(path or ())
        data: Dict[str, Any] = {
            "operation_name": operation_name,
            "operation_type": operation_type,
            "path": [s if isinstance(s, int) else str(s) for s in steps],
            "variables": plain(dict(variables or {})),
        }
        scope = current_scope()
        saved = scope.context
        scope.context = context_of(operation_name, operation_type, steps)
        try:  # no await in between: another task of this request cannot see the context
            client.capture_exception(exc, handled=False, extra={"graphql": data})
        finally:
            scope.context = saved
    except Exception as error:
        swallowed_error("graphql report", error)


def context_of(
    operation_name: Optional[str], operation_type: Optional[str], path: Sequence[Union[str, int]]
) -> str:
    """``GetOrder: order.lines.1.total``; an anonymous operation is named by its type."""
    operation = operation_name or f"anonymous {operation_type or 'operation'}"
    dotted = ".".join(str(step) for step in path)
    return f"{operation}: {dotted}" if dotted else operation


def path_list(path: Any) -> Path:
    """graphql-core's linked ``Path`` (leaf last) -> ``["order", "lines", 1, "total"]``."""
    steps: Path = []
    while path is not None and len(steps) < 256:
        key = getattr(path, "key", None)
        steps.append(key if isinstance(key, int) else str(key))
        path = getattr(path, "prev", None)
    steps.reverse()
    return steps


def _name(node: Any) -> Optional[str]:
    value = getattr(node, "value", None)
    return value if isinstance(value, str) else None


def _operation_type(operation: Any) -> Optional[str]:
    kind = getattr(operation, "operation", None)
    value = getattr(kind, "value", kind)
    return value if isinstance(value, str) else None


def plain(value: Any, depth: int = 0) -> Any:
    """A copy made of JSON values (others as their repr), taken now: the app may change
    or close what its variables hold (an upload) before the report is built."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if depth >= MAX_DEPTH:
        return "[too deep]"
    if isinstance(value, Mapping):
        items = list(value.items())[:MAX_ITEMS]
        return {str(k): plain(v, depth + 1) for k, v in items}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value[:MAX_ITEMS]]
    try:
        text = repr(value)
    except Exception:
        return "[unrepresentable]"
    return text[:256]
