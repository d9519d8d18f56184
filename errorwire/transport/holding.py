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
from typing import Callable, Deque, List, Optional, Tuple, Union

from errorwire.transport.delivery import DONE, Delivery, Lane
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
        """Write rows, in one transaction, for the watched reports past their time and not
        finished yet."""
        due: List[Tuple[Lane, Delivery]] = []
        now = self.clock()
        with self._lock:
            while self._watched and self._watched[0][0] <= now:
                _, lane, delivery = self._watched.popleft()
                if delivery.final is None:
                    due.append((lane, delivery))
        if due:
            write_all_racing(self.lanes, due, "pending", held=True)


def write_racing(lanes: Lanes, lane: Lane, delivery: Delivery, reason: str, held: bool) -> int:
    """Write a report its sender may be finishing to the spool; 1 when a row stays."""
    return write_all_racing(lanes, [(lane, delivery)], reason, held)


def write_all_racing(
    lanes: Lanes, pending: List[Tuple[Lane, Delivery]], reason: str, held: bool
) -> int:
    """Write reports their senders may be finishing to the spool (held: as insurance,
    in one transaction); how many rows stay.

    The handover happens under the lock: if a sender finished while its row was
    written, the row is settled here as the sender would have settled it."""
    feeder = lanes.feeder
    if feeder is None:
        return 0
    mine, there = _take_for_writing(lanes, pending)
    deliveries = [d for _, d in mine]
    rows = feeder.hold(deliveries) if held else [feeder.write(d, reason) for d in deliveries]
    return there + sum(_hand_over(lanes, lane, d, row, held) for (lane, d), row in zip(mine, rows))


def _take_for_writing(
    lanes: Lanes, pending: List[Tuple[Lane, Delivery]]
) -> Tuple[List[Tuple[Lane, Delivery]], int]:
    """Those to write now (marked as being written), and how many are in the spool."""
    with lanes.lock:
        mine = [(lane, d) for lane, d in pending if d.writable()]
        for _, delivery in mine:
            delivery.writing = True
        there = sum(1 for _, d in pending if d.spool_id is not None and d.final is None)
    return mine, there


def _hand_over(
    lanes: Lanes, lane: Lane, delivery: Delivery, row: Union[int, bool], held: bool
) -> int:
    """Its row is written (or not): 1 when it stays in the spool."""
    with lanes.lock:
        delivery.writing = False
        if not isinstance(row, bool):
            delivery.spool_id, delivery.held = row, held
        final = delivery.final
    if final is None:
        return int(row is not False)  # its sender settles the row
    lanes.done(lane, delivery, final)  # finished meanwhile: its sender left it to us
    return int(final != DONE and row is not False)
