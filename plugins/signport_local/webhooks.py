"""Local webhooks: a stored event -> its delivery (headers, JSON body), and a delivery -> Event (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from signport.errors import ValidationError
from signport.model import Event
from signport.states import EventKind, Verification

from .states import EVENT_KINDS
from .store import NAME, EventRecord, to_json

WEBHOOK_CONTENT_TYPE = "application/json"
WEBHOOK_EVENT_HEADER = "x-signport-event"


def webhook_delivery(event: EventRecord) -> tuple[dict[str, str], bytes]:
    """The headers and body of the local webhook delivery for a stored event."""
    headers = {"content-type": WEBHOOK_CONTENT_TYPE, WEBHOOK_EVENT_HEADER: event.event}
    return headers, to_json(event).encode("utf-8")


def parse_webhook(headers: Mapping[str, str], body: bytes | str) -> Event:
    """A local event delivery ``{"event", "envelope_id", "signer_id", "occurred_at", "id"}`` -> Event."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("the webhook body is not JSON", path="body", provider=NAME) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        raise ValidationError("the webhook body has no 'event'", path="body.event", provider=NAME)
    occurred: datetime | None = None
    when = payload.get("occurred_at")
    if when is not None:
        try:
            occurred = datetime.fromisoformat(str(when))
        except ValueError:
            raise ValidationError(f"not an ISO 8601 time: {when!r}", path="body.occurred_at",
                                  provider=NAME) from None

    def text(key: str) -> str | None:
        value = payload.get(key)
        return str(value) if value is not None else None

    native = payload["event"]
    return Event(kind=EVENT_KINDS.get(native, EventKind.UNKNOWN), envelope_id=text("envelope_id"),
                 signer_id=text("signer_id"), document_id=text("document_id"), occurred_at=occurred,
                 id=text("id"), native_kind=native, provider=NAME,
                 verification=Verification.NOT_CONFIGURED, raw=payload)
