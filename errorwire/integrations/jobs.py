"""What the job-queue integrations (Celery, RQ...) share: a scope per job, the job's
arguments as custom data and the report of a failed job. Imports no framework.

An integration runs each job in a scope of its own and reports a failure in it::

    with jobs.job_scope(FRAMEWORK, job_name) as scope:
        ...  # the job runs: what it sets (person, tags, context, metadata) is its own
    jobs.report_failure(exc, scope=scope, data_key=FRAMEWORK, data=...)

A job's arguments are copied when it fails, on the worker's thread: the live objects
may change or die once the job is over, and the report is rendered later. The copy
holds plain JSON types (anything else becomes its ``repr``, cut), and a positional
argument whose parameter name is a secret (``charge(card_number, ...)``) is filtered
like a keyword argument of that name; keyword arguments and values are scrubbed with
the rest of the report on errorwire's worker.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from errorwire.api import ensure_client
from errorwire.core.context import Scope, use_scope
from errorwire.core.safety import swallow
from errorwire.core.scrub_rules import FILTERED, KeyMatcher

MAX_DEPTH = 5
MAX_ITEMS = 100
MAX_CHARS = 1024


def copy_value(value: Any, depth: int = 0) -> Any:
    """A bounded, JSON-safe copy of one argument."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value[:MAX_CHARS]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value[:MAX_CHARS]).decode("utf-8", "replace")
    if depth < MAX_DEPTH:
        if isinstance(value, Mapping):
            items = list(value.items())[:MAX_ITEMS]
            return {_text(k): copy_value(v, depth + 1) for k, v in items}
        if isinstance(value, (list, tuple, set, frozenset)):
            return [copy_value(item, depth + 1) for item in list(value)[:MAX_ITEMS]]
    return _text(value)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value[:MAX_CHARS]
    try:
        return repr(value)[:MAX_CHARS]
    except Exception:  # a broken __repr__ of the user's class
        return f"<{type(value).__name__} object>"


def parameter_names(func: Optional[Callable[..., Any]], count: int) -> List[Optional[str]]:
    """The names of ``func``'s first ``count`` positional parameters (None where unknown)."""
    names: List[Optional[str]] = []
    if func is not None:
        with swallow("job signature"):
            try:
                parameters = list(inspect.signature(func).parameters.values())
            except (TypeError, ValueError):  # a builtin or a C callable: no signature
                parameters = []
            for parameter in parameters:
                if parameter.kind == parameter.VAR_POSITIONAL:
                    break
                if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                    names.append(parameter.name)
    return (names + [None] * count)[:count]


def arguments(
    func: Optional[Callable[..., Any]], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> Dict[str, Any]:
    """``{"args": [...], "kwargs": {...}}``: copies, secrets by parameter name filtered."""
    client = ensure_client()
    options = client.options
    positional = [copy_value(value) for value in list(args)[:MAX_ITEMS]]
    if options.scrub:
        keys = KeyMatcher(options.scrub_keys, options.unscrub_keys)
        for i, name in enumerate(parameter_names(func, len(positional))):
            if name is not None and keys.matches(name):
                positional[i] = FILTERED
    return {"args": positional, "kwargs": copy_value(dict(kwargs)) if kwargs else {}}


def job_scope(framework: str, name: Optional[str]) -> use_scope:
    """``with job_scope("dramatiq", "tasks.charge") as scope:`` around one job: a fresh
    scope, its context the job's name, current while the job runs. Nothing set before the
    job (by the worker, or by an earlier job) reaches its report."""
    scope = Scope(framework)
    scope.context = name
    return use_scope(scope)


def report_failure(
    exc: BaseException, *, scope: Scope, data_key: str, data: Mapping[str, Any]
) -> Optional[str]:
    """Report ``exc`` as unhandled in ``scope``, with ``data`` as custom data under
    ``data_key``. The event id, or None when it was not sent (ignored, sampled...)."""
    client = ensure_client()
    with use_scope(scope):
        return client.capture_exception(
            exc, handled=False, extra={data_key: dict(data)}, severity_reason="unhandledException"
        )
