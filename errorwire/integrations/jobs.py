"""What the job-queue integrations (Celery, RQ, Dramatiq, Huey, arq) share: a scope per
job, the job's arguments as custom data, the report of a failed job and the flush at
shutdown. Imports no framework.

An integration runs each job in a scope of its own and reports a failure in it::

    with jobs.job_scope(FRAMEWORK, job_name) as scope:
        ...  # the job runs: what it sets (person, tags, context, metadata) is its own
    jobs.report_failure(exc, client=self.client(), scope=scope, data_key=FRAMEWORK, data=...)

(``RunningJobs`` does the same for workers that start and end a job in two hooks.) An
integration holds its client (``HeldClient``): resolved at its first use in the worker's
process, never looked up again when a job fails.

A job's arguments are copied when it fails, on the worker's thread: the live objects
may change or die once the job is over, and the report is rendered later. The copy
holds plain JSON types (anything else becomes its ``repr``, cut), and a positional
argument whose parameter name is a secret (``charge(card_number, ...)``) is filtered
like a keyword argument of that name; keyword arguments and values are scrubbed with
the rest of the report on errorwire's worker.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from errorwire.api import get_client
from errorwire.core.client import Client
from errorwire.core.context import RequestState, use_scope
from errorwire.core.safety import swallow
from errorwire.core.scrub_rules import FILTERED, KeyMatcher
from errorwire.integrations import base
from errorwire.release import sessions

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


class HeldClient(base.HeldClient):
    """A job integration's client (``base.HeldClient``): resolved at the integration's
    first use in the worker's process (after a fork) and held, so its jobs' reports are
    made with the options they ran with; a second ``init()`` closing it hands over."""

    def flush(self) -> None:
        """At a worker's shutdown: wait up to ``shutdown_timeout`` for the reports queued."""
        flush(self._client)


def arguments(
    func: Optional[Callable[..., Any]],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    client: Client,
) -> Dict[str, Any]:
    """``{"args": [...], "kwargs": {...}}``: copies, secrets (by ``client``'s scrub
    options) filtered by parameter name."""
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
    scope = RequestState(framework)
    scope.context = name
    return use_scope(scope)


def report_failure(
    exc: BaseException,
    *,
    client: Client,
    scope: RequestState,
    data_key: str,
    data: Mapping[str, Any],
) -> Optional[str]:
    """Report ``exc`` as unhandled in ``scope`` to ``client``, with ``data`` as custom data
    under ``data_key``. The event id, or None when it was not sent (ignored, sampled...)."""
    with use_scope(scope):
        return client.capture_exception(
            exc, handled=False, extra={data_key: dict(data)}, severity_reason="unhandledException"
        )


class RunningJobs:
    """The scope of each job a worker's threads are running, by (thread, job id): the
    job's ``set_person``, breadcrumbs and tags go to its own report only. For workers
    that tell where a job starts and ends in two separate hooks on the job's thread."""

    def __init__(self, framework: str) -> None:
        self.framework = framework
        self._open: Dict[Tuple[int, str], Tuple[RequestState, use_scope]] = {}
        self._lock = threading.Lock()

    def start(self, job_id: Any, context: Optional[str]) -> RequestState:
        """Make a fresh scope current on this thread for the job ``job_id``."""
        # Another job's scope open on this thread stays: a job may run one inside it
        # (Celery's ``task.apply()``), and the inner one's end makes the outer current again.
        self.end(job_id)
        sessions.start_session(None)  # Bugsnag's session count: one per job
        thread = threading.get_ident()
        scope = RequestState(self.framework)
        scope.context = context
        entered = use_scope(scope)
        entered.__enter__()
        with self._lock:
            self._open[(thread, str(job_id))] = (scope, entered)
        return scope

    def scope(self, job_id: Any, context: Optional[str]) -> RequestState:
        """The scope of the job running on this thread (a fresh one if none was started)."""
        with self._lock:
            opened = self._open.get((threading.get_ident(), str(job_id)))
        if opened is not None:
            return opened[0]
        scope = RequestState(self.framework)
        scope.context = context
        return scope

    def end(self, job_id: Any) -> None:
        with self._lock:
            opened = self._open.pop((threading.get_ident(), str(job_id)), None)
        if opened is not None:
            opened[1].__exit__(None, None, None)


def flush(client: Optional[Client] = None) -> None:
    """At a worker's shutdown: wait up to ``shutdown_timeout`` for the reports queued (in
    ``client``, else the configured one's)."""
    if client is None:
        client = get_client()
    if client is not None:
        client.flush(client.options.shutdown_timeout)
