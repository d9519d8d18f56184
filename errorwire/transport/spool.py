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

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from errorwire.core.safety import log_once

FILE_NAME = "errorwire-spool.sqlite3"
BUSY_TIMEOUT = 5.0
"""Seconds a process waits for another one's write transaction."""
STALE_CLAIM = 600.0
"""A claim older than this is taken over even if its process seems alive (a reused pid)."""
WAL_SHARE = 16
"""The write-ahead log is checkpointed (and truncated) at spool_max_bytes / WAL_SHARE."""
ROWS_SHARE = 7 / 8
"""Of spool_max_bytes, what the reports may take; the rest is for SQLite's own pages
(b-tree, part-filled overflow pages) and the write-ahead log, so the folder keeps to the bound."""
PAGE = 4096
ROW_OVERHEAD = 128
"""Bytes charged per row beyond body and headers: ids, timestamps, the b-tree's own."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor TEXT NOT NULL,
    event_id TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    size INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created REAL NOT NULL,
    owner TEXT,
    owner_pid INTEGER,
    claimed_at REAL
);
CREATE INDEX IF NOT EXISTS reports_vendor ON reports (vendor, id);
CREATE TABLE IF NOT EXISTS totals (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    rows INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
INSERT OR IGNORE INTO totals VALUES (1, 0, 0);
CREATE TRIGGER IF NOT EXISTS reports_added AFTER INSERT ON reports BEGIN
    UPDATE totals SET rows = rows + 1, bytes = bytes + NEW.size;
END;
CREATE TRIGGER IF NOT EXISTS reports_removed AFTER DELETE ON reports BEGIN
    UPDATE totals SET rows = rows - 1, bytes = bytes - OLD.size;
END;
"""


_INHERITED: List[sqlite3.Connection] = []
"""Connections a forked child inherited: kept referenced so they are never closed."""


@dataclass
class Spooled:
    """One row claimed by this process."""

    row_id: int
    vendor: str
    event_id: str
    headers: Dict[str, str]
    body: bytes


class Spool:
    """The store of one folder. Thread-safe; the connection is per process (fork-safe)."""

    def __init__(self, directory: str, max_bytes: int) -> None:
        self.directory = directory
        self.path = os.path.join(directory, FILE_NAME)
        self.max_bytes = max_bytes
        self.budget = int(max_bytes * ROWS_SHARE)
        self._lock = threading.Lock()
        self._db: Optional[sqlite3.Connection] = None
        self._pid = -1
        self._inode: Optional[Tuple[int, int]] = None
        self._owner = ""
        self.waiting: Optional[int] = None
        """Rows in the spool (all vendors, all processes) as of the worker's last look;
        None before its first."""
        self.bytes: Optional[int] = None
        self.written: Counter[str] = Counter()
        """Reports written to the spool, by why they could not be delivered."""
        self.sent = 0
        self.dropped: Counter[str] = Counter()

    # -- connection -----------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            self.abandon_after_fork()
            self._pid = os.getpid()
            self._owner = uuid.uuid4().hex
        if self._db is not None:
            return self._db
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt(exc):
                raise
            self._set_aside(exc)
            self._db = self._open()
        return self._db

    def abandon_after_fork(self) -> None:
        """In a forked child: never use nor close the parent's connection. Closing it could
        checkpoint and delete the write-ahead log the parent still has open."""
        if self._db is not None and self._pid != os.getpid():
            _INHERITED.append(self._db)
            self._db = None

    def _open(self) -> sqlite3.Connection:
        os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))  # bodies hold keys
        stat = os.stat(self.path)
        self._inode = (stat.st_dev, stat.st_ino)  # the file _set_aside may move, and no other
        db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        try:
            # auto_vacuum must precede the first table; on an existing file it is a no-op.
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            db.execute("PRAGMA journal_mode = WAL")
            # NORMAL: a commit survives the process being killed (not a power cut) and costs
            # no fsync; the spool's promise is about processes.
            db.execute("PRAGMA synchronous = NORMAL")
            wal = self.max_bytes // WAL_SHARE
            db.execute(f"PRAGMA journal_size_limit = {wal}")
            db.execute(f"PRAGMA wal_autocheckpoint = {max(wal // PAGE, 16)}")
            db.executescript(f"BEGIN IMMEDIATE;{SCHEMA}COMMIT;")
            verdict = db.execute("PRAGMA quick_check(1)").fetchone()
            if verdict is None or verdict[0] != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed ({verdict})")
        except BaseException:
            db.close()
            raise
        return db

    def _set_aside(self, exc: BaseException) -> None:
        """Move a corrupt file out of the way (keeping only the latest one set aside)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        try:
            stat = os.stat(self.path)
            same = (stat.st_dev, stat.st_ino) == self._inode
        except FileNotFoundError:
            same = False
        if same:  # another process may have replaced it already: never move a fresh file
            aside = self.path + ".corrupt"
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.replace(self.path + suffix, aside + suffix)
            self.dropped["corrupt_file"] += 1
            log_once(
                f"spool-corrupt-{self.path}",
                "errorwire: the spool %s is corrupt (%s); set aside as %s.corrupt and "
                "replaced by an empty one (the reports in it are lost)",
                self.path,
                exc,
                self.path,
                level=logging.ERROR,
            )
        self._inode = None

    def _run(self, work: Any) -> Any:
        """``work(db)`` under the lock; a corrupt file is set aside and ``work`` retried once."""
        with self._lock:
            for attempt in (1, 2):
                db = self._connection()
                try:
                    result = work(db)
                    self._refresh(db)
                    return result
                except sqlite3.DatabaseError as exc:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    if attempt == 2 or not _is_corrupt(exc):
                        raise
                    self._set_aside(exc)
        return None  # pragma: no cover - the loop returns or raises

    def _refresh(self, db: sqlite3.Connection) -> None:
        row = db.execute("SELECT rows, bytes FROM totals").fetchone()
        if row is not None:
            self.waiting, self.bytes = int(row[0]), int(row[1])

    # -- operations -------------------------------------------------------------------

    def add(
        self, vendor: str, event_id: str, headers: Dict[str, str], body: bytes, reason: str
    ) -> Optional[int]:
        """Keep one report; its row id, or None when it is larger than the whole spool."""
        header_text = json.dumps(headers, separators=(",", ":"))
        size = len(body) + len(header_text) + ROW_OVERHEAD
        if size > self.budget:
            self.dropped["spool_full"] += 1
            return None

        def work(db: sqlite3.Connection) -> int:
            db.execute("BEGIN IMMEDIATE")
            evicted = self._make_room(db, size)
            cursor = db.execute(
                "INSERT INTO reports (vendor, event_id, headers, body, size, reason, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (vendor, event_id, header_text, body, size, reason, time.time()),
            )
            db.execute("COMMIT")
            if evicted:
                db.execute("PRAGMA incremental_vacuum")
            return int(cursor.lastrowid or 0)

        row_id: int = self._run(work)
        self.written[reason] += 1
        return row_id

    def _make_room(self, db: sqlite3.Connection, size: int) -> int:
        """Delete the oldest rows until ``size`` more bytes fit; how many went."""
        total = int(db.execute("SELECT bytes FROM totals").fetchone()[0])
        excess = total + size - self.budget
        if excess <= 0:
            return 0
        freed = evicted = 0
        # Unclaimed rows first (a claimed one is being sent right now), each pass in id order
        # so no pass sorts the table.
        for claimed in (False, True):
            owned = "IS NOT NULL" if claimed else "IS NULL"
            rows = db.execute(f"SELECT id, size FROM reports WHERE owner {owned} ORDER BY id")
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
                if owner is None or self._abandoned(pid, claimed_at, now):
                    return int(row_id)
            return None
        finally:
            rows.close()

    @staticmethod
    def _abandoned(pid: Optional[int], claimed_at: Optional[float], now: float) -> bool:
        """A claim whose process is gone (or is this pid in a new life: containers reuse pid 1)."""
        if pid is None or claimed_at is None or now - claimed_at > STALE_CLAIM:
            return True
        if pid == os.getpid():
            return True  # the owner differs from ours: an earlier process with our pid
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:  # alive, under another user
            return False
        return False

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

    def close(self) -> None:
        with self._lock:
            self.abandon_after_fork()
            if self._db is not None:
                self._db.close()
            self._db = None

    def snapshot(self) -> Dict[str, Any]:
        return {
            "dir": self.directory,
            "waiting": self.waiting,
            "bytes": self.bytes,
            "written": dict(self.written),
            "sent": self.sent,
            "dropped": dict(self.dropped),
        }


def _is_corrupt(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    )
