"""What the transport still owes: the one count ``flush`` waits on.

Every unit of work (an event queued or being rendered, a delivery waiting in a lane
or in flight, a report being written to the spool) is begun once and finished once.
"""

from __future__ import annotations

import threading
import time


class Ledger:
    def __init__(self) -> None:
        self._settled = threading.Condition(threading.Lock())
        self._open = 0

    @property
    def open(self) -> int:
        return self._open

    def begin(self, count: int = 1) -> None:
        if count:
            with self._settled:
                self._open += count

    def finish(self, count: int = 1) -> None:
        if count:
            with self._settled:
                self._open = max(self._open - count, 0)
                if not self._open:
                    self._settled.notify_all()

    def wait(self, timeout: float) -> bool:
        """True once nothing is open; False when ``timeout`` seconds pass first."""
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._settled:
            while self._open > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._settled.wait(left)
        return True
