"""The default store: one SQLite file (WAL), safe for several processes on one host.

Each process opens its own connection (reopened after a fork); threads share it under a lock.
Claims and leases run in ``BEGIN IMMEDIATE`` transactions, so two processes never both win.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import Event
from .store import Claim, Snapshot, Store

FILE_NAME = "events.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS processed (
    event_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    done_at REAL,
    provider TEXT,
    envelope_id TEXT,
    kind TEXT
);
CREATE TABLE IF NOT EXISTS watch_state (
    watcher TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    terminal INTEGER NOT NULL,
    checked_at REAL NOT NULL,
    PRIMARY KEY (watcher, envelope_id)
);
CREATE TABLE IF NOT EXISTS watch_cursor (
    watcher TEXT PRIMARY KEY,
    cursor TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires REAL NOT NULL
);
"""


def default_path() -> Path:
    """``events.sqlite3`` in signport's platform data folder."""
    import platformdirs

    return platformdirs.user_data_path("signport", appauthor=False) / FILE_NAME


class SQLiteStore(Store):
    """Processed ids and watcher state in a SQLite file (default: the platform data folder).

    ``lease`` is how long a ``lock`` survives a process that died holding it.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, busy_timeout: float = 30.0,
                 lease: float = 60.0) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.busy_timeout = busy_timeout
        self.lease = lease
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the folder of the event store {self.path}: {exc.strerror}") from None
        with self._lock:
            self._connect()

    def __repr__(self) -> str:
        return f"<SQLiteStore {str(self.path)!r}>"

    # --- connection ----------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        self._conn = None  # inherited through fork: never used or closed here
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                       check_same_thread=False)
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                if str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower() != "wal":
                    raise ConfigError(f"the event store {self.path} cannot use WAL mode")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.executescript(SCHEMA)
                break
            except sqlite3.OperationalError as exc:
                # A new file switching to WAL answers "locked" at once while another process does it too.
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise ConfigError(f"cannot open the event store {self.path}: {exc}") from None
                time.sleep(0.02)
        self._conn, self._pid = conn, os.getpid()
        return conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken at once (``BEGIN IMMEDIATE``)."""
        with self._lock:
            conn = self._connect()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._connect().execute(sql, params).fetchall())

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    # --- processed events ----------------------------------------------------------------------
    def claim(self, event: Event, owner: str, *, stale_after: float) -> Claim:
        assert event.id, "claim needs an event id"
        now = time.time()
        with self._tx() as conn:
            row = conn.execute("SELECT status, claimed_at FROM processed WHERE event_id = ?",
                               (event.id,)).fetchone()
            if row is None:
                conn.execute("INSERT INTO processed (event_id, status, owner, claimed_at, provider, envelope_id,"
                             " kind) VALUES (?, 'claimed', ?, ?, ?, ?, ?)",
                             (event.id, owner, now, event.provider, event.envelope_id, event.kind.value))
                return Claim.NEW
            if row[0] == "done":
                return Claim.DONE
            if now - float(row[1]) > stale_after:
                conn.execute("UPDATE processed SET owner = ?, claimed_at = ? WHERE event_id = ?",
                             (owner, now, event.id))
                return Claim.NEW
            return Claim.BUSY

    def finish(self, event_id: str, owner: str) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE processed SET status = 'done', done_at = ? WHERE event_id = ?",
                         (time.time(), event_id))

    def release(self, event_id: str, owner: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM processed WHERE event_id = ? AND owner = ? AND status = 'claimed'",
                         (event_id, owner))

    def processed(self, event_id: str) -> bool:
        rows = self._read("SELECT 1 FROM processed WHERE event_id = ? AND status = 'done'", (event_id,))
        return bool(rows)

    def processed_ids(self) -> list[str]:
        return [r[0] for r in self._read("SELECT event_id FROM processed WHERE status = 'done' ORDER BY done_at")]

    # --- watcher state -------------------------------------------------------------------------
    def seen(self, watcher: str, envelope_id: str) -> tuple[Snapshot, float] | None:
        rows = self._read("SELECT snapshot, checked_at FROM watch_state WHERE watcher = ? AND envelope_id = ?",
                          (watcher, envelope_id))
        return (Snapshot.from_json(rows[0][0]), float(rows[0][1])) if rows else None

    def remember(self, watcher: str, envelope_id: str, snapshot: Snapshot, at: float) -> None:
        with self._tx() as conn:
            conn.execute("INSERT INTO watch_state (watcher, envelope_id, snapshot, terminal, checked_at)"
                         " VALUES (?, ?, ?, ?, ?) ON CONFLICT (watcher, envelope_id) DO UPDATE SET"
                         " snapshot = excluded.snapshot, terminal = excluded.terminal,"
                         " checked_at = excluded.checked_at",
                         (watcher, envelope_id, snapshot.to_json(), int(snapshot.terminal), at))

    def forget(self, watcher: str, envelope_id: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM watch_state WHERE watcher = ? AND envelope_id = ?", (watcher, envelope_id))

    def open_envelopes(self, watcher: str) -> list[tuple[str, float]]:
        rows = self._read("SELECT envelope_id, checked_at FROM watch_state WHERE watcher = ? AND terminal = 0"
                          " ORDER BY checked_at", (watcher,))
        return [(r[0], float(r[1])) for r in rows]

    def cursor(self, watcher: str) -> dict[str, Any] | None:
        rows = self._read("SELECT cursor FROM watch_cursor WHERE watcher = ?", (watcher,))
        return dict(json.loads(rows[0][0])) if rows else None

    def save_cursor(self, watcher: str, cursor: Mapping[str, Any]) -> None:
        with self._tx() as conn:
            conn.execute("INSERT INTO watch_cursor (watcher, cursor) VALUES (?, ?) ON CONFLICT (watcher)"
                         " DO UPDATE SET cursor = excluded.cursor", (watcher, json.dumps(dict(cursor))))

    def try_lock(self, key: str, owner: str) -> bool:
        now = time.time()
        with self._tx() as conn:
            cur = conn.execute("INSERT INTO leases (key, owner, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO"
                               " UPDATE SET owner = excluded.owner, expires = excluded.expires"
                               " WHERE leases.expires < ? OR leases.owner = excluded.owner",
                               (key, owner, now + self.lease, now))
            return cur.rowcount == 1

    def unlock(self, key: str, owner: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM leases WHERE key = ? AND owner = ?", (key, owner))
