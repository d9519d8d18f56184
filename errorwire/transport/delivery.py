"""One attempt to deliver one report to one vendor, and what it does to that vendor's lane.

Each vendor has a ``Lane``: its backlog, its failures in a row and the time it may
send next. Backoff, Retry-After and the circuit breaker only move that time, so a
vendor that is down or pushing back never holds up the others: the single worker
thread simply serves whichever lanes are due.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Deque, Optional

import urllib3

from errorwire.core.config import Options
from errorwire.core.safety import log_once, swallow
from errorwire.transport import policy
from errorwire.transport.http import HttpClient
from errorwire.transport.stats import QuietLog, TransportStats
from errorwire.vendors import VENDORS
from errorwire.vendors.base import NOTIFIER_NAME, NOTIFIER_VERSION, Outgoing, Vendor
from errorwire.vendors.cap import cap

MAX_SHRINKS = 3
"""How many times a report refused with 413 is shrunk (to half its size) and resent."""
MIN_SHRINK_BYTES = 1024
TIMEOUTS_TO_OPEN = 2
"""Timeouts in a row that open the circuit whatever ``circuit_failures`` says: each one
holds the single worker for a whole connect or read timeout, delaying every vendor."""
USER_AGENT = f"{NOTIFIER_NAME}/{NOTIFIER_VERSION}"


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


class Lane:
    """One vendor's backlog and health."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.wire: Vendor = VENDORS[vendor]
        """The vendor's wire format: per-attempt headers, and how to shrink a payload."""
        self.backlog: Deque[Delivery] = deque()
        self.failures = 0
        """Failed attempts in a row (5xx, connection errors): drives backoff and the circuit."""
        self.timeouts = 0
        """Of those, the timeouts in a row."""
        self.open = False
        """Circuit open: paused for ``circuit_cooldown``, then one report probes it."""
        self.limited = 0
        """Rate-limit answers in a row without Retry-After: drives their backoff."""
        self.ready_at = 0.0
        """time.monotonic() before which nothing is sent to this vendor."""

    def due(self, now: float) -> bool:
        return bool(self.backlog) and now >= self.ready_at

    @property
    def circuit(self) -> str:
        return "open" if self.open else "closed"


class Deliverer:
    def __init__(
        self, options: Options, http: HttpClient, stats: TransportStats, log: QuietLog
    ) -> None:
        self.options = options
        self.http = http
        self.stats = stats
        self.log = log

    def attempt(self, lane: Lane, delivery: Delivery) -> bool:
        """Send ``delivery`` once; True when it is finished (sent or dropped for good).

        When it is not, ``lane.ready_at`` says when it may be tried again.
        """
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
        if verdict.kind == policy.SENT:
            self._healthy(lane)
            self.stats.add(lane.vendor, "sent")
            return True
        if verdict.kind == policy.RATE_LIMITED:
            return self._rate_limited(lane, delivery, verdict)
        if verdict.kind == policy.TOO_LARGE:
            self._healthy(lane)
            return self._shrink(lane, delivery, verdict)
        if verdict.kind == policy.REJECTED:
            self._healthy(lane)
            return self._rejected(lane, verdict)
        return self._failed(lane, delivery, verdict)

    def deliver_now(self, lane: Lane, delivery: Delivery) -> None:
        """Deliver in the calling thread (sync mode, uWSGI without threads).

        Backoffs are waited out up to ``retry_backoff_max``; a longer wait, or an
        open circuit, drops the report rather than hold the caller.
        """
        while True:
            wait = lane.ready_at - time.monotonic()
            if wait > 0 and lane.open:
                self.drop(lane, "circuit_open", "it failed %d times in a row", lane.failures)
                return
            if wait > self.options.retry_backoff_max:
                self.drop(lane, "rate_limited", "it asks to wait %.0f s", wait)
                return
            if wait > 0:
                time.sleep(wait)
            if self.attempt(lane, delivery):
                return

    def drop(self, lane: Lane, reason: str, why: str, *args: object) -> None:
        self.stats.drop(lane.vendor, reason)
        self.log.log(
            f"drop-{lane.vendor}-{reason}",
            "errorwire: %s report dropped (%s): " + why,
            lane.vendor,
            reason,
            *args,
        )

    def _healthy(self, lane: Lane) -> None:
        if lane.open:
            logging.getLogger("errorwire").info("errorwire: %s answers again; resumed", lane.vendor)
        lane.open = False
        lane.failures = lane.timeouts = 0
        lane.limited = 0

    def _rate_limited(self, lane: Lane, delivery: Delivery, verdict: policy.Verdict) -> bool:
        options = self.options
        if verdict.retry_after is not None:
            delay, source = verdict.retry_after, "Retry-After"
            lane.limited = 0
        else:
            lane.limited += 1
            delay = policy.backoff(lane.limited, options.retry_backoff, options.retry_backoff_max)
            source = "backoff"
        lane.ready_at = time.monotonic() + delay
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
        return False

    def _failed(self, lane: Lane, delivery: Delivery, verdict: policy.Verdict) -> bool:
        options = self.options
        lane.failures += 1
        lane.timeouts = lane.timeouts + 1 if verdict.cause.endswith("timeout") else 0
        delivery.attempts += 1
        delay = policy.backoff(lane.failures, options.retry_backoff, options.retry_backoff_max)
        opening = not lane.open and (
            lane.failures >= options.circuit_failures or lane.timeouts >= TIMEOUTS_TO_OPEN
        )
        lane.open = lane.open or opening
        if lane.open:
            delay = max(delay, options.circuit_cooldown)
        lane.ready_at = time.monotonic() + delay
        if opening:
            logging.getLogger("errorwire").warning(
                "errorwire: %s failed %d times in a row (last: %s); circuit open, "
                "paused for %.1f s while other vendors keep sending",
                lane.vendor,
                lane.failures,
                verdict.cause,
                delay,
            )
        if delivery.attempts > options.max_retries:
            self.drop(
                lane,
                "retries_exhausted",
                "%d attempts failed, the last with %s",
                delivery.attempts,
                verdict.cause,
            )
            return True
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
        return False

    def _rejected(self, lane: Lane, verdict: policy.Verdict) -> bool:
        self.stats.drop(lane.vendor, f"rejected_{verdict.cause.split()[-1]}")
        log_once(
            f"transport-rejected-{lane.vendor}-{verdict.cause}",
            "errorwire: %s rejected the report (%s: %s); not retried, dropped",
            lane.vendor,
            verdict.cause,
            verdict.message or "no message",
            level=logging.ERROR,
        )
        return True

    def _shrink(self, lane: Lane, delivery: Delivery, verdict: policy.Verdict) -> bool:
        item = delivery.item
        if not delivery.limit:
            delivery.limit = min(item.vendor.max_bytes, len(item.body))
        if delivery.shrinks >= MAX_SHRINKS:
            self.drop(
                lane,
                "too_large",
                "%s even after shrinking it %d times (%d bytes)",
                verdict.cause,
                delivery.shrinks,
                len(item.body),
            )
            return True
        limit = max(MIN_SHRINK_BYTES, delivery.limit // 2)
        body: Optional[bytes] = None
        with swallow(f"shrink {lane.vendor} payload"):
            body = cap(lane.wire, item.payload, limit)
        if body is None:
            self.drop(lane, "too_large", "%s and shrinking the payload failed", verdict.cause)
            return True
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
        lane.ready_at = time.monotonic()
        return False
