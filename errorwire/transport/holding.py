"""``spool_after``: a report not delivered that long after its capture gets a spool row.

The row is insurance, claimed by this process while its sender keeps trying: it is
deleted once the vendor has the report, and kept for a later process if this one dies
(kill -9, OOM) or gives up. So a crash loses at most the last ``spool_after`` seconds of
reports, and a vendor that answers within the window costs no write at all.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Deque, List, Optional, Tuple

from errorwire.transport.delivery import Delivery, Lane
from errorwire.transport.lanes import Lanes


class Holds:
    def __init__(self, lanes: Lanes, after: float, clock: Callable[[], float] = time.time) -> None:
        self.lanes = lanes
        self.after = after
        self.clock = clock
        self._lock = threading.Lock()
        self._watched: Deque[Tuple[float, Lane, Delivery]] = deque()
        """Deliveries in capture order, with the time their row is due."""

    def watch(self, added: List[Tuple[Lane, Delivery]]) -> None:
        with self._lock:
            for lane, delivery in added:
                self._watched.append((delivery.captured + self.after, lane, delivery))

    def wait(self) -> Optional[float]:
        """Seconds until the next row is due (<= 0: now); None when nothing is watched."""
        with self._lock:
            if not self._watched:
                return None
            due = self._watched[0][0]
        return due - self.clock()

    def write_due(self) -> None:
        """Write a row for each watched report past its time and not finished yet."""
        while True:
            with self._lock:
                if not self._watched or self._watched[0][0] > self.clock():
                    return
                _, lane, delivery = self._watched.popleft()
            if delivery.final is None:
                self.lanes.write_racing(lane, delivery, "pending", held=True)
