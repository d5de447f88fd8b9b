"""The store for several hosts: PostgreSQL through psycopg 3 (``pip install "signport[postgres]"``).

Receivers and watchers on any number of hosts share one database. Claims use ``INSERT ... ON CONFLICT``
with the database's clock (no host clock decides whether a claim is stale); envelope locks are
session-level advisory locks (``pg_try_advisory_lock``) held on a connection of their own, so a
watcher that dies lets go of them with its connection.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from ..model import Event
from .store import Claim, Snapshot, Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS signport_processed (
    event_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    done_at TIMESTAMPTZ,
    provider TEXT,
    envelope_id TEXT,
    kind TEXT
);
CREATE TABLE IF NOT EXISTS signport_watch_state (
    watcher TEXT NOT NULL,
    envelope_id TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    terminal BOOLEAN NOT NULL,
    checked_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (watcher, envelope_id)
);
CREATE TABLE IF NOT EXISTS signport_watch_cursor (
    watcher TEXT PRIMARY KEY,
    cursor TEXT NOT NULL
);
"""
#: Advisory lock keys are namespaced by this (the first 32 bits of the key) to stay clear of others.
_LOCK_SPACE = 0x5167_0E7E


def _lock_key(key: str) -> tuple[int, int]:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return _LOCK_SPACE, int.from_bytes(digest[:4], "big", signed=True)


class PostgresStore(Store):
    """Processed ids and watcher state in PostgreSQL; ``dsn`` is a libpq URL or key=value string."""

    def __init__(self, dsn: str, *, connect_timeout: float = 10.0) -> None:
        try:
            import psycopg
        except ImportError:
            raise ConfigError('the PostgreSQL event store needs psycopg: pip install "signport[postgres]"') from None
        self._psycopg = psycopg
        self.dsn = dsn
        self.connect_timeout = connect_timeout
        self._lock = threading.RLock()
        self._conn: Any = None
        self._locks_conn: Any = None
        self._pid = 0
        self._held: set[tuple[int, int]] = set()
        with self._lock:
            conn = self._connect()
            with conn.transaction():
                # Two processes creating the tables at once: serialise on a transaction advisory lock.
                conn.execute("SELECT pg_advisory_xact_lock(%s::int4, 0)", (_LOCK_SPACE,))
                conn.execute(SCHEMA)

    def __repr__(self) -> str:
        return "<PostgresStore>"  # the DSN may carry a password

    def _open(self) -> Any:
        try:
            return self._psycopg.connect(self.dsn, autocommit=True, connect_timeout=int(self.connect_timeout))
        except self._psycopg.Error as exc:
            raise ConfigError(f"cannot connect to the PostgreSQL event store: {type(exc).__name__}") from None

    def _connect(self) -> Any:
        if self._conn is None or self._pid != os.getpid() or self._conn.closed:
            if self._pid != os.getpid():  # inherited through fork: never used here
                self._conn = self._locks_conn = None
                self._held.clear()
            self._conn, self._pid = self._open(), os.getpid()
        return self._conn

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._connect().execute(sql, params).fetchall())

    def _exec(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        with self._lock:
            return int(self._connect().execute(sql, params).rowcount)

    def close(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                if self._held and self._locks_conn is not None and not self._locks_conn.closed:
                    # Let go now: a closed connection's locks are freed only when the server
                    # notices, a moment later, and another holder may be asking meanwhile.
                    # (A connection already gone has its locks freed by the server with it.)
                    with contextlib.suppress(self._psycopg.Error):
                        self._locks_conn.execute("SELECT pg_advisory_unlock_all()")
                for conn in (self._conn, self._locks_conn):
                    if conn is not None:
                        conn.close()
            self._conn = self._locks_conn = None
            self._held.clear()

    # --- processed events ------------------------------------------------------------------------
    def claim(self, event: Event, owner: str, *, stale_after: float) -> Claim:
        assert event.id, "claim needs an event id"
        taken = self._rows(
            "INSERT INTO signport_processed AS p (event_id, status, owner, provider, envelope_id, kind)"
            " VALUES (%s, 'claimed', %s, %s, %s, %s) ON CONFLICT (event_id) DO UPDATE"
            " SET owner = excluded.owner, claimed_at = now()"
            " WHERE p.status = 'claimed' AND p.claimed_at < now() - make_interval(secs => %s)"
            " RETURNING owner",
            (event.id, owner, event.provider, event.envelope_id, event.kind.value, float(stale_after)))
        if taken:
            return Claim.NEW
        rows = self._rows("SELECT status FROM signport_processed WHERE event_id = %s", (event.id,))
        if not rows:  # released between the two statements: try again
            return self.claim(event, owner, stale_after=stale_after)
        return Claim.DONE if rows[0][0] == "done" else Claim.BUSY

    def finish(self, event_id: str, owner: str) -> None:
        self._exec("UPDATE signport_processed SET status = 'done', done_at = now() WHERE event_id = %s", (event_id,))

    def release(self, event_id: str, owner: str) -> None:
        self._exec("DELETE FROM signport_processed WHERE event_id = %s AND owner = %s AND status = 'claimed'",
                   (event_id, owner))

    def processed(self, event_id: str) -> bool:
        return bool(self._rows("SELECT 1 FROM signport_processed WHERE event_id = %s AND status = 'done'",
                               (event_id,)))

    def processed_ids(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT event_id FROM signport_processed WHERE status = 'done'"
                                         " ORDER BY done_at")]

    # --- watcher state ---------------------------------------------------------------------------
    def seen(self, watcher: str, envelope_id: str) -> tuple[Snapshot, float] | None:
        rows = self._rows("SELECT snapshot, checked_at FROM signport_watch_state WHERE watcher = %s"
                          " AND envelope_id = %s", (watcher, envelope_id))
        return (Snapshot.from_json(rows[0][0]), float(rows[0][1])) if rows else None

    def remember(self, watcher: str, envelope_id: str, snapshot: Snapshot, at: float) -> None:
        self._exec("INSERT INTO signport_watch_state (watcher, envelope_id, snapshot, terminal, checked_at)"
                   " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (watcher, envelope_id) DO UPDATE SET"
                   " snapshot = excluded.snapshot, terminal = excluded.terminal, checked_at = excluded.checked_at",
                   (watcher, envelope_id, snapshot.to_json(), snapshot.terminal, at))

    def forget(self, watcher: str, envelope_id: str) -> None:
        self._exec("DELETE FROM signport_watch_state WHERE watcher = %s AND envelope_id = %s", (watcher, envelope_id))

    def open_envelopes(self, watcher: str) -> list[tuple[str, float]]:
        rows = self._rows("SELECT envelope_id, checked_at FROM signport_watch_state WHERE watcher = %s"
                          " AND NOT terminal ORDER BY checked_at", (watcher,))
        return [(r[0], float(r[1])) for r in rows]

    def cursor(self, watcher: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT cursor FROM signport_watch_cursor WHERE watcher = %s", (watcher,))
        return dict(json.loads(rows[0][0])) if rows else None

    def save_cursor(self, watcher: str, cursor: Mapping[str, Any]) -> None:
        self._exec("INSERT INTO signport_watch_cursor (watcher, cursor) VALUES (%s, %s) ON CONFLICT (watcher)"
                   " DO UPDATE SET cursor = excluded.cursor", (watcher, json.dumps(dict(cursor))))

    # --- advisory locks --------------------------------------------------------------------------
    def _locks(self) -> Any:
        self._connect()  # resets after a fork
        if self._locks_conn is None or self._locks_conn.closed:
            self._locks_conn = self._open()
            self._held.clear()
        return self._locks_conn

    def try_lock(self, key: str, owner: str) -> bool:
        pair = _lock_key(key)
        with self._lock:
            if pair in self._held:
                return False  # session locks nest; one holder per store object is enough
            got = bool(self._locks().execute("SELECT pg_try_advisory_lock(%s::int4, %s::int4)", pair).fetchone()[0])
            if got:
                self._held.add(pair)
            return got

    def unlock(self, key: str, owner: str) -> None:
        pair = _lock_key(key)
        with self._lock:
            if pair in self._held:
                self._held.discard(pair)
                self._locks().execute("SELECT pg_advisory_unlock(%s::int4, %s::int4)", pair)
