"""Tolerant readers and strict writers for values that cross the wire (timestamps, path segments).

Vendors write ISO 8601 with anywhere from 0 to 7 fractional digits (.NET ticks),
``Z`` or a numeric offset, sometimes a space instead of ``T``; Python's
``datetime.fromisoformat`` keeps at most 6 digits. ``parse_timestamp`` reads all
of them; ``format_timestamp`` writes the one form every vendor accepts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

#: What a URL path segment carries as it is (RFC 3986 unreserved characters).
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")


def path_segment(value: str) -> str:
    """``value`` percent-encoded for one URL path segment: no ``/`` (or anything else) can slip in.
    Ids made of unreserved characters (UUIDs, most vendor ids) come back as they are, without a scan."""
    if _UNRESERVED.fullmatch(value):
        return value
    return quote(value, safe="")


#: ``2024-12-17T14:30:00Z``, with or without fractional digits (``.8415620Z``, .NET's seven): what
#: vendors send most (ASCII digits only, unlike ``\d``).
_PLAIN_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?Z")
_TIMESTAMP = re.compile(
    r"^\s*(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d+))?)?)?"
    r"\s*(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


def _stdlib_utc(value: str) -> datetime | None:
    """A well-formed UTC timestamp read by the standard library (since Python 3.11 it takes any number
    of fractional digits and truncates past the sixth, as ``read_timestamp`` does); ``None`` for what
    it refuses, which is then read the long way."""
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is UTC else None


def parse_timestamp(value: Any, *, strict: bool = False) -> datetime | None:
    """An aware UTC ``datetime`` from an ISO 8601 string, or ``None``.

    Accepts 0 or more fractional digits (digits past the sixth are truncated),
    ``Z``/``z``, ``+HH:MM``/``+HHMM``/``+HH`` offsets, a date alone (midnight) and
    no offset at all (read as UTC). ``None``, ``""`` and anything unreadable give
    ``None``; with ``strict=True`` unreadable text raises ``ValueError`` instead.
    A ``datetime`` passes through (made aware, as UTC, if naive).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not isinstance(value, str):
        if strict:
            raise ValueError(f"not a timestamp: {value!r}")
        return None
    if _PLAIN_UTC.fullmatch(value) and (stamp := _stdlib_utc(value)) is not None:
        return stamp  # the form vendors send most, read without the general pattern
    return read_timestamp(value, strict=strict)


def read_timestamp(value: str, *, strict: bool = False) -> datetime | None:
    """``parse_timestamp`` of a string the long way, by the general pattern and without the standard
    library's reader: what ``parse_timestamp``'s shortcut for the common UTC form must agree with."""
    if not value.strip():
        return None
    match = _TIMESTAMP.match(value)
    if match is None:
        if strict:
            raise ValueError(f"not an ISO 8601 timestamp: {value!r}")
        return None
    try:
        year, month, day = (int(p) for p in match["date"].split("-"))
        micro = int((match["frac"] or "")[:6].ljust(6, "0"))
        stamp = datetime(year, month, day, int(match["h"] or 0), int(match["m"] or 0), int(match["s"] or 0),
                         micro, tzinfo=_offset(match["tz"]))
    except ValueError:
        if strict:
            raise
        return None
    return stamp.astimezone(UTC)


def _offset(text: str | None) -> timezone:
    if not text or text in "Zz":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"bad UTC offset: {text!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def format_timestamp(value: datetime) -> str:
    """``value`` in UTC as ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``; a naive ``datetime`` is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("refusing to send a naive datetime: attach a timezone")
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"
