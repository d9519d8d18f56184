"""Periodic jobs run on the transport's worker thread, and once more at close."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, List, Optional

from errorwire.core.safety import swallow


@dataclass
class _Job:
    interval: float
    run: Callable[[], None]
    next_at: float


class Periodic:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._jobs: List[_Job] = []

    def add(self, interval: float, job: Callable[[], None]) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be a positive number of seconds, got {interval!r}")
        with self._lock:
            self._jobs.append(_Job(interval, job, self.clock() + interval))

    def due_in(self) -> Optional[float]:
        """Seconds until the next job is due (<= 0: now); None without jobs."""
        with self._lock:
            if not self._jobs:
                return None
            return min(job.next_at for job in self._jobs) - self.clock()

    def run_due(self) -> None:
        now = self.clock()
        with self._lock:
            due = [job for job in self._jobs if job.next_at <= now]
            for job in due:
                job.next_at = now + job.interval
        for job in due:
            with swallow("periodic job"):
                job.run()

    def run_all(self) -> None:
        """Each job once more (at close), whether due or not."""
        with self._lock:
            jobs = list(self._jobs)
            self._jobs.clear()
        for job in jobs:
            with swallow("periodic job at close"):
                job.run()
