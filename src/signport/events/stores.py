"""Open an event store from a URL: a SQLite path (or ``sqlite:///path``) or ``postgresql://...``."""

from __future__ import annotations

from .sqlite import SQLiteStore
from .store import Store

#: Environment variable naming the event store (the CLI's default).
STORE_ENV = "SIGNPORT_EVENTS_STORE"


def open_store(url: str | None = None) -> Store:
    """The store ``url`` names; the default SQLite file when ``None``."""
    if not url:
        return SQLiteStore()
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(url)
    # sqlite:///relative/path and sqlite:////absolute/path (the usual URL form), or a plain path.
    return SQLiteStore(url.removeprefix("sqlite:///"))
