"""arq.

    class WorkerSettings:
        functions = [...]
        on_job_start = errorwire.integrations.arq.on_job_start
        after_job_end = errorwire.integrations.arq.after_job_end

    # or, keeping hooks of your own (errorwire's run before yours):
    errorwire.integrations.arq.Errorwire(WorkerSettings)

Only arq's own hooks, nothing patched. ``on_job_start`` opens a scope for the job in
the job's context (the function's task inherits it: its breadcrumbs, person and tags
belong to its report only). arq hands its hooks no exception: arq logs a job that
failed (``arq.worker``, at ERROR, with the exception), and a filter on that logger,
added by ``on_job_start``, keeps the exception of the job whose context it is logged
in; ``after_job_end`` then reports it as unhandled. arq runs a job again only when it
raises ``Retry`` (logged at INFO, not a failure): a job that raises its error on its
last try (``ctx["job_try"]``) is reported once. The report's context is the
function's name; its custom data ``arq`` holds the job id, function, try and the
arguments (scrubbed; positional ones also by parameter name for the functions of
settings given to ``Errorwire``), read back from Redis (arq's stored result; none
when ``keep_result`` is 0).

``Errorwire(WorkerSettings)`` also flushes at the worker's shutdown (``on_shutdown``);
with the hooks alone, errorwire's exit handler does (arq shuts down cleanly).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from errorwire.integrations import needs

with needs(__name__, "arq"):
    from arq.jobs import Job
    from arq.worker import func as arq_function

from errorwire import api
from errorwire.core.client import Client
from errorwire.core.context import RequestState, use_scope
from errorwire.core.safety import swallow
from errorwire.integrations import jobs
from errorwire.release import sessions

__all__ = ["Errorwire", "after_job_end", "on_job_start"]

FRAMEWORK = "arq"
ARQ_LOGGER = "arq.worker"
Hook = Callable[[Dict[Any, Any]], Awaitable[Any]]


class _Job:
    __slots__ = ("client", "failure", "function", "scope")

    def __init__(self, scope: RequestState, client: Client) -> None:
        self.scope = scope
        self.client = client
        self.failure: Optional[BaseException] = None
        self.function: Optional[str] = None


_current: contextvars.ContextVar[Optional[_Job]] = contextvars.ContextVar(
    "errorwire_arq_job", default=None
)
"""The job whose hooks run in this context (arq runs each job in a task of its own)."""


class _KeepFailure(logging.Filter):
    """On ``arq.worker``: the exception arq logs for a failed job goes to that job."""

    def filter(self, record: logging.LogRecord) -> bool:
        with swallow("arq log filter"):
            job = _current.get()
            if job is not None and job.failure is None and record.levelno >= logging.ERROR:
                exc = record.exc_info[1] if record.exc_info else None
                if isinstance(exc, BaseException):
                    job.failure = exc
                    job.function = _function_of(record)
        return True


_filter = _KeepFailure()

_coroutines: Dict[str, Callable[..., Any]] = {}
"""The job functions of the settings ``Errorwire`` was given, by arq's name for them:
their parameter names filter secret positional arguments."""


async def on_job_start(ctx: Dict[Any, Any]) -> None:
    """arq's ``on_job_start``: a scope of the job's own."""
    with swallow("arq on_job_start"):
        client = api.ensure_client()  # held by the job: its report goes there
        logger = logging.getLogger(ARQ_LOGGER)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
        sessions.start_session(None)  # Bugsnag's session count: one per job
        scope = RequestState(FRAMEWORK)
        use_scope(scope).__enter__()  # the job's task context: gone when the job is
        _current.set(_Job(scope, client))


async def after_job_end(ctx: Dict[Any, Any]) -> None:
    """arq's ``after_job_end``: reports the job's failure, if arq logged one."""
    job: Optional[_Job] = None
    with swallow("arq after_job_end"):
        job = _current.get()
        _current.set(None)
    if job is None or job.failure is None:
        return
    stored = None
    try:
        stored = await _stored_job(ctx)
    finally:  # also when arq, stopping, cancels the job's task during the read
        with swallow("arq after_job_end report"):
            _report(job, job.failure, ctx, stored)


def _report(job: _Job, failure: BaseException, ctx: Dict[Any, Any], stored: Any) -> None:
    function = _text(getattr(stored, "function", None)) or job.function
    job.scope.context = function
    data: Dict[str, Any] = {
        "job_id": _text(ctx.get("job_id")),
        "function": function,
        "job_try": ctx.get("job_try"),
    }
    if stored is not None:
        signature = _signature_of(function)
        data.update(jobs.arguments(signature, stored.args or (), stored.kwargs or {}, job.client))
    jobs.report_failure(failure, client=job.client, scope=job.scope, data_key=FRAMEWORK, data=data)


async def _stored_job(ctx: Dict[Any, Any]) -> Any:
    """The job (function, arguments) as arq stored it with its result: one Redis read,
    only for a failed job. None where it cannot be read."""
    redis, job_id = ctx.get("redis"), ctx.get("job_id")
    if redis is None or job_id is None:
        return None
    try:
        return await Job(str(job_id), redis).info()
    except Exception:  # a custom serializer, Redis gone: the report goes without them
        return None


def _signature_of(function: Optional[str]) -> Optional[Callable[..., Any]]:
    """The job function without its first parameter (``ctx``), as its arguments come."""
    coroutine = _coroutines.get(function or "")
    return None if coroutine is None else functools.partial(coroutine, None)


def _function_of(record: logging.LogRecord) -> Optional[str]:
    """arq's failure line names the job as ``job_id:function``."""
    args = record.args if isinstance(record.args, tuple) else ()
    for arg in args:
        if isinstance(arg, str) and ":" in arg:
            return arg.split(":", 1)[1]
    return None


def _text(value: Any) -> Optional[str]:
    return None if value is None else str(value)


class Errorwire:
    """Adds errorwire's hooks to ``settings`` (a ``WorkerSettings`` class or dict),
    before the ones it has, and a flush at shutdown. ``options``: ``errorwire.init()``'s
    keyword arguments, used if errorwire is not configured yet (else the environment)."""

    def __init__(self, settings: Any, **options: Any) -> None:
        self.options = options
        self.settings = settings
        with swallow("arq functions"):
            for listed in _get(settings, "functions") or ():
                found = arq_function(listed)
                _coroutines[found.name] = found.coroutine
        self._chain("on_startup", self._startup)
        self._chain("on_job_start", on_job_start)
        self._chain("after_job_end", after_job_end)
        self._chain("on_shutdown", self._shutdown, first=False)

    async def _startup(self, ctx: Dict[Any, Any]) -> None:
        with swallow("arq on_startup"):
            api.ensure_client(**self.options)

    async def _shutdown(self, ctx: Dict[Any, Any]) -> None:
        with swallow("arq flush"):
            await asyncio.get_running_loop().run_in_executor(None, jobs.flush)

    def _chain(self, name: str, ours: Hook, first: bool = True) -> None:
        theirs: Optional[Hook] = _get(self.settings, name)
        if theirs is None or theirs is ours:
            _set(self.settings, name, ours)
            return
        before, after = (ours, theirs) if first else (theirs, ours)

        async def both(ctx: Dict[Any, Any]) -> None:
            await before(ctx)
            await after(ctx)

        _set(self.settings, name, both)


def _get(settings: Any, name: str) -> Any:
    """As arq reads it: the dict's item, or the class's own attribute (its ``__dict__``)."""
    hook = settings.get(name) if isinstance(settings, dict) else vars(settings).get(name)
    return hook.__func__ if isinstance(hook, staticmethod) else hook


def _set(settings: Any, name: str, hook: Hook) -> None:
    if isinstance(settings, dict):
        settings[name] = hook
    else:
        setattr(settings, name, hook)
