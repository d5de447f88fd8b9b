"""The local store: one SQLite file (WAL) and a folder of PDFs beside it.

Layout of the store's folder::

    signport.sqlite3                      envelopes (one JSON row each) and events
    envelopes/<envelope id>/<doc id>.pdf   the documents as sent
    envelopes/<envelope id>/executed/      executed PDFs, audit trail, combined PDF

Every mutation runs in one ``BEGIN IMMEDIATE`` transaction (so two processes
sharing the folder take turns, waiting up to ``busy_timeout``); reads see the
last committed state. Rows are (un)structured by ``signport.convert.converter``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from signport.convert import converter
from signport.errors import NotFound, ProviderError
from signport.states import Delivery, FieldType, SigningOrder

NAME = "local"
DB_NAME = "signport.sqlite3"
SCHEMA_VERSION = 2

# Native envelope statuses.
DRAFT = "draft"
SENT = "sent"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
DECLINED = "declined"
VOIDED = "voided"
EXPIRED = "expired"
OPEN = (SENT, IN_PROGRESS)
# Native signer statuses.
S_PENDING = "pending"
S_NEXT = "next"
S_SIGNED = "signed"
S_DECLINED = "declined"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS envelopes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    status     TEXT NOT NULL,
    sign_by    TEXT,
    created_at TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS envelopes_status ON envelopes (status, seq);
CREATE INDEX IF NOT EXISTS envelopes_sign_by ON envelopes (sign_by) WHERE sign_by IS NOT NULL;
CREATE TABLE IF NOT EXISTS events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    envelope_id TEXT NOT NULL,
    event       TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_envelope ON events (envelope_id, seq);
CREATE TABLE IF NOT EXISTS links (
    token       TEXT PRIMARY KEY,
    envelope_id TEXT NOT NULL,
    signer_id   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (envelope_id, signer_id)
);
CREATE TABLE IF NOT EXISTS deliveries (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    envelope_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    event       TEXT NOT NULL,
    url         TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TEXT NOT NULL,
    lease_until TEXT,
    log         TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_at);
CREATE INDEX IF NOT EXISTS deliveries_envelope ON deliveries (envelope_id, seq);
"""


#: Connections inherited from a parent process through fork, kept so they are never closed here.
_inherited: list[sqlite3.Connection] = []


def new_id() -> str:
    """A fresh identifier: 32 lowercase hex digits (uuid4)."""
    return uuid.uuid4().hex


def sortable(value: datetime) -> str:
    """A UTC timestamp string whose text order is time order (for indexed columns)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- the stored rows ---------------------------------------------------------------------------
@attrs.define
class SignerRecord:
    """A signer as stored."""

    id: str
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    key: str | None = None
    delivery: list[Delivery] = attrs.field(factory=lambda: [Delivery.EMAIL])
    language: str | None = None
    status: str = S_PENDING
    signed_at: datetime | None = None
    declined_at: datetime | None = None
    decline_reason: str | None = None

    @property
    def name(self) -> str:
        """First and last name joined."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@attrs.define
class DocumentRecord:
    """A document as stored: the file is ``envelopes/<envelope id>/<id>.pdf``."""

    id: str
    name: str
    sha256: str
    size: int
    pages: int
    key: str | None = None
    executed_sha256: str | None = None


@attrs.define
class FieldRecord:
    """A field as stored, bound to a signer and a document by id."""

    id: str
    type: FieldType
    signer_id: str
    document_id: str
    page: int
    x: float
    y: float
    width: float
    height: float
    required: bool = True
    value: str | None = None
    drawn: bool = False


@attrs.define
class EnvelopeRecord:
    """An envelope as stored; its JSON form is the ``raw`` payload of the neutral Envelope."""

    id: str
    status: str
    subject: str
    created_at: datetime
    updated_at: datetime
    order: SigningOrder = SigningOrder.PARALLEL
    message: str | None = None
    sign_by: datetime | None = None
    sent_at: datetime | None = None
    completed_at: datetime | None = None
    declined_at: datetime | None = None
    voided_at: datetime | None = None
    void_reason: str | None = None
    expired_at: datetime | None = None
    copied_from: str | None = None
    signers: list[SignerRecord] = attrs.field(factory=list)
    documents: list[DocumentRecord] = attrs.field(factory=list)
    fields: list[FieldRecord] = attrs.field(factory=list)
    extras: dict[str, Any] = attrs.field(factory=dict)

    def signer(self, ref: str) -> SignerRecord:
        """The signer with this id (or key); ``NotFound`` otherwise."""
        for s in self.signers:
            if ref == s.id:
                return s
        for s in self.signers:
            if s.key is not None and ref == s.key:
                return s
        raise NotFound(f"envelope {self.id} has no signer {ref!r}", provider=NAME)

    def document(self, ref: str) -> DocumentRecord:
        """The document with this id; ``NotFound`` otherwise."""
        for d in self.documents:
            if ref == d.id:
                return d
        raise NotFound(f"envelope {self.id} has no document {ref!r}", provider=NAME)


@attrs.define
class EventRecord:
    """One event as stored; its JSON form is the local webhook delivery body."""

    id: str
    event: str
    envelope_id: str
    occurred_at: datetime
    signer_id: str | None = None
    document_id: str | None = None
    reason: str | None = None
    actor: str | None = None


def to_json(record: EnvelopeRecord | EventRecord) -> str:
    """The stored JSON text of a record."""
    return json.dumps(converter.unstructure(record), ensure_ascii=False, separators=(",", ":"))


def envelope_from(data: Any) -> EnvelopeRecord:
    """An ``EnvelopeRecord`` from its JSON form (a dict or the text)."""
    if isinstance(data, str | bytes):
        data = json.loads(data)
    record: EnvelopeRecord = converter.structure(data, EnvelopeRecord)
    return record


def event_from(data: Any) -> EventRecord:
    """An ``EventRecord`` from its JSON form (a dict or the text)."""
    if isinstance(data, str | bytes):
        data = json.loads(data)
    record: EventRecord = converter.structure(data, EventRecord)
    return record


# --- the store ---------------------------------------------------------------------------------
class Store:
    """The SQLite database and document folder of one local store.

    One connection per process (reopened after a fork), shared by threads under a lock.
    """

    def __init__(self, folder: Path, *, busy_timeout: float = 30.0) -> None:
        self.folder = folder
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / "envelopes").mkdir(exist_ok=True)
        except OSError as exc:
            raise ProviderError(f"cannot create the local store folder {folder}: {exc.strerror or exc}",
                                provider=NAME) from None
        with self._lock:
            self._connect()

    @property
    def db_path(self) -> Path:
        """The SQLite file."""
        return self.folder / DB_NAME

    def envelope_dir(self, envelope_id: str) -> Path:
        """The folder holding one envelope's PDFs."""
        return self.folder / "envelopes" / envelope_id

    def document_path(self, envelope_id: str, document_id: str) -> Path:
        """The stored original of a document."""
        return self.envelope_dir(envelope_id) / f"{document_id}.pdf"

    def drawing_path(self, envelope_id: str, field_id: str) -> Path:
        """A signature or initials drawn on the signing page (a PNG), by field id."""
        return self.envelope_dir(envelope_id) / "drawn" / f"{field_id}.png"

    def executed_dir(self, envelope_id: str) -> Path:
        """The folder of an envelope's executed PDFs."""
        return self.envelope_dir(envelope_id) / "executed"

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            if self._pid == os.getpid():
                return self._conn
            # Inherited through fork: SQLite forbids using or closing it here; leave it alone.
            _inherited.append(self._conn)
            self._conn = None
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                conn = self._open()
                break
            except sqlite3.OperationalError as exc:
                # Switching a new file to WAL answers "locked" at once, without waiting
                # for the busy timeout, while another process does the same: try again.
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise ProviderError(f"cannot open the local store {self.db_path}: {exc}",
                                        provider=NAME) from None
                time.sleep(0.02)
            except sqlite3.Error as exc:
                raise ProviderError(f"cannot open the local store {self.db_path}: {exc}",
                                    provider=NAME) from None
        self._conn, self._pid = conn, os.getpid()
        return conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=self.busy_timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode != "wal":
                mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
            if mode != "wal":
                raise ProviderError(f"the local store {self.db_path} cannot use WAL mode ({mode})",
                                    provider=NAME)
            conn.execute("PRAGMA synchronous = NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ProviderError(f"the local store {self.db_path} was written by a newer signport "
                                    f"(schema {version})", provider=NAME)
            if version < SCHEMA_VERSION:
                conn.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        """Close the database connection (it reopens on next use)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent read snapshot (inside ``write()``, the transaction's own view)."""
        with self._lock:
            conn = self._connect()
            if conn.in_transaction:
                yield conn
                return
            try:
                conn.execute("BEGIN")
                try:
                    yield conn
                finally:
                    if conn.in_transaction:
                        conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise _store_error(exc) from None

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``); committed if the block completes."""
        with self._lock:
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _store_error(exc) from None
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _store_error(exc) from None
                raise

    # --- rows (inside read() / write()) ---------------------------------------------------------
    @staticmethod
    def load(conn: sqlite3.Connection, envelope_id: str) -> EnvelopeRecord:
        """The envelope with this id; ``NotFound`` otherwise."""
        row = conn.execute("SELECT body FROM envelopes WHERE id = ?", (envelope_id,)).fetchone()
        if row is None:
            raise NotFound(f"no envelope {envelope_id!r} in the local store", provider=NAME)
        return envelope_from(row[0])

    @staticmethod
    def load_raw(conn: sqlite3.Connection, envelope_id: str) -> dict[str, Any]:
        """The stored JSON of an envelope; ``NotFound`` otherwise."""
        row = conn.execute("SELECT body FROM envelopes WHERE id = ?", (envelope_id,)).fetchone()
        if row is None:
            raise NotFound(f"no envelope {envelope_id!r} in the local store", provider=NAME)
        data: dict[str, Any] = json.loads(row[0])
        return data

    @staticmethod
    def insert(conn: sqlite3.Connection, record: EnvelopeRecord) -> None:
        """Store a new envelope."""
        conn.execute(
            "INSERT INTO envelopes (id, status, sign_by, created_at, body) VALUES (?, ?, ?, ?, ?)",
            (record.id, record.status, sortable(record.sign_by) if record.sign_by else None,
             sortable(record.created_at), to_json(record)))

    @staticmethod
    def save(conn: sqlite3.Connection, record: EnvelopeRecord) -> None:
        """Store the new state of an existing envelope."""
        cur = conn.execute(
            "UPDATE envelopes SET status = ?, sign_by = ?, body = ? WHERE id = ?",
            (record.status, sortable(record.sign_by) if record.sign_by else None, to_json(record), record.id))
        if cur.rowcount != 1:
            raise NotFound(f"no envelope {record.id!r} in the local store", provider=NAME)

    @staticmethod
    def delete(conn: sqlite3.Connection, envelope_id: str) -> None:
        """Remove an envelope and its events."""
        conn.execute("DELETE FROM envelopes WHERE id = ?", (envelope_id,))
        conn.execute("DELETE FROM events WHERE envelope_id = ?", (envelope_id,))
        conn.execute("DELETE FROM links WHERE envelope_id = ?", (envelope_id,))
        conn.execute("DELETE FROM deliveries WHERE envelope_id = ?", (envelope_id,))

    @staticmethod
    def add_event(conn: sqlite3.Connection, event: EventRecord) -> None:
        """Record an event."""
        conn.execute("INSERT INTO events (id, envelope_id, event, occurred_at, body) VALUES (?, ?, ?, ?, ?)",
                     (event.id, event.envelope_id, event.event, sortable(event.occurred_at), to_json(event)))

    @staticmethod
    def events(conn: sqlite3.Connection, envelope_id: str) -> list[EventRecord]:
        """An envelope's events, oldest first."""
        rows = conn.execute("SELECT body FROM events WHERE envelope_id = ? ORDER BY seq", (envelope_id,))
        return [event_from(row[0]) for row in rows]

    @staticmethod
    def overdue(conn: sqlite3.Connection, now: datetime) -> list[str]:
        """Ids of open envelopes whose ``sign_by`` has passed."""
        rows = conn.execute(
            "SELECT id FROM envelopes WHERE sign_by IS NOT NULL AND sign_by <= ? AND status IN (?, ?)",
            (sortable(now), *OPEN))
        return [row[0] for row in rows]

    @staticmethod
    def page(conn: sqlite3.Connection, statuses: Sequence[str] | None, after: int,
             limit: int) -> list[tuple[int, dict[str, Any]]]:
        """Up to ``limit`` envelopes with ``seq > after`` (oldest first), optionally by status."""
        sql = "SELECT seq, body FROM envelopes WHERE seq > ?"
        params: list[Any] = [after]
        if statuses is not None:
            sql += f" AND status IN ({', '.join('?' * len(statuses))})"
            params.extend(statuses)
        sql += " ORDER BY seq LIMIT ?"
        params.append(limit)
        return [(row[0], json.loads(row[1])) for row in conn.execute(sql, params)]

    # --- files --------------------------------------------------------------------------------
    def remove_envelope_files(self, envelope_id: str) -> None:
        """Delete an envelope's folder (its documents and executed PDFs)."""
        shutil.rmtree(self.envelope_dir(envelope_id), ignore_errors=True)


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _store_error(exc: sqlite3.Error) -> ProviderError:
    text = str(exc)
    if _is_busy(exc):
        return ProviderError("the local store is busy (another process holds it); try again",
                             provider=NAME, code="busy")
    return ProviderError(f"local store error: {text}", provider=NAME)
