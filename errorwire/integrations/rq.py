"""RQ.

    rq worker --exception-handler errorwire.integrations.rq.exception_handler
    Worker(queues, exception_handlers=[errorwire.integrations.rq.exception_handler])

RQ calls its exception handlers when a job raised, right before it records the
failure (the job goes to the failed registry, or is queued again for a retry). The
handler reports a job that failed for good as unhandled, then returns True, so RQ's
own handlers and handling go on. A job RQ retries (``Retry(max=...)``) is reported
once, when its last attempt fails. The report's context is the job's function name;
its custom data ``rq`` holds the job id, function, queue, retries left and the
arguments (scrubbed).

RQ runs each job in a forked work horse that ends with ``os._exit`` right after the
handlers: the handler flushes the report before it returns (up to
``shutdown_timeout``). The horse inherits what its parent recorded, and RQ's
SimpleWorker runs every job in one process: the report takes only what was set
(person, tags, context, metadata) and the breadcrumbs recorded since the job started.

Bugsnag sessions: RQ has no hook at the start of every job short of a Worker class of
one's own, but its default worker forks one work horse per job. Each fork RQ's
``fork_work_horse`` makes is one session, counted in the worker (the horse ends with
``os._exit`` and would lose it) and sent from there every 30 s and when it stops.
SimpleWorker (no fork) and SpawnWorker (``posix_spawn``) jobs are not counted.
"""

from __future__ import annotations

import datetime
import os
import sys
from typing import Any, Dict, Optional

from errorwire.integrations import needs

with needs(__name__, "RQ"):
    import rq  # noqa: F401 - only to fail early with a clear message

from errorwire import api
from errorwire.core.client import Client
from errorwire.core.context import RequestState, current_scope
from errorwire.core.safety import swallow
from errorwire.integrations import jobs
from errorwire.release import sessions

__all__ = ["exception_handler"]

FRAMEWORK = "rq"


def exception_handler(job: Any, exc_type: Any, exc_value: Any, tb: Any) -> bool:
    """An RQ exception handler: reports ``job``'s failure, then lets RQ go on."""
    with swallow("rq exception_handler"):
        if isinstance(exc_value, BaseException) and _failed_for_good(job):
            client = api.ensure_client()
            data: Dict[str, Any] = {
                "job_id": _attr(job, "id"),
                "function": _attr(job, "func_name"),
                "queue": _attr(job, "origin"),
                "retries_left": getattr(job, "retries_left", None),
            }
            data.update(_arguments(job, client))
            scope = _job_scope(job)
            jobs.report_failure(exc_value, client=client, scope=scope, data_key="rq", data=data)
            client.flush(client.options.shutdown_timeout)  # the horse exits right after
    return True


RETRY_STATUSES = frozenset(("queued", "scheduled"))
"""What RQ < 2 has made of a job it retries by the time it calls the handlers."""


def _failed_for_good(job: Any) -> bool:
    """False for an attempt RQ will retry.

    RQ 2 and later call the handlers before ``handle_job_failure`` decides: a job with
    retries left is queued again. RQ 1.x decides first: by the handlers' turn it has
    counted the retry down (the next to last attempt shows 0 left) and queued the job
    (or scheduled it, with a retry interval) again.
    """
    try:
        status = job.get_status(refresh=False)
    except Exception:  # an odd job object: judge by the retries alone
        status = None
    if str(getattr(status, "value", status)) in RETRY_STATUSES:
        return False
    retries_left = getattr(job, "retries_left", None)
    return not (isinstance(retries_left, int) and retries_left > 0)


def _arguments(job: Any, client: Client) -> Dict[str, Any]:
    try:  # the job's function may no longer import, its arguments not deserialize
        func, args, kwargs = job.func, job.args, job.kwargs
    except Exception:
        return {}
    return jobs.arguments(func, args or (), kwargs or {}, client)


def _job_scope(job: Any) -> RequestState:
    """What the job itself set (person, tags, context, metadata) and the breadcrumbs it
    left: only since it started, so a job never carries what an earlier job of the same
    process set (RQ's SimpleWorker runs them all in one; a work horse inherits its
    parent's)."""
    started = _timestamp(getattr(job, "started_at", None))
    scope = current_scope().since(started, FRAMEWORK)
    if scope.context is None:
        scope.context = _attr(job, "func_name")
    return scope


def _timestamp(moment: Any) -> Optional[float]:
    if not isinstance(moment, datetime.datetime):
        return None
    if moment.tzinfo is None:  # RQ < 2 keeps UTC without a zone
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return float(moment.timestamp())


def _attr(job: Any, name: str) -> Optional[str]:
    """A job attribute as text; None where the job cannot be read (not deserializable)."""
    try:
        value = getattr(job, name, None)
    except Exception:
        return None
    return None if value is None else str(value)


def _count_forked_job() -> None:
    """After a fork, in the forking process: a work horse RQ forked is one job, one session."""
    try:
        caller = sys._getframe(1)  # os.fork is C: the frame that called it
    except ValueError:  # forked from C with no Python frame above
        return
    if caller.f_code.co_name != "fork_work_horse":
        return
    if not str(caller.f_globals.get("__name__", "")).startswith("rq."):
        return
    with swallow("rq session count"):
        api.ensure_client()  # the worker counts and sends; its first horse makes the client
        sessions.start_session(None)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_parent=_count_forked_job)
