"""Signing links: one unguessable token per signer of an envelope, kept in the store's ``links`` table.

A token (``secrets.token_urlsafe``, 256 bits) is made the first time a signer's link is asked for
and stays the same afterwards; it opens that signer's page on that envelope and nothing else.
A duplicated envelope has new signer ids, so its signers get tokens of their own.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import datetime

from .store import sortable

#: Bytes of randomness in a token (43 URL-safe characters).
TOKEN_BYTES = 32


def link_token(conn: sqlite3.Connection, envelope_id: str, signer_id: str, now: datetime) -> str:
    """The signer's token, made on first use (inside a write transaction)."""
    row = conn.execute("SELECT token FROM links WHERE envelope_id = ? AND signer_id = ?",
                       (envelope_id, signer_id)).fetchone()
    if row is not None:
        return str(row[0])
    token = secrets.token_urlsafe(TOKEN_BYTES)
    conn.execute("INSERT INTO links (token, envelope_id, signer_id, created_at) VALUES (?, ?, ?, ?)",
                 (token, envelope_id, signer_id, sortable(now)))
    return token


def resolve_token(conn: sqlite3.Connection, token: str) -> tuple[str, str] | None:
    """``(envelope id, signer id)`` of a token, or ``None`` for an unknown one."""
    if not token or len(token) > 100:
        return None
    row = conn.execute("SELECT envelope_id, signer_id FROM links WHERE token = ?", (token,)).fetchone()
    return (str(row[0]), str(row[1])) if row is not None else None
