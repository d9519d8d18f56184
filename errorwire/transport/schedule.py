"""When each vendor may send next: backoff, Retry-After and the circuit breaker.

Pure bookkeeping over an injected clock (no threads, no sockets), so the rules can be
tested with a fake clock. A vendor that is down or pushing back only moves its own
``ready_at``; the others keep sending.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Optional, Tuple

from errorwire.core.config import Options
from errorwire.transport import policy

TIMEOUTS_TO_OPEN = 2
"""Timeouts in a row that open the circuit whatever ``circuit_failures`` says: each one
holds a sender for a whole connect or read timeout."""


@dataclass
class Health:
    """One vendor's recent answers."""

    failures: int = 0
    """Failed attempts in a row (5xx, connection errors): drives backoff and the circuit."""
    timeouts: int = 0
    """Of those, the timeouts in a row."""
    open: bool = False
    """Circuit open: paused for ``circuit_cooldown``, then one report probes it."""
    limited: int = 0
    """Rate-limit answers in a row without Retry-After: drives their backoff."""
    ready_at: float = 0.0
    """Clock time before which nothing is sent to this vendor."""

    @property
    def circuit(self) -> str:
        return "open" if self.open else "closed"


class Scheduler:
    """Per vendor, the time it may send next; ``pick`` says which due vendor goes first."""

    def __init__(
        self,
        options: Options,
        clock: Callable[[], float] = time.monotonic,
        backoff: Callable[[int, float, float], float] = policy.backoff,
    ) -> None:
        self.options = options
        self.clock = clock
        self._backoff = backoff
        self._health: Dict[str, Health] = {}

    def health(self, vendor: str) -> Health:
        found = self._health.get(vendor)
        if found is None:
            found = self._health[vendor] = Health()
        return found

    def wait(self, vendor: str) -> float:
        """Seconds until ``vendor`` may send (<= 0: now)."""
        return self.health(vendor).ready_at - self.clock()

    def pick(self, waiting: Iterable[str]) -> Tuple[Optional[str], Optional[float]]:
        """Of the vendors with something to send, the due one that has been due longest;
        else (None, seconds until the first is due), or (None, None) when none waits."""
        now = self.clock()
        first: Optional[str] = None
        for vendor in waiting:
            if first is None or self.health(vendor).ready_at < self.health(first).ready_at:
                first = vendor
        if first is None:
            return None, None
        wait = self.health(first).ready_at - now
        return (first, None) if wait <= 0 else (None, wait)

    def answered(self, vendor: str) -> bool:
        """The vendor answered (accepted, or refused the report itself); True if it resumes."""
        health = self.health(vendor)
        resumed = health.open
        health.open = False
        health.failures = health.timeouts = health.limited = 0
        return resumed

    def again_now(self, vendor: str) -> None:
        self.health(vendor).ready_at = self.clock()

    def rate_limited(self, vendor: str, retry_after: Optional[float]) -> Tuple[float, str]:
        """Wait as told (Retry-After) or back off; the delay and where it came from."""
        health = self.health(vendor)
        options = self.options
        if retry_after is not None:
            delay, source = retry_after, "Retry-After"
            health.limited = 0
        else:
            health.limited += 1
            delay = self._backoff(health.limited, options.retry_backoff, options.retry_backoff_max)
            source = "backoff"
        health.ready_at = self.clock() + delay
        return delay, source

    def failed(self, vendor: str, timeout: bool) -> Tuple[float, bool]:
        """A 5xx or a connection error: the delay, and whether this one opened the circuit."""
        health = self.health(vendor)
        options = self.options
        health.failures += 1
        health.timeouts = health.timeouts + 1 if timeout else 0
        delay = self._backoff(health.failures, options.retry_backoff, options.retry_backoff_max)
        opening = not health.open and (
            health.failures >= options.circuit_failures or health.timeouts >= TIMEOUTS_TO_OPEN
        )
        health.open = health.open or opening
        if health.open:
            delay = max(delay, options.circuit_cooldown)
        health.ready_at = self.clock() + delay
        return delay, opening
