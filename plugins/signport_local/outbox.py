"""The webhook outbox: one row per (event, URL), written in the event's own transaction.

A row is ``pending`` until a POST answers 2xx (``delivered``) or its attempts run out (``failed``);
each attempt appends to its ``log`` (time, HTTP status or error). A poster claims a due row with a
short lease first, so two processes sharing the store never post the same attempt twice. Rows are
read and written here; ``server/delivery.py`` posts them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from .store import EventRecord, new_id, sortable

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
#: How long a claimed row is left to its poster before another may take it.
LEASE = timedelta(seconds=60)
#: Longest wait between two attempts.
MAX_BACKOFF = 300.0


@attrs.frozen(slots=True)
class Attempt:
    """One POST of a delivery: when, the HTTP status (``None`` when no answer came) and any error."""

    at: str
    status: int | None = None
    error: str | None = None


@attrs.frozen(slots=True)
class Delivery:
    """One event on its way to one URL."""

    id: str
    envelope_id: str
    event_id: str
    event: str
    url: str
    status: str
    attempts: int
    next_at: str
    log: tuple[Attempt, ...] = ()


def enqueue(conn: sqlite3.Connection, event: EventRecord, urls: Iterable[str]) -> None:
    """Add a pending delivery of ``event`` to each URL (inside the event's write transaction)."""
    for url in sorted(urls):
        conn.execute("INSERT INTO deliveries (id, envelope_id, event_id, event, url, status, next_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (new_id(), event.envelope_id, event.id, event.event, url, PENDING,
                      sortable(event.occurred_at)))


def _delivery(row: Sequence[Any]) -> Delivery:
    log = tuple(Attempt(at=str(a.get("at", "")), status=a.get("status"), error=a.get("error"))
                for a in json.loads(row[8] or "[]"))
    return Delivery(id=row[0], envelope_id=row[1], event_id=row[2], event=row[3], url=row[4], status=row[5],
                    attempts=int(row[6]), next_at=row[7], log=log)


_COLUMNS = "id, envelope_id, event_id, event, url, status, attempts, next_at, log"


def for_envelope(conn: sqlite3.Connection, envelope_id: str) -> list[Delivery]:
    """An envelope's deliveries, oldest first."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM deliveries WHERE envelope_id = ? ORDER BY seq",  # noqa: S608
                        (envelope_id,))
    return [_delivery(r) for r in rows]


def get(conn: sqlite3.Connection, delivery_id: str) -> Delivery | None:
    """One delivery by id."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()  # noqa: S608
    return _delivery(row) if row is not None else None


def claim(conn: sqlite3.Connection, now: datetime, limit: int = 20) -> list[Delivery]:
    """Take up to ``limit`` due pending rows under a lease (inside a write transaction)."""
    stamp = sortable(now)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM deliveries WHERE status = ? AND next_at <= ? "  # noqa: S608
        "AND (lease_until IS NULL OR lease_until <= ?) ORDER BY seq LIMIT ?",
        (PENDING, stamp, stamp, limit)).fetchall()
    for row in rows:
        conn.execute("UPDATE deliveries SET lease_until = ? WHERE id = ?", (sortable(now + LEASE), row[0]))
    return [_delivery(r) for r in rows]


def next_due(conn: sqlite3.Connection) -> str | None:
    """The earliest ``next_at`` of a pending row (a sortable UTC timestamp), if any."""
    row = conn.execute("SELECT MIN(next_at) FROM deliveries WHERE status = ?", (PENDING,)).fetchone()
    return str(row[0]) if row and row[0] is not None else None


def backoff(attempts: int, base: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: ``base``, doubling, capped."""
    return float(min(MAX_BACKOFF, base * (2 ** max(0, attempts - 1))))


def record(conn: sqlite3.Connection, delivery_id: str, attempt: Attempt, *, ok: bool, now: datetime,
           max_attempts: int, base_backoff: float) -> None:
    """Log one attempt: delivered, retried after a backoff, or failed for good."""
    row = conn.execute("SELECT attempts, log FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
    if row is None:
        return
    attempts = int(row[0]) + 1
    log = [*json.loads(row[1] or "[]"), attrs.asdict(attempt)]
    if ok:
        status, next_at = DELIVERED, now
    elif attempts >= max_attempts:
        status, next_at = FAILED, now
    else:
        status, next_at = PENDING, now + timedelta(seconds=backoff(attempts, base_backoff))
    conn.execute("UPDATE deliveries SET status = ?, attempts = ?, next_at = ?, lease_until = NULL, log = ? "
                 "WHERE id = ?", (status, attempts, sortable(next_at), json.dumps(log), delivery_id))


def redeliver(conn: sqlite3.Connection, delivery_id: str, now: datetime) -> bool:
    """Queue a delivery again now, with a fresh set of attempts; False if there is no such row."""
    cur = conn.execute("UPDATE deliveries SET status = ?, attempts = 0, next_at = ?, lease_until = NULL "
                       "WHERE id = ?", (PENDING, sortable(now), delivery_id))
    return cur.rowcount == 1
