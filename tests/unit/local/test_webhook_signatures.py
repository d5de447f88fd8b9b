"""Signed local webhooks: Signport-Signature (HMAC-SHA256 over timestamp and body), verified in constant time."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path

import pytest

import signport
from signport import Verification
from signport_local.outbox import backoff
from signport_local.settings import LocalSettings
from signport_local.store import EventRecord
from signport_local.webhooks import SIGNATURE_HEADER, TOLERANCE, parse_webhook, signature, webhook_delivery

SECRET = "whsec-unit"
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def event() -> EventRecord:
    return EventRecord(id="e1", event="envelope_completed", envelope_id="env1", occurred_at=NOW)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"id":"e1"}'
    mac = hmac.new(SECRET.encode(), b"1893499200." + body, hashlib.sha256).hexdigest()
    assert signature(SECRET, 1893499200, body) == f"t=1893499200,v1={mac}"


def test_a_signed_delivery_verifies() -> None:
    headers, body = webhook_delivery(event(), secret=SECRET, timestamp=int(NOW.timestamp()))
    parsed = parse_webhook(headers, body, secret=SECRET, now=NOW.timestamp() + 10)
    assert parsed.verification is Verification.VERIFIED
    assert parsed.envelope_id == "env1"


@pytest.mark.parametrize("change", ["wrong secret", "tampered body", "no header", "stale", "future", "garbled"])
def test_a_bad_signature_raises(change: str) -> None:
    stamp = int(NOW.timestamp())
    headers, body = webhook_delivery(event(), secret="other" if change == "wrong secret" else SECRET,
                                     timestamp=stamp)
    now = NOW.timestamp()
    if change == "tampered body":
        body = body.replace(b"env1", b"env2")
    elif change == "no header":
        del headers[SIGNATURE_HEADER]
    elif change == "stale":
        now += TOLERANCE + 1
    elif change == "future":
        now -= TOLERANCE + 1
    elif change == "garbled":
        headers[SIGNATURE_HEADER] = "v1=abc"
    with pytest.raises(signport.WebhookVerificationError):
        parse_webhook(headers, body, secret=SECRET, now=now)


def test_without_a_secret_nothing_is_verified() -> None:
    headers, body = webhook_delivery(event())
    assert SIGNATURE_HEADER not in headers
    assert parse_webhook(headers, body).verification is Verification.NOT_CONFIGURED


def test_the_client_verifies_with_its_setting(tmp_path: Path) -> None:
    with signport.connect("local", path=tmp_path / "s", webhook_secret=SECRET) as client:
        assert client.capabilities.webhook_verification
        assert not client.capabilities.signing_urls
        headers, body = webhook_delivery(event(), secret=SECRET, timestamp=int(datetime.now(UTC).timestamp()))
        assert client.parse_webhook(headers, body).verification is Verification.VERIFIED
        with pytest.raises(signport.WebhookVerificationError):
            client.parse_webhook(*webhook_delivery(event()))
        with pytest.raises(signport.UnsupportedFeature):
            client.signing_url("x", "y")
    assert "whsec" not in repr(LocalSettings(webhook_secret=SECRET))


def test_events_are_listed_with_a_secret_set(tmp_path: Path) -> None:
    # The events are the webhooks' form: with a secret they are signed, so they parse as verified.
    from ...samples import envelope

    with signport.connect("local", path=tmp_path / "s", webhook_secret=SECRET) as client:
        sent = client.send(envelope())
        events = client.local.events(sent)
        assert [e.native_kind for e in events] == ["envelope_created", "envelope_sent"]
        assert {e.verification for e in events} == {Verification.VERIFIED}
    with signport.connect("local", path=tmp_path / "s") as client:
        assert {e.verification for e in client.local.events(sent)} == {Verification.NOT_CONFIGURED}


def test_settings_read_urls_from_the_environment_form() -> None:
    settings = LocalSettings(webhook_urls="http://127.0.0.1:9/a, http://127.0.0.1:9/b",  # type: ignore[arg-type]
                             server_url="http://127.0.0.1:8025/")
    assert settings.webhook_urls == frozenset({"http://127.0.0.1:9/a", "http://127.0.0.1:9/b"})
    assert settings.server_url == "http://127.0.0.1:8025"
    with pytest.raises(ValueError, match="http"):
        LocalSettings(webhook_urls="ftp://x")  # type: ignore[arg-type]


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n, 2.0) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert backoff(30, 2.0) == 300.0


def test_signing_links_need_a_sent_envelope_and_stay_the_same(tmp_path: Path) -> None:
    from ...samples import envelope

    with signport.connect("local", path=tmp_path / "s", server_url="http://127.0.0.1:8025") as client:
        draft = client.create_draft(envelope())
        assert draft.id is not None
        with pytest.raises(signport.InvalidState):
            client.signing_url(draft.id, draft.signers[0].id or "")
        sent = client.send_draft(draft.id)
        first = client.signing_url(sent.id or "", sent.signers[0].id or "")
        assert first.startswith("http://127.0.0.1:8025/sign/")
        assert client.signing_url(sent.id or "", sent.signers[0].id or "") == first
        other = client.signing_url(sent.id or "", sent.signers[1].id or "")
        assert other != first
        assert len(first.rsplit("/", 1)[1]) >= 43
        copy = client.duplicate(sent.id or "")
        assert copy.id is not None
        with pytest.raises(signport.NotFound):
            client.signing_url(sent.id or "", "no-such-signer")
