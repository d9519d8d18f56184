"""APScheduler 3.x.

    scheduler = BackgroundScheduler()
    errorwire.integrations.apscheduler.Errorwire(scheduler)

Only the scheduler's event listeners, nothing patched. A job that raises
(``EVENT_JOB_ERROR``) is reported as unhandled; the report's context is the job id, its
custom data ``apscheduler`` holds the job id, name, function, trigger, job store,
scheduled run time and the arguments (scrubbed, as for Celery). A run the scheduler
missed (``EVENT_JOB_MISSED``: past its ``misfire_grace_time``) or skipped
(``EVENT_JOB_MAX_INSTANCES``) is not a report: it becomes a breadcrumb of that job's
next report.

Each job in a scope of its own: APScheduler tells its listeners of a job's end on the
pool thread that ran it (thread and asyncio executors), so the report carries what the
job recorded there (breadcrumbs, person, tags), and the thread then starts its next job
in a fresh scope. A job that ends before the executor attached its completion callback
(well under a millisecond) is told on the submitting thread instead: its report has
only the job's facts, and until each pool thread is fresh again its next report takes
no person, tags or data from the thread, and only the breadcrumbs recorded since, so
nothing of one job reaches another's report. The scheduler's shutdown flushes.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict, deque
from types import FrameType
from typing import Any, Deque, Dict, Mapping, Optional

try:
    from apscheduler.events import (
        EVENT_JOB_ADDED,
        EVENT_JOB_ERROR,
        EVENT_JOB_EXECUTED,
        EVENT_JOB_MAX_INSTANCES,
        EVENT_JOB_MISSED,
        EVENT_JOB_MODIFIED,
        EVENT_SCHEDULER_SHUTDOWN,
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "errorwire.integrations.apscheduler needs APScheduler 3: "
        "pip install 'errorwire[apscheduler]'"
    ) from exc

from errorwire.core.breadcrumbs import make_breadcrumb
from errorwire.core.client import Client
from errorwire.core.context import RequestState, current_scope, use_scope
from errorwire.core.event import Breadcrumb
from errorwire.core.safety import swallow
from errorwire.integrations import jobs

__all__ = ["Errorwire"]

FRAMEWORK = "apscheduler"
MAX_MISSED = 10
"""Missed runs kept per job for its next report."""
MAX_JOBS = 10_000
"""Jobs remembered by id, the least recently added or modified forgotten first."""


class Errorwire:
    """Reports the failing jobs of ``scheduler``. ``options``: ``errorwire.init()``'s keyword
    arguments, used if errorwire is not configured yet (else the environment)."""

    def __init__(self, scheduler: Any, **options: Any) -> None:
        self.scheduler = scheduler
        self.options = options
        self.client = jobs.HeldClient(options)
        self._lock = threading.Lock()
        self._missed: Dict[str, Deque[Breadcrumb]] = {}
        self._untold = 0
        """Runs whose end APScheduler told from the submitting thread, not the job's."""
        self._untold_at: Optional[float] = None
        self._reset_at: Dict[int, int] = {}
        """Per pool thread, ``_untold`` when its scope was last made fresh."""
        self._known: OrderedDict[str, Any] = OrderedDict()
        """The last Job object seen of each id (a one-off job is gone from its store by the
        time its failure is told)."""
        scheduler.add_listener(self._job_failed, EVENT_JOB_ERROR)
        scheduler.add_listener(self._job_executed, EVENT_JOB_EXECUTED)
        scheduler.add_listener(self._job_missed, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        scheduler.add_listener(self._job_added, EVENT_JOB_ADDED | EVENT_JOB_MODIFIED)
        scheduler.add_listener(self._shutdown, EVENT_SCHEDULER_SHUTDOWN)
        with swallow("apscheduler jobs"):
            for job in scheduler.get_jobs():
                self._remember(job)

    # -- listeners (APScheduler calls them with the event) ------------------------------

    def _job_failed(self, event: Any) -> None:
        elsewhere = _told_while_submitting()
        with swallow("apscheduler job error"):
            error = getattr(event, "exception", None)
            if not isinstance(error, BaseException):
                return
            client = self.client()
            job_id = str(event.job_id)
            scope = self._report_scope(elsewhere, getattr(event, "scheduled_run_time", None))
            scope.context = job_id
            with self._lock:
                missed = list(self._missed.pop(job_id, ()))
            scope.breadcrumbs.extend(missed)
            data: Dict[str, Any] = {"job_id": job_id, "jobstore": event.jobstore}
            data["scheduled_run_time"] = _iso(getattr(event, "scheduled_run_time", None))
            data.update(self._facts(job_id, event.jobstore))
            jobs.report_failure(error, client=client, scope=scope, data_key=FRAMEWORK, data=data)
        self._job_ended(elsewhere)

    def _job_executed(self, event: Any) -> None:
        self._job_ended(_told_while_submitting())

    def _job_missed(self, event: Any) -> None:
        with swallow("apscheduler job missed"):
            job_id = str(event.job_id)
            when = _iso(getattr(event, "scheduled_run_time", None))
            if event.code == EVENT_JOB_MISSED:
                text = f"run of job {job_id} scheduled at {when} was missed"
            else:
                text = f"run of job {job_id} skipped: its maximum instances were running"
            crumb = make_breadcrumb(
                text, "apscheduler", {"job_id": job_id}, level="warning", type="process"
            )
            with self._lock:
                self._missed.setdefault(job_id, deque(maxlen=MAX_MISSED)).append(crumb)

    def _job_added(self, event: Any) -> None:
        with swallow("apscheduler job added"):
            job = self.scheduler.get_job(event.job_id, getattr(event, "jobstore", None))
            if job is not None:
                self._remember(job)

    def _shutdown(self, event: Any) -> None:
        with swallow("apscheduler shutdown"):
            self.client.flush()

    # -- helpers --------------------------------------------------------------------------

    def _report_scope(self, elsewhere: bool, scheduled: Any) -> RequestState:
        """The failed run's scope: what its pool thread recorded, as far as it is the run's."""
        if elsewhere:  # not on the job's thread: nothing of the job's scope can be known
            return RequestState(FRAMEWORK)
        with self._lock:
            stale = self._untold > self._reset_at.get(threading.get_ident(), 0)
            untold_at = self._untold_at
        since = _timestamp(scheduled)
        if stale and untold_at is not None:
            since = max(since or 0.0, untold_at)
        return _run_scope(current_scope(), since, whole=not stale)

    def _job_ended(self, elsewhere: bool) -> None:
        """After a run: its pool thread starts its next job in a fresh scope. A run told
        from the submitting thread left its pool thread's scope as it was; which thread that
        was is unknown, so until each pool thread is fresh again, its next report takes no
        person, tags or data from it, and only breadcrumbs recorded since."""
        with swallow("apscheduler scope"):
            with self._lock:
                if elsewhere:
                    self._untold += 1
                    self._untold_at = time.time()
                    return
                self._reset_at[threading.get_ident()] = self._untold
            # Left entered: the thread's scope until its next job ends (a pool thread runs
            # nothing else).
            use_scope(RequestState(FRAMEWORK)).__enter__()

    def _remember(self, job: Any) -> None:
        with self._lock:
            self._known[str(job.id)] = job
            self._known.move_to_end(str(job.id))
            while len(self._known) > MAX_JOBS:
                self._known.popitem(last=False)

    def _facts(self, job_id: str, jobstore: Optional[str]) -> Mapping[str, Any]:
        job = None
        with swallow("apscheduler get_job"):
            job = self.scheduler.get_job(job_id, jobstore)
        if job is None:
            with self._lock:
                job = self._known.get(job_id)
        return _job_facts(job, self.client()) if job is not None else {}


def _run_scope(thread_scope: RequestState, since: Optional[float], *, whole: bool) -> RequestState:
    """The report's scope from the pool thread's: its breadcrumbs from ``since`` on, and
    (``whole``) its person, tags and data."""
    scope = RequestState(FRAMEWORK, thread_scope.request_builder, thread_scope.max_breadcrumbs)
    if whole:
        scope.person = thread_scope.person
        scope.person_loader = thread_scope.person_loader
        scope.tags.update(thread_scope.tags)
        extra = thread_scope.merged_extra({}, None)
        if extra:
            scope.extra.update(extra)
    for crumb in thread_scope.last_breadcrumbs(sys.maxsize):
        if since is None or crumb.timestamp >= since:
            scope.breadcrumbs.append(crumb)
    return scope


SUBMITTING = frozenset(("submit_job", "_do_submit_job"))


def _told_while_submitting() -> bool:
    """True when APScheduler tells of a run's end from inside its executor's submit (the
    job ended before the completion callback was attached): on the submitting thread, not
    the job's."""
    frame: Optional[FrameType] = sys._getframe(1)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if frame.f_code.co_name in SUBMITTING and module.startswith("apscheduler.executors"):
            return True
        frame = frame.f_back
    return False


def _timestamp(moment: Any) -> Optional[float]:
    timestamp = getattr(moment, "timestamp", None)
    return float(timestamp()) if callable(timestamp) else None


def _job_facts(job: Any, client: Client) -> Dict[str, Any]:
    func = getattr(job, "func", None)
    facts: Dict[str, Any] = {
        "name": getattr(job, "name", None),
        "function": getattr(job, "func_ref", None) or getattr(func, "__qualname__", None),
        "trigger": str(getattr(job, "trigger", "")) or None,
    }
    args, kwargs = getattr(job, "args", ()), getattr(job, "kwargs", {})
    facts.update(jobs.arguments(func, args, kwargs, client))
    return facts


def _iso(moment: Any) -> Optional[str]:
    isoformat = getattr(moment, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else None
