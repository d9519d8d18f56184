"""SQLite storage for accepted reports, grouped by (vendor, grouping key). WAL mode.

One connection guarded by a lock: the inbox writes a few rows per report, and
WAL lets another process (a second inbox, the sqlite3 shell) read meanwhile.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY,
    vendor TEXT NOT NULL,
    grouping_key TEXT NOT NULL,
    title TEXT NOT NULL,
    exception_class TEXT,
    environment TEXT,
    framework TEXT,
    count INTEGER NOT NULL DEFAULT 0,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    last_report_id INTEGER,
    UNIQUE (vendor, grouping_key)
);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES groups(id),
    vendor TEXT NOT NULL,
    uuid TEXT,
    received_at REAL NOT NULL,
    title TEXT NOT NULL,
    exception_class TEXT,
    message TEXT,
    environment TEXT,
    framework TEXT,
    request_method TEXT,
    request_url TEXT,
    person TEXT,
    report TEXT NOT NULL,
    raw TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS reports_vendor_uuid ON reports(vendor, uuid)
    WHERE uuid IS NOT NULL;
CREATE INDEX IF NOT EXISTS reports_group ON reports(group_id, id);
CREATE INDEX IF NOT EXISTS groups_last_seen ON groups(last_seen);
"""

LISTED = (
    "id, group_id, vendor, uuid, received_at, title, exception_class, message, environment,"
    " framework, request_method, request_url, person"
)


class Store:
    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self.journal_mode = str(self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0])
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, report: Dict[str, Any], raw: Dict[str, Any]) -> Optional[int]:
        """Store one report; its id, or None when the vendor already has its uuid
        (Rollbar discards a repeated uuid)."""
        now = time.time()
        request = report.get("request") or {}
        person = report.get("person")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if (
                    report.get("uuid")
                    and self._db.execute(
                        "SELECT 1 FROM reports WHERE vendor = ? AND uuid = ?",
                        (report["vendor"], report["uuid"]),
                    ).fetchone()
                ):
                    self._db.execute("ROLLBACK")
                    return None
                group_id = self._touch_group(report, now)
                cursor = self._db.execute(
                    "INSERT INTO reports (group_id, vendor, uuid, received_at, title,"
                    " exception_class, message, environment, framework, request_method,"
                    " request_url, person, report, raw)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        group_id,
                        report["vendor"],
                        report.get("uuid"),
                        now,
                        report["title"],
                        report.get("exception_class"),
                        report.get("message"),
                        report.get("environment"),
                        report.get("framework"),
                        request.get("method"),
                        request.get("url"),
                        json.dumps(person) if person else None,
                        json.dumps(report, default=str),
                        json.dumps(raw, default=str),
                    ),
                )
                report_id = int(cursor.lastrowid or 0)
                self._db.execute(
                    "UPDATE groups SET last_report_id = ? WHERE id = ?", (report_id, group_id)
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return report_id

    def _touch_group(self, report: Dict[str, Any], now: float) -> int:
        key = (report["vendor"], report["grouping_key"])
        row = self._db.execute(
            "SELECT id FROM groups WHERE vendor = ? AND grouping_key = ?", key
        ).fetchone()
        if row is None:
            cursor = self._db.execute(
                "INSERT INTO groups (vendor, grouping_key, title, exception_class, environment,"
                " framework, count, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                (
                    *key,
                    report["title"],
                    report.get("exception_class"),
                    report.get("environment"),
                    report.get("framework"),
                    now,
                    now,
                ),
            )
            return int(cursor.lastrowid or 0)
        self._db.execute(
            "UPDATE groups SET count = count + 1, last_seen = ?, title = ?, environment = ?,"
            " framework = ? WHERE id = ?",
            (now, report["title"], report.get("environment"), report.get("framework"), row["id"]),
        )
        return int(row["id"])

    def groups(self, limit: int = 200) -> List[Dict[str, Any]]:
        """Groups, the most recently seen first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM groups ORDER BY last_seen DESC, id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [dict(r) for r in rows]

    def reports(
        self, *, limit: int = 500, vendor: Optional[str] = None, group_id: Optional[int] = None
    ) -> List[Dict[str, Any]]:
        """Report summaries, newest first."""
        where, args = [], []
        if vendor:
            where.append("vendor = ?")
            args.append(vendor)
        if group_id is not None:
            where.append("group_id = ?")
            args.append(str(group_id))
        sql = f"SELECT {LISTED} FROM reports"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._db.execute(f"{sql} ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [_summary(r) for r in rows]

    def report(self, report_id: int) -> Optional[Dict[str, Any]]:
        """One report in full: its summary, the normalized ``report`` and the ``raw`` payload."""
        with self._lock:
            row = self._db.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
            if row is None:
                return None
            group = self._db.execute(
                "SELECT * FROM groups WHERE id = ?", (row["group_id"],)
            ).fetchone()
        full = _summary(row)
        full["report"] = json.loads(row["report"])
        full["raw"] = json.loads(row["raw"])
        full["group"] = dict(group) if group is not None else None
        return full

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM reports").fetchone()[0])


def _summary(row: sqlite3.Row) -> Dict[str, Any]:
    person = row["person"]
    url = row["request_url"]
    return {
        "id": row["id"],
        "group_id": row["group_id"],
        "vendor": row["vendor"],
        "uuid": row["uuid"],
        "received_at": row["received_at"],
        "title": row["title"],
        "exception_class": row["exception_class"],
        "message": row["message"],
        "environment": row["environment"],
        "framework": row["framework"],
        "request_method": row["request_method"],
        "request_url": url,
        "request_path": _path(url),
        "person": json.loads(person) if person else None,
    }


def _path(url: Optional[str]) -> Optional[str]:
    if not url:
        return None
    try:
        return urlsplit(url).path or "/"
    except ValueError:  # "Invalid IPv6 URL" (a stray "[" or "]"): show what was sent
        return url
