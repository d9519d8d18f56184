"""Huey.

    errorwire.integrations.huey.Errorwire(huey)

In the module that builds the Huey instance. Only Huey's own hooks, nothing patched:
the ``executing`` signal opens a scope for the task on the consumer's worker (its
breadcrumbs, person and tags belong to its report only), the ``error`` signal
reports the task's exception as unhandled when the task has no retries left (a task
with ``retries=N`` is reported once, when its last attempt fails), a ``post_execute``
hook (or the ``canceled`` signal) closes the scope. ``RetryTask``,
``CancelExecution``, a locked or rate-limited task are not errors to Huey (no
``error`` signal) and not reported.
The report's context is the task's name; its custom data ``huey`` holds the task id,
name, retries left and the arguments (scrubbed).

Every consumer worker flushes at shutdown (``on_shutdown``), for up to
``shutdown_timeout``.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, Optional

from errorwire.integrations import needs

with needs(__name__, "Huey"):
    from huey import signals

from errorwire.core.safety import swallow
from errorwire.integrations import jobs

__all__ = ["Errorwire"]

FRAMEWORK = "huey"
HOOK_NAME = "errorwire"


class Errorwire:
    """Reports the failing tasks of ``huey``. ``options``: ``errorwire.init()``'s keyword
    arguments, used if errorwire is not configured yet (else the environment)."""

    def __init__(self, huey: Any = None, **options: Any) -> None:
        self.options = options
        self.client = jobs.HeldClient(options)
        self.huey: Any = None
        self._running = jobs.RunningJobs(FRAMEWORK)
        if huey is not None:
            self.init_app(huey)

    def init_app(self, huey: Any) -> None:
        if self.huey is not None:
            return
        self.huey = huey
        huey.signal(signals.SIGNAL_EXECUTING)(self._executing)
        huey.signal(signals.SIGNAL_ERROR)(self._error)
        huey.post_execute(name=HOOK_NAME)(self._post_execute)
        huey.signal(signals.SIGNAL_CANCELED)(self._canceled)  # by a pre_execute hook: no post
        huey.on_startup(name=HOOK_NAME)(self._startup)
        huey.on_shutdown(name=HOOK_NAME)(self._shutdown)

    def _executing(self, signal: Any, task: Any, *_: Any) -> None:
        with swallow("huey executing"):
            self._running.start(task.id, _name(task))

    def _post_execute(self, task: Any, value: Any, exception: Any) -> None:
        with swallow("huey post_execute"):
            self._running.end(task.id)

    def _canceled(self, signal: Any, task: Any, *_: Any) -> None:
        with swallow("huey canceled"):
            self._running.end(task.id)

    def _error(self, signal: Any, task: Any, exception: Any = None, *_: Any) -> None:
        with swallow("huey error"):
            retries_left: Any = getattr(task, "retries", 0)
            if not isinstance(exception, BaseException) or retries_left:
                return  # Huey runs it again: its last attempt is the one reported
            client = self.client()
            data: Dict[str, Any] = {
                "task_id": None if task.id is None else str(task.id),
                "task": _name(task),
                "retries_left": retries_left,
            }
            data.update(jobs.arguments(_function(task), task.args or (), task.kwargs or {}, client))
            scope = self._running.scope(task.id, _name(task))
            jobs.report_failure(
                exception, client=client, scope=scope, data_key=FRAMEWORK, data=data
            )

    def _startup(self) -> None:
        with swallow("huey on_startup"):
            self.client()

    def _shutdown(self) -> None:
        with swallow("huey flush"):
            self.client.flush()


def _name(task: Any) -> Optional[str]:
    name = getattr(task, "name", None)
    return None if name is None else str(name)


def _function(task: Any) -> Optional[Callable[..., Any]]:
    """The decorated function (its parameter names filter secret positional arguments):
    Huey keeps it only in the closure of its task class's ``execute``."""
    try:
        found = inspect.getclosurevars(type(task).execute).nonlocals.get("func")
    except (TypeError, ValueError, AttributeError):
        return None
    return found if callable(found) else None
