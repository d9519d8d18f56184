"""The durable spool: rendered reports kept in a folder when they cannot be delivered now.

One SQLite file (WAL mode) per folder, shared by every process configured with it.
Each row is one vendor's rendered, capped body with its headers and event id, so a
later process sends exactly what was rendered. A process claims one row at a time
(``claim``), sends it and deletes it only once its vendor accepted it (``delete``);
a claim held by a process that died (kill -9) is taken over, so a report may reach
its vendor twice, never zero times, once it is in the spool.

Only the worker thread (and ``close`` at exit) calls in here: never a request thread.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from errorwire.core.safety import log_once
from errorwire.transport.spool_file import FILE_NAME, SpoolFile, abandoned

__all__ = ["FILE_NAME", "Spool", "Spooled"]

ROWS_SHARE = 7 / 8
"""Of spool_max_bytes, what the reports may take; the rest is for SQLite's own pages
(b-tree, part-filled overflow pages) and the write-ahead log, so the folder keeps to the bound."""
ROW_OVERHEAD = 128
"""Bytes charged per row beyond body and headers: ids, timestamps, the b-tree's own."""


Report = Tuple[str, str, Dict[str, str], bytes, Optional[float]]
"""vendor, event id, headers, body, capture time (time.time())."""


@dataclass
class Spooled:
    """One row claimed by this process."""

    row_id: int
    vendor: str
    event_id: str
    headers: Dict[str, str]
    body: bytes


class Spool(SpoolFile):
    """The store of one folder: keep, claim, delete and release reports. Thread-safe."""

    def __init__(self, directory: str, max_bytes: int) -> None:
        super().__init__(directory, max_bytes)
        self.budget = int(max_bytes * ROWS_SHARE)
        self.waiting: Optional[int] = None
        """Rows in the spool (all vendors, all processes) as of the worker's last look;
        None before its first."""
        self.bytes: Optional[int] = None
        self.written: Counter[str] = Counter()
        """Reports written to the spool, by why they could not be delivered."""
        self.sent = 0
        self.held = 0
        """Rows written as insurance for reports still being sent (``spool_after``)."""

    def _refresh(self, db: sqlite3.Connection) -> None:
        row = db.execute("SELECT rows, bytes FROM totals").fetchone()
        if row is not None:
            self.waiting, self.bytes = int(row[0]), int(row[1])

    # -- operations -------------------------------------------------------------------

    def add(
        self,
        vendor: str,
        event_id: str,
        headers: Dict[str, str],
        body: bytes,
        reason: str,
        captured: Optional[float] = None,
        held: bool = False,
    ) -> Optional[int]:
        """Keep one report; its row id, or None when it is larger than the whole spool.

        ``captured`` (a time.time()) orders eviction, oldest first. A ``held`` row is
        insurance for a report this process is still sending (``spool_after``): claimed by
        this process, and not counted as written until ``keep`` says why it stays."""
        header_text = json.dumps(headers, separators=(",", ":"))
        size = len(body) + len(header_text) + ROW_OVERHEAD
        if size > self.budget:
            self.dropped["spool_full"] += 1
            return None
        now = time.time()

        def work(db: sqlite3.Connection) -> int:
            # Inside: the connection names this process's owner mark (new after a fork).
            owner = (self._owner, os.getpid(), now) if held else (None, None, None)
            db.execute("BEGIN IMMEDIATE")
            evicted = self._make_room(db, size)
            cursor = db.execute(
                "INSERT INTO reports (vendor, event_id, headers, body, size, reason, created,"
                " owner, owner_pid, claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (vendor, event_id, header_text, body, size, reason, captured or now, *owner),
            )
            db.execute("COMMIT")
            if evicted:
                db.execute("PRAGMA incremental_vacuum")
            return int(cursor.lastrowid or 0)

        row_id: int = self._run(work)
        if held:
            self.held += 1
        else:
            self.written[reason] += 1
        return row_id

    def hold(self, reports: Sequence[Report]) -> List[Optional[int]]:
        """Held rows (see ``add``) for several reports in one transaction; per report its
        row id, or None when it is larger than the whole spool."""
        rows = []
        for vendor, event_id, headers, body, captured in reports:
            header_text = json.dumps(headers, separators=(",", ":"))
            size = len(body) + len(header_text) + ROW_OVERHEAD
            rows.append((vendor, event_id, header_text, body, size, captured))
        now = time.time()

        def work(db: sqlite3.Connection) -> List[Optional[int]]:
            ids: List[Optional[int]] = []
            db.execute("BEGIN IMMEDIATE")
            evicted = 0
            for vendor, event_id, header_text, body, size, captured in rows:
                if size > self.budget:
                    ids.append(None)
                    continue
                evicted += self._make_room(db, size)
                cursor = db.execute(
                    "INSERT INTO reports (vendor, event_id, headers, body, size, reason,"
                    " created, owner, owner_pid, claimed_at)"
                    " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
                    (
                        vendor,
                        event_id,
                        header_text,
                        body,
                        size,
                        captured or now,
                        self._owner,
                        os.getpid(),
                        now,
                    ),
                )
                ids.append(int(cursor.lastrowid or 0))
            db.execute("COMMIT")
            if evicted:
                db.execute("PRAGMA incremental_vacuum")
            return ids

        row_ids: List[Optional[int]] = self._run(work)
        too_large = sum(1 for r in row_ids if r is None)
        self.held += len(row_ids) - too_large
        if too_large:
            self.dropped["spool_full"] += too_large
        return row_ids

    def keep(self, row_id: int, reason: str) -> None:
        """A held row stays for a later attempt, by any process: released, counted as written."""

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE reports SET reason = ?, owner = NULL, owner_pid = NULL, claimed_at = NULL"
                " WHERE id = ? AND owner = ?",
                (reason, row_id, self._owner),
            )

        self._run(work)
        self.written[reason] += 1

    def _make_room(self, db: sqlite3.Connection, size: int) -> int:
        """Delete the earliest captured rows, whatever their vendor, until ``size`` more bytes
        fit; how many went."""
        total = int(db.execute("SELECT bytes FROM totals").fetchone()[0])
        excess = total + size - self.budget
        if excess <= 0:
            return 0
        freed = evicted = 0
        # Unclaimed rows first (a claimed one is being sent right now), each pass in id order
        # so no pass sorts the table.
        for claimed in (False, True):
            owned = "IS NOT NULL" if claimed else "IS NULL"
            rows = db.execute(
                f"SELECT id, size FROM reports WHERE owner {owned} ORDER BY created, id"
            )
            victims: List[int] = []
            for row_id, row_size in rows:
                victims.append(row_id)
                freed += row_size
                if freed >= excess:
                    break
            rows.close()
            db.executemany("DELETE FROM reports WHERE id = ?", [(v,) for v in victims])
            evicted += len(victims)
            if freed >= excess:
                break
        self.dropped["spool_full"] += evicted
        log_once(
            f"spool-full-{self.path}",
            "errorwire: the spool %s reached spool_max_bytes=%d; the oldest reports are "
            "dropped to make room (counted as spool_full in errorwire.stats())",
            self.path,
            self.max_bytes,
        )
        return evicted

    def claim(self, vendors: Sequence[str]) -> Optional[Spooled]:
        """The oldest row for one of ``vendors`` no live process holds, now held by this one."""
        if not vendors:
            return None

        def work(db: sqlite3.Connection) -> Optional[Spooled]:
            db.execute("BEGIN IMMEDIATE")
            now = time.time()
            # One walk of the (vendor, id) index per vendor: ``vendor IN (...) ORDER BY id``
            # would sort every waiting row on each claim (O(n) per row, O(n^2) a backlog).
            found = [self._first_free(db, vendor, now) for vendor in dict.fromkeys(vendors)]
            oldest = min((row_id for row_id in found if row_id is not None), default=None)
            claimed: Optional[Spooled] = None
            if oldest is not None:
                db.execute(
                    "UPDATE reports SET owner = ?, owner_pid = ?, claimed_at = ? WHERE id = ?",
                    (self._owner, os.getpid(), now, oldest),
                )
                vendor, event_id, headers, body = db.execute(
                    "SELECT vendor, event_id, headers, body FROM reports WHERE id = ?", (oldest,)
                ).fetchone()
                claimed = Spooled(oldest, vendor, event_id, json.loads(headers), bytes(body))
            db.execute("COMMIT")
            return claimed

        result: Optional[Spooled] = self._run(work)
        return result

    def _first_free(self, db: sqlite3.Connection, vendor: str, now: float) -> Optional[int]:
        """The id of ``vendor``'s oldest row that no live process holds."""
        rows = db.execute(
            "SELECT id, owner, owner_pid, claimed_at FROM reports"
            " WHERE vendor = ? AND (owner IS NULL OR owner != ?) ORDER BY id",
            (vendor, self._owner),
        )
        try:
            for row_id, owner, pid, claimed_at in rows:
                if owner is None or abandoned(pid, claimed_at, now):
                    return int(row_id)
            return None
        finally:
            rows.close()

    def delete(self, row_id: int) -> None:
        """The vendor accepted it (or refused it for good): gone."""
        self._run(lambda db: db.execute("DELETE FROM reports WHERE id = ?", (row_id,)))

    def release(self, row_ids: List[int]) -> None:
        """Not delivered after all: back in the spool for any process to take."""
        if not row_ids:
            return

        def work(db: sqlite3.Connection) -> None:
            db.executemany(
                "UPDATE reports SET owner = NULL, owner_pid = NULL, claimed_at = NULL "
                "WHERE id = ? AND owner = ?",
                [(row_id, self._owner) for row_id in row_ids],
            )

        self._run(work)

    def has(self, vendors: Sequence[str]) -> bool:
        """Whether rows for ``vendors`` not held by this process are waiting (a cheap look)."""
        if not vendors:
            return False
        marks = ",".join("?" * len(vendors))

        def work(db: sqlite3.Connection) -> bool:
            row = db.execute(
                f"SELECT 1 FROM reports WHERE vendor IN ({marks}) AND (owner IS NULL OR owner != ?)"
                " LIMIT 1",
                (*vendors, self._owner),
            ).fetchone()
            return row is not None

        return bool(self._run(work))

    def snapshot(self) -> Dict[str, Any]:
        return {
            "dir": self.directory,
            "waiting": self.waiting,
            "bytes": self.bytes,
            "written": dict(self.written),
            "sent": self.sent,
            "held": self.held,
            "dropped": dict(self.dropped),
        }
