"""One attempt to deliver one report to one vendor, and what it means for the report.

``Deliverer.attempt`` returns an outcome (``DONE``, ``AGAIN``, ``EXHAUSTED``) and moves
the vendor's time to send next in the ``Scheduler``; what becomes of an unfinished
report (kept in the lane, in the spool, or dropped) is the caller's decision.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Deque, Optional

import urllib3

from errorwire.core.config import Options
from errorwire.core.outcomes import DropReason, NextStep, Outcome
from errorwire.core.safety import log_once, swallow
from errorwire.transport import policy
from errorwire.transport.http import HttpClient
from errorwire.transport.schedule import Health, Scheduler
from errorwire.transport.stats import QuietLog, TransportStats
from errorwire.vendors import VENDORS
from errorwire.vendors.base import NOTIFIER_NAME, NOTIFIER_VERSION, Outgoing, Vendor
from errorwire.vendors.cap import cap

MAX_SHRINKS = 3
"""How many times a report refused with 413 is shrunk (to half its size) and resent."""
MIN_SHRINK_BYTES = 1024
USER_AGENT = f"{NOTIFIER_NAME}/{NOTIFIER_VERSION}"

DONE = NextStep.DONE
AGAIN = NextStep.AGAIN
EXHAUSTED = NextStep.EXHAUSTED


@dataclass
class Delivery:
    item: Outgoing
    attempts: int = 0
    """Failed attempts charged against ``max_retries`` (5xx, connection errors)."""
    shrinks: int = 0
    limit: int = 0
    """The byte cap of the last encoding; halved on each 413."""
    retrying: bool = False
    """The next attempt is a retry (after a failure or a rate limit): counted as one."""
    spool_id: Optional[int] = None
    """Its row in the spool (transport/spool.py), deleted once the vendor accepts it."""
    outcome: Optional[Outcome] = None
    """The last attempt's verdict kind (policy.SENT...)."""
    cause: str = ""
    """What the last failed attempt met ("HTTP 500", "read timeout"), for the log."""
    from_spool: bool = False
    """Claimed from the spool: not counted in the ledger (``flush`` does not wait for it)."""
    captured: float = 0.0
    """When its event was captured (time.time()): ``spool_after`` and eviction count from it."""
    held: bool = False
    """Its spool row is insurance written while it is still being sent (``spool_after``)."""
    writing: bool = False
    """A spool row for it is being written while it may be in flight (``Lanes.write_racing``)."""
    final: Optional[NextStep] = None
    """The outcome that finished it, once its sender is done with it for good."""

    def writable(self) -> bool:
        """Not finished, not in the spool, not being written there (under the lanes' lock)."""
        return self.final is None and not self.writing and self.spool_id is None


class Lane:
    """One vendor's backlog, the report it is sending, and its health."""

    def __init__(self, vendor: str, health: Health) -> None:
        self.vendor = vendor
        self.wire: Vendor = VENDORS[vendor]
        """The vendor's wire format: per-attempt headers, and how to shrink a payload."""
        self.backlog: Deque[Delivery] = deque()
        self.health = health
        self.in_flight: Optional[Delivery] = None
        self.spooled: Optional[Delivery] = None
        """A report claimed from the spool, sent when the backlog is empty."""
        self.own_sender = False
        """Sent from a thread of its own (it answered slowly), not from the worker."""

    @property
    def open(self) -> bool:
        return self.health.open

    @property
    def ready_at(self) -> float:
        return self.health.ready_at

    @property
    def circuit(self) -> str:
        return self.health.circuit


class Deliverer:
    def __init__(
        self,
        options: Options,
        http: HttpClient,
        stats: TransportStats,
        log: QuietLog,
        scheduler: Scheduler,
    ) -> None:
        self.options = options
        self.http = http
        self.stats = stats
        self.log = log
        self.scheduler = scheduler

    def attempt(self, lane: Lane, delivery: Delivery) -> NextStep:
        """Send ``delivery`` once: DONE, AGAIN (``lane.ready_at`` says when) or EXHAUSTED."""
        item = delivery.item
        if delivery.retrying:
            delivery.retrying = False
            self.stats.add(lane.vendor, "retried")
        headers = {"User-Agent": USER_AGENT, **item.headers, **lane.wire.attempt_headers()}
        try:
            response = self.http.post(item.vendor.url, item.body, headers)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            verdict = policy.judge_error(exc)
        else:
            verdict = policy.judge_response(response.status, response.headers, response.body)
        delivery.outcome = verdict.kind
        if verdict.kind == policy.SENT:
            self._answered(lane)
            self.stats.add(lane.vendor, "sent")
            return DONE
        if verdict.kind == policy.RATE_LIMITED:
            return self._rate_limited(lane, delivery, verdict)
        if verdict.kind == policy.TOO_LARGE:
            self._answered(lane)
            return self._shrink(lane, delivery, verdict)
        if verdict.kind == policy.REJECTED:
            self._answered(lane)
            return self._rejected(lane, verdict)
        return self._failed(lane, delivery, verdict)

    def deliver_now(self, lane: Lane, delivery: Delivery) -> None:
        """Deliver in the calling thread (sync mode, uWSGI without threads).

        Backoffs are waited out up to ``retry_backoff_max``; a longer wait, or an
        open circuit, drops the report rather than hold the caller.
        """
        while True:
            wait = self.scheduler.wait(lane.vendor)
            if wait > 0 and lane.open:
                failures = lane.health.failures
                self.drop(DropReason.CIRCUIT_OPEN, lane, "it failed %d times in a row", failures)
                return
            if wait > self.options.retry_backoff_max:
                self.drop(DropReason.RATE_LIMITED, lane, "it asks to wait %.0f s", wait)
                return
            if wait > 0:
                time.sleep(wait)
            outcome = self.attempt(lane, delivery)
            if outcome == EXHAUSTED:
                self.drop_exhausted(lane, delivery)
            if outcome != AGAIN:
                return

    def drop(self, reason: DropReason, lane: Lane, detail: str = "", *args: object) -> None:
        """Count a report for ``lane`` not sent, under ``reason``; log the reason's sentence
        and ``detail`` (``%`` placeholders for ``args``), quietly."""
        self.stats.drop(reason, lane.vendor)
        self.log.log(
            f"drop-{lane.vendor}-{reason.value}",
            "errorwire: %s report dropped as %s (%s" + (f": {detail})" if detail else ")"),
            lane.vendor,
            reason.value,
            reason.sentence,
            *args,
        )

    def drop_exhausted(self, lane: Lane, delivery: Delivery) -> None:
        self.drop(
            DropReason.RETRIES_EXHAUSTED,
            lane,
            "%d attempts failed, the last with %s",
            delivery.attempts,
            delivery.cause,
        )

    def _answered(self, lane: Lane) -> None:
        if self.scheduler.answered(lane.vendor):
            logging.getLogger("errorwire").info("errorwire: %s answers again; resumed", lane.vendor)

    def _rate_limited(self, lane: Lane, delivery: Delivery, verdict: policy.Verdict) -> NextStep:
        delay, source = self.scheduler.rate_limited(lane.vendor, verdict.retry_after)
        self.stats.add(lane.vendor, "rate_limited")
        delivery.retrying = True
        self.log.log(
            f"limited-{lane.vendor}",
            "errorwire: %s is rate limiting (%s); waiting %.1f s (%s), the report is kept",
            lane.vendor,
            verdict.cause,
            delay,
            source,
        )
        return AGAIN

    def _failed(self, lane: Lane, delivery: Delivery, verdict: policy.Verdict) -> NextStep:
        options = self.options
        delivery.attempts += 1
        delivery.cause = verdict.cause
        delay, opening = self.scheduler.failed(lane.vendor, verdict.cause.endswith("timeout"))
        if opening:
            logging.getLogger("errorwire").warning(
                "errorwire: %s failed %d times in a row (last: %s); circuit open, "
                "paused for %.1f s while other vendors keep sending",
                lane.vendor,
                lane.health.failures,
                verdict.cause,
                delay,
            )
        if delivery.attempts > options.max_retries:
            return EXHAUSTED
        delivery.retrying = True
        self.log.log(
            f"retry-{lane.vendor}",
            "errorwire: %s delivery failed (%s%s); retry %d of %d in %.2f s",
            lane.vendor,
            verdict.cause,
            f": {verdict.message}" if verdict.message else "",
            delivery.attempts,
            options.max_retries,
            delay,
        )
        return AGAIN

    def _rejected(self, lane: Lane, verdict: policy.Verdict) -> NextStep:
        self.stats.drop(DropReason.REJECTED, lane.vendor, status=_status(verdict.cause))
        log_once(
            f"transport-rejected-{lane.vendor}-{verdict.cause}",
            "errorwire: %s rejected the report (%s: %s); not retried, dropped",
            lane.vendor,
            verdict.cause,
            verdict.message or "no message",
            level=logging.ERROR,
        )
        return DONE

    def _shrink(self, lane: Lane, delivery: Delivery, verdict: policy.Verdict) -> NextStep:
        item = delivery.item
        if not delivery.limit:
            delivery.limit = min(item.vendor.max_bytes, len(item.body))
        if delivery.shrinks >= MAX_SHRINKS:
            self.drop(
                DropReason.TOO_LARGE,
                lane,
                "%s even after shrinking it %d times (%d bytes)",
                verdict.cause,
                delivery.shrinks,
                len(item.body),
            )
            return DONE
        limit = max(MIN_SHRINK_BYTES, delivery.limit // 2)
        body: Optional[bytes] = None
        with swallow(f"shrink {lane.vendor} payload"):
            body = cap(lane.wire, item.payload, limit)
        if body is None:
            self.drop(
                DropReason.TOO_LARGE, lane, "%s and shrinking the payload failed", verdict.cause
            )
            return DONE
        self.log.log(
            f"shrink-{lane.vendor}",
            "errorwire: %s refused %d bytes as too large (%s); resending shrunk to %d bytes",
            lane.vendor,
            len(item.body),
            verdict.cause,
            len(body),
        )
        delivery.item = replace(item, body=body)
        delivery.limit = limit
        delivery.shrinks += 1
        self.stats.add(lane.vendor, "shrunk")
        self.scheduler.again_now(lane.vendor)
        return AGAIN


def _status(cause: str) -> Optional[int]:
    """The status of a cause such as "HTTP 403"."""
    last = cause.split()[-1] if cause else ""
    return int(last) if last.isdigit() else None
