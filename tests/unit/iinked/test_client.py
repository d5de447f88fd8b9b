"""The public client (sync and async) against the fake on 127.0.0.1: what the contract suite does not cover."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from base64 import b64encode
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest

import signport
from signport import (
    Delivery,
    Document,
    Envelope,
    EventKind,
    Field,
    FieldType,
    Placement,
    Signer,
    SignerState,
    SigningOrder,
    State,
    Verification,
)
from signport.errors import AuthError, PartialFailure, UnsupportedFeature, WebhookVerificationError
from signport_iinked.fake import FAKE_WEBHOOK_SECRET
from signport_iinked.provider import hmac_verifier

from ...contract.api import Api, AsyncApi, SyncApi
from ...samples import make_pdf
from .conftest import API_KEY

PDF = make_pdf(1)


def control(fake_url: str, path: str, **body: Any) -> Any:
    response = httpx.post(f"{fake_url}/_control/packages/{path}", json=body or None)
    response.raise_for_status()
    return response.json()


def vendor_post(fake_url: str, path: str, body: Any) -> Any:
    """A direct vendor call, as another integration would make it."""
    return httpx.post(f"{fake_url}/api/v1/{path}", headers={"api_key": API_KEY}, json=body)


def settings(fake_url: str, **extra: Any) -> dict[str, Any]:
    return {"api_key": API_KEY, "base_url": f"{fake_url}/api/v1", **extra}


@pytest.fixture(params=["sync", "async"])
async def api(request: pytest.FixtureRequest, fake_url: str) -> AsyncIterator[Api]:
    options = settings(fake_url, generate_signer_links=True)
    if request.param == "sync":
        client = signport.connect("iinked", **options)
        try:
            yield SyncApi(client, None)
        finally:
            client.close()
    else:
        async with signport.connect_async("iinked", **options) as aclient:
            yield AsyncApi(aclient, None)


def two_signers(**kw: Any) -> Envelope:
    values: dict[str, Any] = {
        "subject": "Lease", "documents": [Document(name="lease.pdf", content=PDF, key="lease-7")],
        "signers": [Signer(first_name="Ann", last_name="Lee", email="ann@example.com"),
                    Signer(first_name="Bob", last_name="Ray", email="bob@example.com")]}
    values.update(kw)
    return Envelope(**values)


async def test_links_external_ids_and_signing_url(api: Api, fake_url: str) -> None:
    sent = await api.send(two_signers(order=SigningOrder.SEQUENTIAL))
    assert sent.documents[0].key == "lease-7"  # Document.key -> externalId -> back
    assert all(s.signing_url and "/link/" in s.signing_url for s in sent.signers)
    url = await api.call("signing_url", sent.id, sent.signers[1].id)
    assert url == sent.signers[1].signing_url
    control(fake_url, f"{sent.id}/sign/{sent.signers[0].id}")
    now = await api.get(sent.id)
    assert now.state is State.IN_PROGRESS
    assert now.signers[0].signed_at is not None
    assert now.signers[0].signing_url  # the package still carries links


async def test_non_ascii_file_from_disk(api: Api, tmp_path: Path) -> None:
    path = tmp_path / "\u00dcberweisung \u2013 M\u00e4rz.pdf"
    path.write_bytes(PDF)
    sent = await api.send(two_signers(documents=[Document.from_path(path)]))
    assert [d.name for d in sent.documents] == ["\u00dcberweisung \u2013 M\u00e4rz.pdf"]


async def test_fields_are_refused_before_any_request_unless_ignored(api: Api, fake_url: str) -> None:
    field = Field(type=FieldType.SIGNATURE, signer=0, placement=Placement(page=1, x=10, y=10, width=50, height=20))
    before = len(vendor_post(fake_url, "packages/list", {}).json()["items"])
    with pytest.raises(UnsupportedFeature) as info:
        await api.send(two_signers(fields=[field]))
    assert info.value.feature == "fields"
    assert len(vendor_post(fake_url, "packages/list", {}).json()["items"]) == before


def test_ignore_unsupported_fields(fake_url: str) -> None:
    field = Field(type=FieldType.SIGNATURE, signer=0, placement=Placement(page=1, x=10, y=10, width=50, height=20))
    with signport.connect("iinked", ignore_unsupported={"fields"}, **settings(fake_url)) as client:
        sent = client.send(two_signers(fields=[field]))
        assert sent.state is State.SENT
        assert sent.fields == ()


async def test_partial_failure_names_uploaded_files(api: Api, fake_url: str) -> None:
    with pytest.raises(PartialFailure) as info:
        await api.send(two_signers(), extras={"type": "sequential"})  # wrong case: package_invalid_type
    err = info.value
    assert err.code == "package_invalid_type"
    assert len(err.remote_ids) == 1
    file_id = err.remote_ids[0]
    # The file is really there, unattached: it can still be used (the vendor drops it after 24 h).
    reuse = vendor_post(fake_url, "packages/add", {
        "name": "n", "type": "concurrent", "documents": [{"fileId": file_id}]})
    assert reuse.status_code == 200


async def test_update_draft_documents_and_signers(api: Api) -> None:
    draft = await api.create_draft(two_signers(message="v1"))
    assert draft.message == "v1"
    updated = await api.update_draft(
        draft.id, message="v2", add_documents=[Document(name="annex", content=PDF)],
        remove_documents=[draft.documents[0].id], remove_signers=[draft.signers[0].id],
        add_signers=[Signer(first_name="Cy", last_name="Z", email="cy@example.com", phone="+15550001111")])
    assert updated.state is State.DRAFT
    assert updated.message == "v2"
    assert [d.name for d in updated.documents] == ["annex.pdf"]
    assert [s.email for s in updated.signers] == ["bob@example.com", "cy@example.com"]
    assert updated.signers[1].phone == "+15550001111"
    sent = await api.send_draft(draft.id)
    assert sent.state is State.SENT


async def test_update_signer_phone_and_sms_refused(api: Api) -> None:
    sent = await api.send(two_signers())
    updated = await api.update_signer(sent.id, sent.signers[0].id, phone="+15557654321")
    assert updated.signers[0].phone == "+15557654321"
    assert updated.signers[0].email == "ann@example.com"  # the rest of the signer is kept
    with pytest.raises(UnsupportedFeature):
        await api.update_signer(sent.id, sent.signers[0].id, delivery={Delivery.SMS})


async def test_expire_and_decline_states(api: Api, fake_url: str) -> None:
    sent = await api.send(two_signers())
    control(fake_url, f"{sent.id}/expire")
    expired = await api.get(sent.id)
    assert expired.state is State.EXPIRED
    assert expired.native_state == "expired"
    other = await api.send(two_signers())
    control(fake_url, f"{other.id}/decline/{other.signers[1].id}", reason="Too long")
    declined = await api.get(other.id)
    assert declined.state is State.DECLINED
    assert declined.native_state == "open"
    assert declined.signers[1].state is SignerState.DECLINED
    assert declined.signers[1].decline_reason == "Too long"
    assert declined.is_terminal


async def test_void_keeps_the_reason(api: Api) -> None:
    sent = await api.send(two_signers())
    voided = await api.void(sent.id, reason="Wrong rent")
    assert voided.state is State.VOIDED
    assert voided.void_reason == "Wrong rent"


async def test_list_filters_and_declined_refused(api: Api) -> None:
    draft = await api.create_draft(two_signers(subject="listed"))
    voided = await api.void((await api.send(two_signers())).id, reason="x")
    assert draft.id in {e.id for e in await api.list(states={State.DRAFT})}
    assert {voided.id} <= {e.id for e in await api.list(states={State.VOIDED})}
    assert draft.id not in {e.id for e in await api.list(states={State.VOIDED})}
    with pytest.raises(UnsupportedFeature):
        await api.list(states={State.DECLINED})


def test_list_pages_lazily(fake_url: str) -> None:
    with signport.connect("iinked", page_size=2, **settings(fake_url)) as client:
        for _ in range(3):
            client.create_draft(two_signers(subject="paged"))
        listed = list(client.list(states=[State.DRAFT]))
        assert len(listed) >= 3
        assert len({e.id for e in listed}) == len(listed)


async def test_download_is_a_real_pdf(api: Api, fake_url: str, tmp_path: Path) -> None:
    sent = await api.send(two_signers(documents=[Document(name="a.pdf", content=PDF),
                                                 Document(name="a.pdf", content=PDF)]))
    for signer in sent.signers:
        control(fake_url, f"{sent.id}/sign/{signer.id}")
    paths = await api.download(sent.id, tmp_path, signport.DocumentKind.EXECUTED)
    assert [p.name for p in paths] == ["a.pdf", "a (2).pdf"]
    text = pypdf.PdfReader(io.BytesIO(paths[0].read_bytes())).pages[-1].extract_text()
    assert "Signed by Ann Lee" in text
    assert "Signed by Bob Ray" in text


def test_wrong_key_is_an_auth_error(fake_url: str) -> None:
    with signport.connect("iinked", api_key="wrong", base_url=f"{fake_url}/api/v1") as client, \
            pytest.raises(AuthError) as info:
        client.get("00000000-0000-4000-8000-000000000000")
    assert info.value.status == 403
    assert "wrong" not in str(info.value)


# --- webhooks: three outcomes ----------------------------------------------------------------------
def _delivery(fake_url: str, client: signport.Client) -> tuple[dict[str, str], bytes]:
    sent = client.send(two_signers())
    out = control(fake_url, f"{sent.id}/webhook", action="package_executed")
    return out["headers"], out["body"].encode()


def test_webhook_not_configured(fake_url: str) -> None:
    with signport.connect("iinked", **settings(fake_url)) as client:
        headers, body = _delivery(fake_url, client)
        event = client.parse_webhook(headers, body)
        assert event.verification is Verification.NOT_CONFIGURED
        assert event.kind is EventKind.ENVELOPE_COMPLETED


def test_webhook_verified_and_failed(fake_url: str) -> None:
    verifier = hmac_verifier(encoding="base64")
    with signport.connect("iinked", webhook_verifier=verifier, webhook_secret=FAKE_WEBHOOK_SECRET,
                          **settings(fake_url)) as client:
        headers, body = _delivery(fake_url, client)
        lowered = {k.lower(): v for k, v in headers.items()}
        event = client.parse_webhook(lowered, body)
        assert event.verification is Verification.VERIFIED
        assert event.verified
        tampered = body.replace(b"package_executed", b"package_add")
        with pytest.raises(WebhookVerificationError):
            client.parse_webhook(headers, tampered)
        with pytest.raises(WebhookVerificationError, match="no X-Syngrafii-Signature"):
            client.parse_webhook({"Content-Type": "application/json"}, body)
    with signport.connect("iinked", webhook_verifier=verifier, **settings(fake_url)) as client, \
            pytest.raises(WebhookVerificationError, match="webhook_secret is not set"):
        client.parse_webhook(headers, body)  # no webhook_secret: the verifier raises


def verify_hex(*, signature: str, body: bytes, headers: Mapping[str, str], secret: str | None) -> bool:
    """A verifier loaded by name (from the environment or TOML)."""
    assert secret is not None
    return hmac.compare_digest(signature, hmac.new(secret.encode(), body, hashlib.sha256).hexdigest())


def test_webhook_verifier_by_name(fake_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPORT_IINKED_WEBHOOK_VERIFIER", f"{__name__}:verify_hex")
    monkeypatch.setenv("SIGNPORT_IINKED_WEBHOOK_SECRET", "s3")
    body = json.dumps({"action": "document_signed", "packageId": "p", "signerId": "s"}).encode()
    good = hmac.new(b"s3", body, hashlib.sha256).hexdigest()
    with signport.connect("iinked", **settings(fake_url)) as client:
        assert client.parse_webhook({"X-Syngrafii-Signature": good}, body).verified
        bad = b64encode(hmac.new(b"s3", body, hashlib.sha256).digest()).decode()
        with pytest.raises(WebhookVerificationError):
            client.parse_webhook({"X-Syngrafii-Signature": bad}, body)
    monkeypatch.setenv("SIGNPORT_IINKED_WEBHOOK_VERIFIER", "no_such_module:verify")
    with pytest.raises(signport.ConfigError, match="webhook_verifier"):
        signport.connect("iinked", **settings(fake_url))
