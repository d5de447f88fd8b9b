"""Local webhooks: a stored event -> its delivery (headers, JSON body), and a delivery -> Event (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from signport.errors import ValidationError
from signport.model import Event
from signport.states import EventKind, Verification
from signport.webhooks import DEFAULT_MAX_BYTES, read_delivery

from .states import EVENT_KINDS
from .store import NAME, EventRecord, to_json

WEBHOOK_CONTENT_TYPE = "application/json"
WEBHOOK_EVENT_HEADER = "x-signport-event"


def webhook_delivery(event: EventRecord) -> tuple[dict[str, str], bytes]:
    """The headers and body of the local webhook delivery for a stored event."""
    headers = {"content-type": WEBHOOK_CONTENT_TYPE, WEBHOOK_EVENT_HEADER: event.event}
    return headers, to_json(event).encode("utf-8")


def parse_webhook(headers: Mapping[str, str], body: bytes | str, *,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> Event:
    """A local event delivery ``{"event", "envelope_id", "signer_id", "occurred_at", "id"}`` -> Event.

    The delivery is read by ``signport.webhooks.read_delivery`` (size, content type, nesting);
    anything unreadable is a ``ValidationError`` naming the part.
    """
    payload = read_delivery(headers, body, provider=NAME, max_bytes=max_bytes).payload
    native = payload.get("event")
    if not isinstance(native, str) or not native:
        raise ValidationError("the webhook body has no 'event'", path="body.event", provider=NAME)
    occurred: datetime | None = None
    when = payload.get("occurred_at")
    if when is not None:
        try:
            occurred = datetime.fromisoformat(when) if isinstance(when, str) else None
        except ValueError:
            occurred = None
        if occurred is None:
            raise ValidationError(f"not an ISO 8601 time: {str(when)[:40]!r}", path="body.occurred_at",
                                  provider=NAME)
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=UTC)

    def text(key: str) -> str | None:
        value = payload.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError(f"must be text, not {type(value).__name__}", path=f"body.{key}", provider=NAME)
        return str(value)

    return Event(kind=EVENT_KINDS.get(native, EventKind.UNKNOWN), envelope_id=text("envelope_id"),
                 signer_id=text("signer_id"), document_id=text("document_id"), occurred_at=occurred,
                 id=text("id"), native_kind=native, provider=NAME,
                 verification=Verification.NOT_CONFIGURED, raw=payload)
