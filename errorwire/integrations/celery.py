"""Celery.

    errorwire.integrations.celery.Errorwire(celery_app)

In the module that builds the Celery app. Only Celery's own signals, nothing
patched: ``task_prerun`` opens a scope for the task (its breadcrumbs, person and
tags belong to its report only), ``task_failure`` reports the task's exception as
unhandled, ``task_postrun`` closes the scope. ``Retry``, ``Ignore`` and ``Reject``
never reach ``task_failure``: a task is reported once, when it fails for good
(its last retry included). The errors a task expects (``@app.task(throws=(...))``)
are not reported: Celery fails the task but logs them as expected, without a
traceback. The report's context is the task's name; its custom data ``celery``
holds the task id, retries, queue and the arguments (scrubbed).

Delivery: the prefork pool's children each start their own errorwire worker thread
(``worker_process_init``) and flush it before they exit
(``worker_process_shutdown``); the main process flushes on ``worker_shutdown``
(solo and threads pools, and a warm shutdown after SIGTERM).
"""

from __future__ import annotations

import sys
from typing import Any, Mapping, Optional

from errorwire.integrations import needs

with needs(__name__, "Celery"):
    from celery import signals
    from celery.exceptions import Ignore, Reject, Retry

from errorwire.core.ignore import NOT_APP_ERRORS
from errorwire.core.safety import swallow
from errorwire.integrations import jobs

__all__ = ["Errorwire"]

FRAMEWORK = "celery"
NOT_FAILURES = (Retry, Ignore, Reject)
"""What a task raises to tell Celery what to do with its message: not an error."""


class Errorwire:
    """Reports the failing tasks of ``app``. ``options``: ``errorwire.init()``'s keyword
    arguments, used if errorwire is not configured yet (else the environment)."""

    def __init__(self, app: Any = None, **options: Any) -> None:
        self.options = options
        self.client = jobs.HeldClient(options)
        self.app: Any = None
        self._running = jobs.RunningJobs(FRAMEWORK)
        """The scope of each running task, by (thread, task id): the threads pool runs
        several at once, and a retried task keeps its id."""
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Any) -> None:
        if self.app is not None:
            return
        self.app = app
        uid = f"errorwire-{id(self)}"
        signals.task_prerun.connect(self._task_prerun, weak=False, dispatch_uid=uid)
        signals.task_failure.connect(self._task_failure, weak=False, dispatch_uid=uid)
        signals.task_postrun.connect(self._task_postrun, weak=False, dispatch_uid=uid)
        signals.worker_process_init.connect(self._process_init, weak=False, dispatch_uid=uid)
        signals.worker_process_shutdown.connect(self._flush, weak=False, dispatch_uid=uid)
        signals.worker_shutdown.connect(self._flush, weak=False, dispatch_uid=uid)

    def _ours(self, task: Any) -> bool:
        """Celery's signals are process-wide: only the tasks of this integration's app."""
        return getattr(task, "app", self.app) is self.app

    # -- signal handlers (Celery calls them with keyword arguments) ---------------------

    def _task_prerun(self, sender: Any = None, task_id: Any = None, **_: Any) -> None:
        with swallow("celery task_prerun"):
            if sender is None or not self._ours(sender):
                return
            self.client()  # sessions count from the first task on
            self._running.start(task_id, getattr(sender, "name", None))

    def _task_postrun(
        self, sender: Any = None, task_id: Any = None, state: Any = None, **more: Any
    ) -> None:
        with swallow("celery task_postrun"):
            escaping = sys.exc_info()[1] if state is None else None
            if _unwinding(escaping) and sender is not None and self._ours(sender):
                # Celery's tracer catches only Exception: a BaseException subclass gets no
                # task_failure here (a thread pool then loses the task, the solo pool dies);
                # postrun runs in the tracer's finally, with it in flight and no state.
                self._task_failure(sender, task_id, escaping, more.get("args"), more.get("kwargs"))
            self._running.end(task_id)

    def _task_failure(
        self,
        sender: Any = None,
        task_id: Any = None,
        exception: Optional[BaseException] = None,
        args: Any = None,
        kwargs: Any = None,
        **_: Any,
    ) -> None:
        with swallow("celery task_failure"):
            if exception is None or sender is None or not self._ours(sender):
                return
            if not _reported_here(sender, exception):
                return
            client = self.client()
            scope = self._running.scope(task_id, getattr(sender, "name", None))
            if scope.context is None:
                scope.context = getattr(sender, "name", None)
            data = {"task_id": None if task_id is None else str(task_id)}
            data.update(_request_facts(sender))
            task = getattr(sender, "run", None)
            data.update(jobs.arguments(task, args or (), kwargs or {}, client))
            jobs.report_failure(exception, client=client, scope=scope, data_key="celery", data=data)

    def _process_init(self, **_: Any) -> None:
        with swallow("celery worker_process_init"):
            self.client()

    def _flush(self, **_: Any) -> None:
        with swallow("celery flush"):
            self.client.flush()


def _reported_here(task: Any, exception: BaseException) -> bool:
    """A failure of one of our tasks that task_failure reports: not a Reject, not one the
    pool child reported, not one the task declares expected."""
    if isinstance(exception, NOT_FAILURES):  # Celery >= 5.6 signals a Reject too
        return False
    if _unwinding(exception) and _from_pool_child(exception):
        return False  # the pool child's task_postrun reported it, with the task's scope
    return not _expected(task, exception)


def _unwinding(exc: Optional[BaseException]) -> bool:
    """A BaseException subclass that is not an Exception, nor what stops a process."""
    return exc is not None and not isinstance(exc, (Exception, *NOT_APP_ERRORS))


def _from_pool_child(exc: BaseException) -> bool:
    """Sent back by a prefork child (billiard chains its RemoteTraceback to it)."""
    return type(exc.__cause__).__name__ == "RemoteTraceback"


def _expected(task: Any, exception: BaseException) -> bool:
    """One of the task's ``throws``: an error the task expects (Celery logs it at INFO,
    without a traceback, and the task still fails)."""
    throws = getattr(task, "throws", None) or ()
    if isinstance(throws, type):
        throws = (throws,)
    try:
        return isinstance(exception, tuple(throws))
    except TypeError:  # something other than exception classes in ``throws``
        return False


def _request_facts(task: Any) -> Mapping[str, Any]:
    """Retries and queue, from the request of the task being run."""
    request = getattr(task, "request", None)
    info = getattr(request, "delivery_info", None) or {}
    queue = info.get("routing_key") or info.get("queue") if isinstance(info, Mapping) else None
    return {
        "task": getattr(task, "name", None),
        "retries": getattr(request, "retries", None),
        "queue": None if queue is None else str(queue),
    }
