"""Counters a user can read (sent, retried, dropped by reason, per vendor) and a quiet log."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from typing import Any, Dict, Optional, Tuple

from errorwire.core.outcomes import DropReason
from errorwire.core.safety import logger

QUEUE = "queue"
"""The pseudo-vendor for what is dropped before any vendor is picked (queue full, shutdown)."""


class TransportStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Dict[str, Counter[str]] = {}
        self._dropped: Dict[str, Counter[str]] = {}

    def add(self, vendor: str, key: str, amount: int = 1) -> None:
        with self._lock:
            counts = self._counts.get(vendor)  # not setdefault: a Counter made per call
            if counts is None:
                counts = self._counts[vendor] = Counter()
            counts[key] += amount

    def drop(
        self, reason: DropReason, vendor: str, amount: int = 1, status: Optional[int] = None
    ) -> None:
        """Count ``amount`` reports for ``vendor`` not sent, under ``reason`` (with the
        vendor's HTTP ``status`` when it refused them: ``rejected_403``)."""
        key = reason.key(status)
        with self._lock:
            self._dropped.setdefault(vendor, Counter())[key] += amount

    def snapshot(self) -> Dict[str, Any]:
        """{"totals": {...}, vendor: {"sent", "retried", "shrunk", "rate_limited", "dropped"}}."""
        with self._lock:
            vendors = (set(self._counts) | set(self._dropped)) - {QUEUE}
            out: Dict[str, Any] = {}
            totals: Counter[str] = Counter()
            dropped_total: Counter[str] = Counter(self._dropped.get(QUEUE, {}))
            for name in sorted(vendors):
                counts = self._counts.get(name, Counter())
                dropped = dict(self._dropped.get(name, {}))
                out[name] = {
                    "sent": counts["sent"],
                    "retried": counts["retried"],
                    "shrunk": counts["shrunk"],
                    "rate_limited": counts["rate_limited"],
                    "dropped": dropped,
                }
                totals.update(counts)
                dropped_total.update(dropped)
        out["totals"] = {
            "sent": totals["sent"],
            "retried": totals["retried"],
            "dropped": dict(dropped_total),
        }
        return out


class QuietLog:
    """Logs a message at most once per ``interval`` per key, saying how many were held back.

    A vendor outage produces the same failure for every report; the log should
    say so once a minute, not a thousand times.
    """

    def __init__(self, interval: float = 60.0) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._last: Dict[str, Tuple[float, int]] = {}

    def log(self, key: str, message: str, *args: object, level: int = logging.WARNING) -> None:
        now = time.monotonic()
        with self._lock:
            last, held = self._last.get(key, (float("-inf"), 0))
            if now - last < self.interval:
                self._last[key] = (last, held + 1)
                return
            self._last[key] = (now, 0)
        if held:
            message += " (%d similar messages held back)"
            args = (*args, held)
        logger.log(level, message, *args)
