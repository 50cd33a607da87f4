"""The kiosk's visitors, recorded in the scene's folder in Python's own SQLite (``visitors.db``, WAL).

A season is tens of thousands of visitors: each is one row, written in O(1) and atomically, readable
by a second process while the server writes (``render visitors list``, ``render visitors purge``).
A row is written before the visitor's 201 and holds what their film needs to be made again (the
framed face lies beside it in ``pending/``, fsync'ed); it goes only by DELETE, a purge or the
retention. Rows hold no personal data: an id, times, a state, the names of the film's files.

A database that cannot be opened or written is said as one line (an :class:`OutputError`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from render.errors import OutputError

__all__ = ["Registry", "Record", "DATABASE", "PENDING"]

DATABASE = "visitors.db"
PENDING = "pending"  #: the folder of framed faces whose films are not made yet
#: How long a write waits for another writer (a purge beside the server) before it says the registry is busy.
BUSY_SECONDS = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS visitors (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    reason TEXT,
    files TEXT NOT NULL DEFAULT '[]',
    bytes INTEGER NOT NULL DEFAULT 0,
    finished REAL
);
CREATE INDEX IF NOT EXISTS visitors_created ON visitors (created);
CREATE INDEX IF NOT EXISTS visitors_state ON visitors (state);
"""


@dataclass(frozen=True)
class Record:
    """One visitor as the registry holds them."""

    id: str
    created: float
    state: str  #: pending, done or failed
    reason: str | None
    files: tuple[str, ...]  #: paths in the scene's folder
    bytes: int


class Registry:
    """The visitors of one scene folder. Thread-safe (one connection per thread); safe beside another
    process (SQLite's locking, WAL, a busy timeout)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / DATABASE
        self._local = threading.local()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db().executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise OutputError(f"{self.path}: the visitors' records cannot be opened ({exc}); check the folder's "
                              "permissions and free space") from exc  # --debug shows the original

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a row answered with a 201 survives a power cut
            self._local.db = db
        return db

    def _connection(self) -> Any:
        return _Transaction(self._db())

    def add(self, visitor_id: str, created: float | None = None) -> None:
        """A new visitor whose film is pending."""
        self._write("INSERT INTO visitors (id, created, state) VALUES (?, ?, 'pending')",
                    (visitor_id, time.time() if created is None else created))

    def carry(self, visitor_id: str, created: float, files: list[str], size: int) -> bool:
        """A visitor of an earlier version's manifest, carried over as done; False when already here."""
        return self._write("INSERT OR IGNORE INTO visitors (id, created, state, files, bytes, finished) "
                           "VALUES (?, ?, 'done', ?, ?, ?)", (visitor_id, created, json.dumps(files), size, created)) > 0

    def finish(self, visitor_id: str, files: list[str], size: int) -> bool:
        """Their film is done; False when the visitor was removed meanwhile (a purge, a DELETE)."""
        return self._write("UPDATE visitors SET state = 'done', reason = NULL, files = ?, bytes = ?, finished = ? "
                           "WHERE id = ?", (json.dumps(files), size, time.time(), visitor_id)) > 0

    def fail(self, visitor_id: str, reason: str) -> bool:
        """Their film failed; a film already done is never marked failed."""
        return self._write("UPDATE visitors SET state = 'failed', reason = ?, finished = ? WHERE id = ? "
                           "AND state = 'pending'", (reason, time.time(), visitor_id)) > 0

    def remove(self, visitor_id: str) -> bool:
        return self._write("DELETE FROM visitors WHERE id = ?", (visitor_id,)) > 0

    def get(self, visitor_id: str) -> Record | None:
        row = self._read("SELECT id, created, state, reason, files, bytes FROM visitors WHERE id = ?", (visitor_id,))
        return _record(row[0]) if row else None

    def pending(self) -> list[Record]:
        """The visitors whose film is still to be made, oldest first."""
        rows = self._read("SELECT id, created, state, reason, files, bytes FROM visitors WHERE state = 'pending' "
                          "ORDER BY created", ())
        return [_record(row) for row in rows]

    def pending_count(self) -> int:
        return self._read("SELECT COUNT(*) FROM visitors WHERE state = 'pending'", ())[0][0]

    def newest_done(self, limit: int) -> list[Record]:
        """The visitors whose film is made, newest first (the wall's)."""
        rows = self._read("SELECT id, created, state, reason, files, bytes FROM visitors WHERE state = 'done' "
                          "ORDER BY created DESC LIMIT ?", (limit,))
        return [_record(row) for row in rows]

    def older_than(self, when: float) -> list[Record]:
        rows = self._read("SELECT id, created, state, reason, files, bytes FROM visitors WHERE created < ?", (when,))
        return [_record(row) for row in rows]

    def every(self) -> Iterator[Record]:
        for row in self._read("SELECT id, created, state, reason, files, bytes FROM visitors", ()):
            yield _record(row)

    def counts(self, since: float) -> dict[str, Any]:
        """Totals: visitors, those since ``since``, by state, the oldest and newest, the bytes kept."""
        (total, today, done, failed, pending, oldest, newest, size), = self._read(
            "SELECT COUNT(*), COALESCE(SUM(created >= ?), 0), COALESCE(SUM(state = 'done'), 0), "
            "COALESCE(SUM(state = 'failed'), 0), COALESCE(SUM(state = 'pending'), 0), MIN(created), MAX(created), "
            "COALESCE(SUM(bytes), 0) FROM visitors", (since,))
        return {"visitors": total, "today": today, "done": done, "failed": failed, "pending": pending,
                "oldest": oldest, "newest": newest, "bytes": size}

    def _write(self, sql: str, parameters: tuple) -> int:
        try:
            with self._connection() as db:
                return db.execute(sql, parameters).rowcount
        except sqlite3.Error as exc:
            raise OutputError(f"{self.path}: the visitors' records cannot be written ({exc}); check the "
                              "folder's permissions and free space") from exc  # --debug shows the original

    def _read(self, sql: str, parameters: tuple) -> list[tuple]:
        try:
            return self._db().execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            raise OutputError(f"{self.path}: the visitors' records cannot be read ({exc}); check the file") from exc


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on failure) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def _record(row: tuple) -> Record:
    """A row as a record; a row damaged by hand (files not a JSON list of names, odd types) reads as
    one with no files, never as a failure of every page that lists it."""
    visitor_id, created, state, reason, files, size = row
    try:
        names = json.loads(files) if isinstance(files, (str, bytes)) else None
    except ValueError:
        names = None
    kept = tuple(n for n in names if isinstance(n, str)) if isinstance(names, list) else ()
    return Record(str(visitor_id), float(created) if isinstance(created, (int, float)) else 0.0, str(state),
                  reason if isinstance(reason, str) else None, kept, size if isinstance(size, int) else 0)
