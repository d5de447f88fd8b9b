"""Local webhooks: a stored event -> its delivery (headers, JSON body), and a delivery -> Event (pure).

With a ``webhook_secret``, a delivery carries ``Signport-Signature: t=<unix time>,v1=<hex>``, where
the hex is HMAC-SHA256 with the secret over ``"<t>." + body`` (the scheme of Stripe's webhooks).
``parse_webhook`` then checks it in constant time and refuses a timestamp more than
``TOLERANCE`` seconds away from the receiver's clock (a replayed delivery).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from signport.errors import ValidationError, WebhookVerificationError
from signport.model import Event
from signport.states import EventKind, Verification
from signport.webhooks import DEFAULT_MAX_BYTES, read_delivery

from .states import EVENT_KINDS
from .store import NAME, EventRecord, to_json

WEBHOOK_CONTENT_TYPE = "application/json"
WEBHOOK_EVENT_HEADER = "x-signport-event"
SIGNATURE_HEADER = "signport-signature"
#: Seconds a signed delivery's timestamp may differ from the receiver's clock.
TOLERANCE = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Signport-Signature`` header value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def webhook_delivery(event: EventRecord, *, secret: str | None = None,
                     timestamp: int | None = None) -> tuple[dict[str, str], bytes]:
    """The headers and body of the local webhook delivery for a stored event (signed when ``secret``)."""
    headers = {"content-type": WEBHOOK_CONTENT_TYPE, WEBHOOK_EVENT_HEADER: event.event}
    body = to_json(event).encode("utf-8")
    if secret:
        when = int(timestamp if timestamp is not None else event.occurred_at.timestamp())
        headers[SIGNATURE_HEADER] = signature(secret, when, body)
    return headers, body


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: float) -> None:
    """Raise ``WebhookVerificationError`` unless ``body`` carries a valid, fresh signature."""
    value = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), None)
    if not value:
        raise WebhookVerificationError("the webhook has no Signport-Signature header", provider=NAME)
    parts: dict[str, list[str]] = {}
    for item in value.split(","):
        key, _, text = item.strip().partition("=")
        parts.setdefault(key, []).append(text)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise WebhookVerificationError("the Signport-Signature header has no timestamp",
                                       provider=NAME) from None
    if abs(now - timestamp) > TOLERANCE:
        raise WebhookVerificationError(f"the webhook's timestamp is more than {TOLERANCE} s away from now "
                                       "(a replay, or a clock out of step)", provider=NAME)
    expected = signature(secret, timestamp, body).partition(",v1=")[2]
    if not any(hmac.compare_digest(expected.encode(), given.encode()) for given in parts.get("v1", [])):
        raise WebhookVerificationError("the webhook's signature does not match", provider=NAME)


def parse_webhook(headers: Mapping[str, str], body: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  secret: str | None = None, now: float | None = None) -> Event:
    """A local event delivery ``{"event", "envelope_id", "signer_id", "occurred_at", "id"}`` -> Event.

    The delivery is read by ``signport.webhooks.read_delivery`` (size, content type, nesting);
    anything unreadable is a ``ValidationError`` naming the part. With ``secret``, the signature is
    checked next (``now``: the receiver's Unix time): VERIFIED, or ``WebhookVerificationError``.
    """
    delivery = read_delivery(headers, body, provider=NAME, max_bytes=max_bytes)
    verification = Verification.NOT_CONFIGURED
    if secret:
        verify(delivery.headers, delivery.body, secret, now if now is not None else datetime.now(UTC).timestamp())
        verification = Verification.VERIFIED
    payload = delivery.payload
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
                 verification=verification, raw=payload)
