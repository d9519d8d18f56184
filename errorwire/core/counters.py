"""The client's own counters (reports not sent, by reason), each reason logged once."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Dict, Optional, Set

from errorwire.core.outcomes import DropReason
from errorwire.core.safety import log_once


class Counters:
    """Thread-safe counts; ``drop`` also says why, the first time for each counter."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._logged: Set[str] = set()

    def count(self, key: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[key] += amount

    def drop(self, reason: DropReason, detail: str = "", vendor: Optional[str] = None) -> None:
        """Count a report not sent, under ``reason`` (``vendor.reason`` for one vendor's);
        say why the first time (errorwire.stats() has the rest): the reason's sentence,
        then ``detail``."""
        counter = reason.value if vendor is None else f"{vendor}.{reason.value}"
        self.count(counter)
        if counter in self._logged:
            return
        self._logged.add(counter)
        log_once(
            f"drop-{counter}",
            "errorwire: a report was not sent (%s%s); such reports are counted as %r in "
            "errorwire.stats() and not logged again",
            reason.sentence if vendor is None else f"{vendor}: {reason.sentence}",
            f": {detail}" if detail else "",
            counter,
            level=logging.INFO,
        )

    def logged(self, reason: DropReason) -> bool:
        """Whether ``drop(reason)`` has said why already (no lock: a set lookup)."""
        return reason in self._logged  # a str enum hashes and compares as its value

    def take(self) -> Dict[str, int]:
        """The counts, and zero from now on."""
        with self._lock:
            counts = dict(self._counts)
            self._counts.clear()
            return counts

    def snapshot(self) -> Dict[str, int]:
        with self._lock:
            return dict(self._counts)
