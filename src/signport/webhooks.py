"""Reading a webhook delivery safely: the one place every provider's ``parse_webhook`` starts.

A delivery comes from the network, so nothing about it is trusted: ``read_delivery``
normalises the headers, bounds the body's size, refuses a content type that is not JSON,
and decodes the JSON with a nesting limit, raising ``ValidationError`` (path ``headers``
or ``body``) for anything it cannot read. ``check_age`` refuses a delivery older than a
tolerance once a signature verified it (a replayed delivery carries a valid signature).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from .errors import ValidationError, WebhookVerificationError

#: The largest body read, in bytes (1 MiB); providers expose it as the ``webhook_max_bytes`` setting.
DEFAULT_MAX_BYTES = 1024 * 1024
#: How deeply arrays and objects may nest in a webhook body.
DEFAULT_MAX_DEPTH = 64
#: How old a verified delivery may be (when it carries a time) before it counts as a replay.
DEFAULT_TOLERANCE = timedelta(minutes=5)
#: The largest header block accepted (names and values, in characters).
MAX_HEADER_CHARS = 64 * 1024
_CONTAINERS = (dict, list)



@attrs.frozen(slots=True)
class Delivery:
    """A delivery that passed the checks: lower-cased ``headers``, the ``body`` bytes, its ``payload``."""

    headers: Mapping[str, str]
    body: bytes
    payload: dict[str, Any]


def normalise_headers(headers: object, *, provider: str | None = None) -> dict[str, str]:
    """``headers`` as a dict with lower-cased names; anything but a mapping of text is a ``ValidationError``."""
    if not isinstance(headers, Mapping):
        raise ValidationError(f"must be a mapping of header names to values, not {type(headers).__name__}",
                              path="headers", provider=provider)
    out: dict[str, str] = {}
    size = 0
    for name, value in headers.items():
        name, value = _header_text(name, "name", provider), _header_text(value, str(name), provider)
        size += len(name) + len(value)
        if size > MAX_HEADER_CHARS:
            raise ValidationError(f"the headers exceed {MAX_HEADER_CHARS} characters", path="headers",
                                  provider=provider)
        out[name.lower()] = value
    return out


def _header_text(value: object, what: str, provider: str | None) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        raise ValidationError(f"header {what[:40]!r}: must be text, not {type(value).__name__}",
                              path="headers", provider=provider)
    return value


def body_bytes(body: object, *, max_bytes: int = DEFAULT_MAX_BYTES, provider: str | None = None) -> bytes:
    """The body as bytes: ``bytes``/``bytearray``/``memoryview`` or UTF-8 encodable ``str``, at most ``max_bytes``."""
    if isinstance(body, str):
        if len(body) > max_bytes:  # every character is at least one byte
            raise _too_big(max_bytes, provider)
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("is not valid text (it holds a lone surrogate)", path="body",
                                  provider=provider) from None
    elif isinstance(body, bytes | bytearray | memoryview):
        raw = bytes(body)
    else:
        raise ValidationError(f"must be bytes or str, not {type(body).__name__}", path="body", provider=provider)
    if len(raw) > max_bytes:
        raise _too_big(max_bytes, provider)
    return raw


def _too_big(limit: int, provider: str | None) -> ValidationError:
    return ValidationError(f"is larger than {limit} bytes (the webhook_max_bytes setting)", path="body",
                           provider=provider)


def too_deep(value: Any, max_depth: int) -> bool:
    """True if arrays and objects nest deeper than ``max_depth`` in the decoded JSON ``value``."""
    level = [value] if isinstance(value, _CONTAINERS) else []
    depth = 0
    while level:  # one level at a time: no recursion, no per-item bookkeeping
        depth += 1
        if depth > max_depth:
            return True
        children: list[Any] = []
        for item in level:
            children.extend(item.values() if isinstance(item, dict) else item)
        level = [child for child in children if isinstance(child, _CONTAINERS)]
    return False


def decode_json(raw: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH, provider: str | None = None) -> Any:
    """Decode ``raw`` as JSON (UTF-8); nesting deeper than ``max_depth`` is refused.

    The C decoder guards its own recursion (``RecursionError``, caught here); the depth check
    then keeps what the caller gets shallow enough for any code that walks it recursively.
    """
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep(max_depth, provider) from None
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("is not JSON (UTF-8)", path="body", provider=provider) from None
    if too_deep(value, max_depth):
        raise _too_deep(max_depth, provider)
    return value


def _too_deep(max_depth: int, provider: str | None) -> ValidationError:
    return ValidationError(f"nests deeper than {max_depth} levels", path="body", provider=provider)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def read_delivery(headers: object, body: object, *, provider: str | None = None,
                  max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH) -> Delivery:
    """Check a delivery and decode its JSON object body; a ``ValidationError`` names what is wrong.

    A ``Content-Type`` header, when present, must be JSON (``application/json`` or ``application/*+json``);
    a delivery without one is read as JSON (vendors differ, and the body decides).
    """
    lowered = normalise_headers(headers, provider=provider)
    raw = body_bytes(body, max_bytes=max_bytes, provider=provider)
    content_type = lowered.get("content-type")
    if content_type is not None and not _json_type(content_type):
        raise ValidationError(f"must be JSON, not {content_type[:80]!r}", path="headers.content-type",
                              provider=provider)
    payload = decode_json(raw, max_depth=max_depth, provider=provider)
    if not isinstance(payload, dict):
        raise ValidationError(f"must be a JSON object, not {type(payload).__name__}", path="body",
                              provider=provider)
    return Delivery(headers=lowered, body=raw, payload=payload)


def check_age(occurred_at: datetime | None, *, tolerance: timedelta = DEFAULT_TOLERANCE,
              now: datetime | None = None, provider: str | None = None) -> None:
    """Refuse a verified delivery older than ``tolerance`` (a replay); a delivery without a time passes."""
    if occurred_at is None:
        return
    now = now or datetime.now(UTC)
    if occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=UTC)
    age = now - occurred_at
    if age > tolerance:
        raise WebhookVerificationError(
            f"the delivery is {int(age.total_seconds())} s old, more than the {int(tolerance.total_seconds())} s "
            "allowed (the webhook_tolerance setting); a replayed delivery is refused", provider=provider)
