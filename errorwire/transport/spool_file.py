"""The spool's SQLite file: opened once per process (fork-safe), WAL mode, the schema,
and a corrupt file set aside and replaced. ``Spool`` (spool.py) holds the operations."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import uuid
from collections import Counter
from typing import Any, List, Optional, Tuple

from errorwire.core.safety import log_once

STALE_CLAIM = 600.0
"""A claim older than this is taken over even if its process seems alive (a reused pid)."""
FILE_NAME = "errorwire-spool.sqlite3"
BUSY_TIMEOUT = 5.0
"""Seconds a process waits for another one's write transaction."""
WAL_SHARE = 16
"""The write-ahead log is checkpointed (and truncated) at spool_max_bytes / WAL_SHARE."""
PAGE = 4096
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
CREATE INDEX IF NOT EXISTS reports_created ON reports (created);
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


class SpoolFile:
    """One folder's SQLite file. Thread-safe; the connection is per process (fork-safe)."""

    def __init__(self, directory: str, max_bytes: int) -> None:
        self.directory = directory
        self.path = os.path.join(directory, FILE_NAME)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._db: Optional[sqlite3.Connection] = None
        self._pid = -1
        self._inode: Optional[Tuple[int, int]] = None
        self._owner = ""
        """This process's mark on the rows it claims (new in every process)."""
        self.dropped: Counter[str] = Counter()
        """Reports dropped from the spool, by reason (a corrupt file, spool_full...)."""

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
        """After each piece of work, in the same locked section (the counts a user reads)."""

    def close(self) -> None:
        with self._lock:
            self.abandon_after_fork()
            if self._db is not None:
                self._db.close()
            self._db = None


def _is_corrupt(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    )


def abandoned(pid: Optional[int], claimed_at: Optional[float], now: float) -> bool:
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
