"""Dramatiq.

    broker.add_middleware(errorwire.integrations.dramatiq.ErrorwireMiddleware())

Where the broker is built. A Dramatiq middleware, nothing patched:
``before_process_message`` opens a scope for the message on its worker thread (its
breadcrumbs, person and tags belong to its report only); ``after_process_message``
keeps the actor's exception with that scope and a copy of the arguments. Dramatiq's
``Retries`` middleware decides after that hook whether the message runs again: the
report is sent when Dramatiq rejects the message (``after_nack``: it failed for good,
its last retry included), and dropped when it acks it (retried), unless no ``Retries``
middleware retries anything. An error in the actor's ``throws`` is not reported:
Dramatiq calls it expected and logs it without a traceback. The report's context is the
actor's name; its custom data ``dramatiq`` holds the message id, actor, queue, the
retries before this attempt and the arguments (scrubbed).

Each worker process reports on its own; at its shutdown (``after_worker_shutdown``)
it flushes for up to ``shutdown_timeout``.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, NamedTuple, Optional

from errorwire.integrations import needs

with needs(__name__, "Dramatiq"):
    from dramatiq.middleware import Middleware
    from dramatiq.middleware.retries import Retries

from errorwire.core.context import RequestState
from errorwire.core.safety import swallow
from errorwire.integrations import jobs

__all__ = ["ErrorwireMiddleware"]

FRAMEWORK = "dramatiq"


class ErrorwireMiddleware(Middleware):  # type: ignore[misc,unused-ignore]
    """Reports the messages that fail for good. ``options``: ``errorwire.init()``'s
    keyword arguments, used if errorwire is not configured yet (else the environment)."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.client = jobs.HeldClient(options)
        self._running = jobs.RunningJobs(FRAMEWORK)
        self._retries: Dict[str, Any] = {}
        """Each running message's retries before its attempt, by message id."""
        self._failures: Dict[str, _Failure] = {}
        """Messages that raised, by id, until Dramatiq acks (retried) or nacks them."""
        self._lock = threading.Lock()

    def after_process_boot(self, broker: Any) -> None:
        with swallow("dramatiq after_process_boot"):
            self.client()

    def before_process_message(self, broker: Any, message: Any) -> None:
        with swallow("dramatiq before_process_message"):
            with self._lock:
                self._retries[message.message_id] = message.options.get("retries", 0)
            self._running.start(message.message_id, message.actor_name)

    def after_process_message(
        self,
        broker: Any,
        message: Any,
        *,
        result: Any = None,
        exception: Optional[BaseException] = None,
    ) -> None:
        with swallow("dramatiq after_process_message"):
            with self._lock:
                retries = self._retries.pop(message.message_id, 0)
            try:
                if exception is not None and not _expected(broker, message, exception):
                    self._keep(broker, message, exception, retries)
            finally:
                self._running.end(message.message_id)

    def after_skip_message(self, broker: Any, message: Any) -> None:
        with swallow("dramatiq after_skip_message"):
            with self._lock:
                self._retries.pop(message.message_id, None)
            self._running.end(message.message_id)

    def after_nack(self, broker: Any, message: Any) -> None:
        """Dramatiq rejects a message it gave up on (dead-lettered): failed for good."""
        with swallow("dramatiq after_nack"):
            failure = self._take(message)
            if failure is not None:
                self._report(failure)

    def after_ack(self, broker: Any, message: Any) -> None:
        """Done with: succeeded, or ``Retries`` sent it again. Without ``Retries`` nothing
        runs a failed message again: then it failed for good."""
        with swallow("dramatiq after_ack"):
            failure = self._take(message)
            if failure is not None and not _retrying(broker):
                self._report(failure)

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        with swallow("dramatiq flush"):
            self.client.flush()

    def _keep(self, broker: Any, message: Any, exception: BaseException, retries: Any) -> None:
        """On the worker's thread: the scope and a copy of the arguments, for the report
        that follows if Dramatiq rejects the message (Retries decides after this hook)."""
        client = self.client()
        try:
            actor_fn = getattr(broker.get_actor(message.actor_name), "fn", None)
        except Exception:  # an actor this process does not know
            actor_fn = None
        data: Dict[str, Any] = {
            "message_id": message.message_id,
            "actor": message.actor_name,
            "queue": message.queue_name,
            "retries": retries,
        }
        data.update(jobs.arguments(actor_fn, message.args or (), message.kwargs or {}, client))
        scope = self._running.scope(message.message_id, message.actor_name)
        with self._lock:
            self._failures[message.message_id] = _Failure(exception, scope, data)

    def _take(self, message: Any) -> Optional[_Failure]:
        with self._lock:
            return self._failures.pop(message.message_id, None)

    def _report(self, failure: _Failure) -> None:
        jobs.report_failure(
            failure.exception,
            client=self.client(),
            scope=failure.scope,
            data_key=FRAMEWORK,
            data=failure.data,
        )


class _Failure(NamedTuple):
    exception: BaseException
    scope: RequestState
    data: Dict[str, Any]


def _expected(broker: Any, message: Any, exception: BaseException) -> bool:
    """An error in the actor's (or message's) ``throws``."""
    try:
        actor_throws = broker.get_actor(message.actor_name).options.get("throws")
    except Exception:
        actor_throws = None
    throws = message.options.get("throws") or actor_throws
    return bool(throws) and isinstance(exception, throws)


def _retrying(broker: Any) -> bool:
    return any(isinstance(middleware, Retries) for middleware in broker.middleware)
