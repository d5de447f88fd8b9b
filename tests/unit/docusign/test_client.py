"""The DocuSign provider end to end on the fake, and its flows fed canned answers without a network."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

import signport
from signport import DocumentKind, SignerState, SigningOrder, State, Verification
from signport_docusign.fake import ACCOUNT_ID, FakeDocuSign
from signport_docusign.limits import PollingRuleWarning
from signport_docusign.provider import DocuSignProvider, hmac_signature
from signport_docusign.settings import DocuSignSettings

from ...samples import envelope
from .conftest import KEYS, TOKEN


def sign_all(control: httpx.Client, sent: signport.Envelope) -> None:
    for signer in sent.signers:
        control.post(f"/_control/envelopes/{sent.id}/recipients/{signer.id}/sign").raise_for_status()


def test_sequential_send_reads_routing_orders(client: signport.Client, control: httpx.Client) -> None:
    sent = client.send(envelope(client.capabilities, order=SigningOrder.SEQUENTIAL))
    assert sent.state is State.SENT
    assert [s.order for s in sent.signers] == [1, 2]
    assert [s.state for s in sent.signers] == [SignerState.NEXT, SignerState.PENDING]
    assert sent.signer("ann").id == "1"
    control.post(f"/_control/envelopes/{sent.id}/recipients/1/sign").raise_for_status()
    now = client.get(sent.id)
    assert now.state is State.IN_PROGRESS
    assert now.native_state == "sent"
    assert [s.state for s in now.signers] == [SignerState.SIGNED, SignerState.NEXT]


def test_downloads_are_named_by_meaning(client: signport.Client, control: httpx.Client, tmp_path: Path) -> None:
    sent = client.send(envelope(client.capabilities))
    with pytest.raises(signport.InvalidState):
        client.download(sent.id, tmp_path / "early", DocumentKind.EXECUTED)
    sign_all(control, sent)
    executed = client.download(sent.id, tmp_path, DocumentKind.EXECUTED)
    combined = client.download(sent.id, tmp_path, DocumentKind.COMBINED)
    audit = client.download(sent.id, tmp_path, DocumentKind.AUDIT)
    assert [p.name for p in executed + combined + audit] == ["nda.pdf", "nda-combined.pdf", "nda-audit.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF-") for p in executed + combined + audit)
    with pytest.raises(signport.UnsupportedFeature):
        client.download(sent.id, tmp_path, DocumentKind.ORIGINAL)


def test_signing_url_needs_an_embedded_signer(settings: dict[str, Any]) -> None:
    with signport.connect("docusign", **settings) as client:
        plain = client.send(envelope(client.capabilities))
        with pytest.raises(signport.InvalidState, match="embedded"):
            client.signing_url(plain.id, plain.signers[0].id)
        embedded = client.send(envelope(client.capabilities), extras={"embedded_signers": ["bob"]})
        assert embedded.signers[1].raw["clientUserId"] == "2"
        assert "clientUserId" not in embedded.signers[0].raw
        url = client.signing_url(embedded.id, "2")
        assert "/Signing/" in url
        with pytest.raises(signport.ValidationError) as info:
            client.send(envelope(client.capabilities), extras={"embedded_signers": ["nobody"]})
        assert info.value.path == "extras.embedded_signers[0]"


def test_update_signer_checks_per_item_errors(client: signport.Client, control: httpx.Client) -> None:
    sent = client.send(envelope(client.capabilities))
    updated = client.update_signer(sent.id, "2", email="bob.new@example.com")
    assert updated.signer("2").email == "bob.new@example.com"
    control.post(f"/_control/envelopes/{sent.id}/recipients/1/sign").raise_for_status()
    with pytest.raises(signport.InvalidState) as info:
        client.update_signer(sent.id, "1", email="ann.new@example.com")
    assert info.value.code == "RECIPIENT_UPDATE_FAILED"
    with pytest.raises(signport.UnsupportedFeature):
        client.update_signer(sent.id, "2", phone="5551234567")


def test_list_pages_through_next_uri(settings: dict[str, Any]) -> None:
    with signport.connect("docusign", **settings, page_size=2) as client:
        ids = {client.create_draft(envelope(client.capabilities, subject=f"Draft {i}")).id for i in range(5)}
        deleted = client.create_draft(envelope(client.capabilities, subject="Deleted"))
        client.delete_draft(deleted.id)
        listed = [e.id for e in client.list(states=State.DRAFT)]
    assert set(listed) == ids
    assert len(listed) == 5


def test_without_account_settings_userinfo_is_asked_once(fake_url: str, fake: FakeDocuSign) -> None:
    with signport.connect("docusign", access_token=TOKEN, oauth_base_url=fake_url) as client:
        sent = client.send(envelope(client.capabilities))
        client.get(sent.id)
    assert fake.userinfo_calls == 1
    with signport.connect("docusign", access_token=TOKEN, oauth_base_url=fake_url, account_id=ACCOUNT_ID,
                          base_uri=f"{fake_url}/restapi") as client:
        client.get(sent.id)
    assert fake.userinfo_calls == 1


def test_an_unknown_account_is_a_config_error(fake_url: str) -> None:
    with (signport.connect("docusign", access_token=TOKEN, oauth_base_url=fake_url, account_id="other") as client,
          pytest.raises(signport.ConfigError, match="account_id")):
        client.get("00000000-0000-4000-8000-000000000000")


def test_webhook_verification_accepts_any_configured_key(client: signport.Client, control: httpx.Client) -> None:
    sent = client.send(envelope(client.capabilities))
    delivery = control.post(f"/_control/envelopes/{sent.id}/webhook", json={"event": "envelope-sent"}).json()
    headers, body = delivery["headers"], delivery["body"].encode()
    event = client.parse_webhook(headers, body)
    assert event.kind is signport.EventKind.ENVELOPE_SENT
    assert event.verification is Verification.VERIFIED
    assert event.envelope_id == sent.id
    # Rotation: only the newer key's header present still verifies.
    only_new = {"X-DocuSign-Signature-1": hmac_signature(KEYS[1], body)}
    assert client.parse_webhook(only_new, body).verified
    with pytest.raises(signport.WebhookVerificationError):
        client.parse_webhook(headers, body.replace(b"envelope-sent", b"envelope-voided"))
    with pytest.raises(signport.WebhookVerificationError):
        client.parse_webhook({"Content-Type": "application/json"}, body)
    with pytest.raises(signport.WebhookVerificationError):
        client.parse_webhook({"X-DocuSign-Signature-1": hmac_signature("another key", body)}, body)


def test_webhook_without_secrets_is_not_configured() -> None:
    provider = DocuSignProvider(DocuSignSettings(access_token="t"))
    body = json.dumps({"event": "recipient-completed", "generatedDateTime": "2026-12-01T10:00:00.1234567Z",
                       "data": {"envelopeId": "e1", "recipientId": "2"}}).encode()
    event = provider.parse_webhook({}, body)
    assert event.kind is signport.EventKind.SIGNER_SIGNED
    assert (event.envelope_id, event.signer_id) == ("e1", "2")
    assert event.verification is Verification.NOT_CONFIGURED
    assert event.occurred_at is not None
    assert event.id == "e1:recipient-completed:2026-12-01T10:00:00.1234567Z"
    with pytest.raises(signport.ValidationError) as info:
        provider.parse_webhook({}, b"[1, 2]")
    assert info.value.path == "body"
    with pytest.raises(signport.ValidationError):
        provider.parse_webhook({}, b"{nope")
    with pytest.raises(signport.ValidationError) as info:
        DocuSignProvider(DocuSignSettings(access_token="t", webhook_max_bytes=10)).parse_webhook({}, body)
    assert info.value.path == "body"


def test_wait_defaults_to_the_polling_rule_and_warns_below_it(client: signport.Client,
                                                              control: httpx.Client) -> None:
    assert client.provider.poll_interval(None) == 20 * 60
    sent = client.send(envelope(client.capabilities))
    sign_all(control, sent)
    with pytest.warns(PollingRuleWarning, match="15 minutes"):
        done = client.wait(sent.id, timeout=5, poll=0.01)
    assert done.state is State.COMPLETED
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert client.wait(sent.id).state is State.COMPLETED  # already done: one read, no warning


def test_a_spent_hourly_budget_refuses_before_sending(client: signport.Client, fake: FakeDocuSign) -> None:
    sent = client.send(envelope(client.capabilities))
    fake.used = 2999  # the next answer reports X-RateLimit-Remaining: 0
    client.get(sent.id)
    assert client.provider.limits.snapshot.remaining == 0
    before = len(fake.api_requests)
    with pytest.raises(signport.RateLimited) as info:
        client.get(sent.id)
    assert len(fake.api_requests) == before
    assert info.value.retry_after is not None
    assert 0 < info.value.retry_after <= 3600


def test_validation_before_any_request(client: signport.Client, fake: FakeDocuSign) -> None:
    from attrs import evolve

    good = envelope(client.capabilities)
    with pytest.raises(signport.ValidationError) as info:
        client.send(evolve(good, subject="x" * 101))
    assert info.value.path == "subject"
    with pytest.raises(signport.ValidationError) as info:
        client.send(evolve(good, signers=[evolve(good.signers[0], email=None, phone="5551234567"),
                                          good.signers[1]]))
    assert info.value.path == "signers[0].email"
    assert fake.api_requests == []


# --- flows fed canned answers -------------------------------------------------------------------------
def _provider() -> DocuSignProvider:
    return DocuSignProvider(DocuSignSettings(access_token="t", account_id="acct",
                                             base_uri="https://demo.example/restapi"))


def _envelope_json(envelope_id: str, status: str = "sent") -> dict[str, Any]:
    return {"envelopeId": envelope_id, "status": status, "emailSubject": "NDA", "transactionId": "tx-1",
            "recipients": {"signers": [{"recipientId": "1", "name": "Ann Lee", "email": "ann@example.com",
                                        "routingOrder": "1", "status": "sent"}]},
            "envelopeDocuments": [{"documentId": "1", "name": "nda.pdf"},
                                  {"documentId": "certificate", "name": "Summary"}]}


def test_a_lost_create_answer_is_found_by_transaction_id() -> None:
    provider = _provider()
    flow = provider.create(envelope(provider.capabilities, fields=False), send=True,
                           extras={"transactionId": "tx-1"})
    post = next(flow)
    assert post.method == "POST"
    assert json.loads(post.content)["transactionId"] == "tx-1"
    lookup = flow.throw(signport.TransportError("network failure: ReadTimeout", provider="docusign"))
    assert lookup.method == "GET"
    assert lookup.url.params["transaction_ids"] == "tx-1"
    read = flow.send(httpx.Response(200, json={"envelopes": [_envelope_json("env-9")], "endPosition": "0",
                                               "totalSetSize": "1"}, request=lookup))
    assert read.method == "GET"
    assert read.url.path.endswith("/envelopes/env-9")
    with pytest.raises(StopIteration) as done:
        flow.send(httpx.Response(200, json=_envelope_json("env-9"), request=read))
    created = done.value.value
    assert created.id == "env-9"
    assert [d.id for d in created.documents] == ["1"]  # the certificate is not a document


def test_a_create_that_never_happened_raises_the_original_error() -> None:
    provider = _provider()
    flow = provider.create(envelope(provider.capabilities, fields=False), send=True, extras={})
    post = next(flow)
    lookup = flow.send(httpx.Response(503, json={"errorCode": "UNSPECIFIED_ERROR", "message": "boom"},
                                      request=post))
    empty = {"envelopes": [], "resultSetSize": "0"}
    looks = 1
    for _ in range(2):
        assert lookup.url.params["transaction_ids"].startswith("signport-")
        lookup = flow.send(httpx.Response(200, json=empty, request=lookup))
        looks += 1
    with pytest.raises(signport.ProviderError) as info:
        flow.send(httpx.Response(200, json=empty, request=lookup))
    assert info.value.status == 503
    assert looks == 3  # the search may lag: looked up three times before concluding nothing was made


def test_a_client_error_on_create_is_not_looked_up() -> None:
    provider = _provider()
    flow = provider.create(envelope(provider.capabilities, fields=False), send=True, extras={})
    post = next(flow)
    with pytest.raises(signport.ValidationError):
        flow.send(httpx.Response(400, json={"errorCode": "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT", "message": "x"},
                                 request=post))


def test_send_draft_refuses_a_sent_envelope_before_the_put() -> None:
    provider = _provider()
    flow = provider.send_draft("env-1")
    get = next(flow)
    with pytest.raises(signport.InvalidState):
        flow.send(httpx.Response(200, json=_envelope_json("env-1", "sent"), request=get))


def test_a_deleted_draft_reads_as_not_found() -> None:
    provider = _provider()
    flow = provider.get("env-1")
    get = next(flow)
    assert get.url.params["include"] == "recipients,documents,folders"
    payload = {**_envelope_json("env-1", "created"), "folders": [{"folderId": "recyclebin", "type": "recyclebin"}]}
    with pytest.raises(signport.NotFound):
        flow.send(httpx.Response(200, json=payload, request=get))


def test_create_request_memory_is_measured(tmp_path: Path) -> None:
    """Documents go base64 inside JSON (§5.1): building the request holds about 4x the document at its peak
    (the bytes, their base64 text, the JSON body); docs/providers/docusign.md states this figure."""
    import os
    import tracemalloc

    from signport_docusign import payloads
    from signport_docusign.routes import Routes

    size = 4 * 1024 * 1024
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + os.urandom(size))
    env = signport.Envelope(subject="Big", documents=[signport.Document.from_path(pdf)],
                            signers=[signport.Signer(first_name="A", last_name="B", email="a@example.com")])
    tracemalloc.start()
    try:
        body = payloads.create_body(env, {}, send=True, embedded=[False], transaction_id="t", extras={})
        request = Routes("https://demo.example/restapi", "acct").create(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(request.content) > size * 4 / 3
    print(f"create request peak memory: {peak / size:.2f}x the document")
    assert peak < 4.5 * size
