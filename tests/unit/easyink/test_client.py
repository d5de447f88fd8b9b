"""EasyInk through signport.connect / connect_async against the fake on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest

import signport
from signport import Delivery, DocumentKind, SignerState, SigningOrder, State
from signport_easyink.fake import FakeEasyInk

from ...samples import envelope, make_pdf

STEPS = [
    ("POST", r"/signingSessionDrafts$", "create the draft"),
    ("POST", r"/documents$", "upload documents[0]"),
    ("POST", r"/participants$", "add signers[0]"),
    ("PUT", r"/signingOrder/oneByOne$", "set the signing order"),
    ("GET", r"/signingSessionDrafts/[^/]+$", "wait for document processing"),
    ("POST", r"/signatureFields$", "add fields[0]"),
    ("POST", r"/convert$", "convert and start"),
    ("POST", r"/started$", "convert and start"),
]


def inject(control: httpx.Client, method: str, path: str, times: int | None = None) -> None:
    response = control.post("/_control/fail", json={"method": method, "path": path, "times": times})
    assert response.status_code == 200


def sessions(control: httpx.Client) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = control.get("/_control/sessions").json()
    return result


@pytest.mark.parametrize(("method", "path", "step"), STEPS)
def test_killing_send_at_each_step_leaves_no_draft(client: signport.Client, control: httpx.Client,
                                                   method: str, path: str, step: str) -> None:
    inject(control, method, path)
    with pytest.raises(signport.SignportError) as info:
        client.send(envelope(client.capabilities, order=SigningOrder.SEQUENTIAL))
    error = info.value
    if step == "create the draft":
        assert not isinstance(error, signport.PartialFailure)
    else:
        assert isinstance(error, signport.PartialFailure)
        assert error.envelope_id
        assert error.cleaned_up is True
        assert f"'{step}'" in error.message
        assert error.status == 500
        assert error.code == "InternalServerError"
    assert sessions(control) == []


def test_when_cleanup_fails_too_the_error_names_the_draft(client: signport.Client,
                                                          control: httpx.Client) -> None:
    inject(control, "POST", r"/convert$")
    inject(control, "DELETE", r"/signingSessionDrafts/")
    with pytest.raises(signport.PartialFailure) as info:
        client.send(envelope(client.capabilities))
    left = sessions(control)
    assert [s["id"] for s in left] == [info.value.envelope_id]
    assert info.value.cleaned_up is False
    assert info.value.envelope_id in str(info.value)


async def test_async_kill_is_cleaned_up_too(aclient: signport.AsyncClient, control: httpx.Client) -> None:
    inject(control, "POST", r"/signatureFields$")
    with pytest.raises(signport.PartialFailure) as info:
        await aclient.send(envelope(aclient.capabilities))
    assert info.value.cleaned_up is True
    assert sessions(control) == []


def _lifecycle_checks(sent: signport.Envelope) -> None:
    assert sent.state is State.SENT
    assert sent.native_state == "Pending"
    assert [s.state for s in sent.signers] == [SignerState.NEXT, SignerState.PENDING]
    assert sent.order is SigningOrder.SEQUENTIAL


def test_sync_lifecycle(client: signport.Client, control: httpx.Client, tmp_path: Path) -> None:
    sent = client.send(envelope(client.capabilities, order=SigningOrder.SEQUENTIAL))
    _lifecycle_checks(sent)
    for signer in sent.signers:
        control.post(f"/_control/sessions/{sent.id}/participants/{signer.id}/sign").raise_for_status()
    done = client.wait(sent.id, timeout=5, poll=0.01)
    assert done.state is State.COMPLETED
    assert done.completed_at is not None
    assert client.capabilities.download_kinds == {DocumentKind.ORIGINAL, DocumentKind.SIGNER_COPIES}
    for kind in DocumentKind:
        if kind not in client.capabilities.download_kinds:
            with pytest.raises(signport.UnsupportedFeature):
                client.download(sent.id, tmp_path / kind.value, kind=kind)
            continue
        paths = client.download(sent.id, tmp_path / kind.value, kind=kind)
        assert paths
        assert all(p.read_bytes().startswith(b"%PDF-") for p in paths)
    copies = client.download(sent.id, tmp_path / "x", kind=DocumentKind.SIGNER_COPIES)
    assert [p.name for p in copies] == ["nda-Ann Lee.pdf", "nda-Bob Ray.pdf"]
    [whole] = client.run(client.provider.download_all_in_one(sent.id, tmp_path / "all"))
    assert whole.name == "nda-all-in-one.pdf"
    # every participant's signed copy (document + signature page) and the audit trail
    assert len(pypdf.PdfReader(whole).pages) == 2 * (2 + 1) + 1
    assert sent.id in {e.id for e in client.list(states={State.COMPLETED})}


async def test_async_lifecycle(aclient: signport.AsyncClient, control: httpx.Client, tmp_path: Path) -> None:
    sent = await aclient.send(envelope(aclient.capabilities, order=SigningOrder.SEQUENTIAL))
    _lifecycle_checks(sent)
    async with httpx.AsyncClient(base_url=str(control.base_url)) as acontrol:
        signed = await acontrol.post(f"/_control/sessions/{sent.id}/participants/{sent.signers[0].id}/sign")
        signed.raise_for_status()
    now = await aclient.get(sent.id)
    assert now.state is State.IN_PROGRESS
    assert [s.state for s in now.signers] == [SignerState.SIGNED, SignerState.NEXT]
    voided = await aclient.void(sent.id, reason="Terms changed")
    assert voided.state is State.VOIDED
    assert [e.id async for e in aclient.list(states={State.VOIDED})] == [sent.id]


def test_sent_is_listed_although_the_search_has_no_pending_filter(client: signport.Client) -> None:
    draft = client.create_draft(envelope(client.capabilities, subject="Draft"))
    sent = client.send(envelope(client.capabilities, subject="Sent"))
    assert [e.id for e in client.list(states={State.SENT})] == [sent.id]
    assert [e.id for e in client.list(states={State.DRAFT})] == [draft.id]


def test_list_walks_every_page(settings: dict[str, Any], control: httpx.Client) -> None:
    with signport.connect("easyink", **settings, page_size=2) as c:
        ids = {c.create_draft(envelope(c.capabilities, subject=f"d{i}")).id for i in range(5)}
        assert {e.id for e in c.list()} == ids


def test_update_signer_refused_once_the_link_was_used(client: signport.Client, control: httpx.Client) -> None:
    sent = client.send(envelope(client.capabilities))
    bob = sent.signers[1]
    updated = client.update_signer(sent.id, bob.id, email="bob.ray@example.com", phone="2025559999",
                                   delivery={Delivery.EMAIL, Delivery.SMS})
    assert updated.signer(bob.id).email == "bob.ray@example.com"
    control.post(f"/_control/sessions/{sent.id}/participants/{bob.id}/open").raise_for_status()
    with pytest.raises(signport.InvalidState, match="already used the signing link"):
        client.update_signer(sent.id, bob.id, email="other@example.com")


def test_duplicate_copy_and_recreate(client: signport.Client) -> None:
    sent = client.send(envelope(client.capabilities))
    copy = client.duplicate(sent.id, subject="Copy")
    assert copy.state is State.DRAFT
    assert copy.subject == "Copy"
    assert len(copy.signers) == 2
    assert client.get(sent.id).state is State.SENT
    again = client.duplicate(sent.id, void_original=True, reason="Wrong salary")
    assert again.state is State.DRAFT
    assert again.id not in (sent.id, copy.id)
    assert client.get(sent.id).state is State.VOIDED
    with pytest.raises(signport.InvalidState):
        client.duplicate(sent.id)


def test_decline_and_expire(client: signport.Client, control: httpx.Client) -> None:
    declined = client.send(envelope(client.capabilities))
    control.post(f"/_control/sessions/{declined.id}/participants/{declined.signers[0].id}/decline",
                 json={"reason": "No"}).raise_for_status()
    now = client.get(declined.id)
    assert now.state is State.DECLINED
    assert now.signers[0].state is SignerState.DECLINED
    expiring = client.send(envelope(client.capabilities))
    control.post(f"/_control/sessions/{expiring.id}/expire").raise_for_status()
    assert client.wait(expiring.id, timeout=1, poll=0.01).state is State.EXPIRED


@pytest.mark.parametrize(("change", "path"), [
    ({"phone": "+15551234567"}, "signers[1].phone"),
    ({"language": "fr"}, "signers[1].language"),
])
def test_vendor_rules_refuse_before_any_request(client: signport.Client, fake: FakeEasyInk,
                                                change: dict[str, Any], path: str) -> None:
    import attrs

    env = envelope(client.capabilities)
    env = attrs.evolve(env, signers=[env.signers[0], attrs.evolve(env.signers[1], **change)])
    with pytest.raises(signport.ValidationError) as info:
        client.send(env)
    assert info.value.path == path
    with pytest.raises(signport.ValidationError) as reason:
        client.void("3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert reason.value.path == "reason"
    assert fake.api_requests == []


def test_unsupported_features_are_refused_up_front(client: signport.Client, fake: FakeEasyInk) -> None:
    caps = client.capabilities
    assert caps.field_types == frozenset({signport.FieldType.SIGNATURE})
    assert not caps.webhooks
    assert not caps.sign_by
    assert not caps.message
    assert not caps.signing_urls
    with pytest.raises(signport.UnsupportedFeature):
        client.parse_webhook({}, b"{}")
    with pytest.raises(signport.UnsupportedFeature):
        client.provider.parse_webhook({}, b"{}")
    env = envelope(None)
    with pytest.raises(signport.UnsupportedFeature):
        client.send(env)
    initials = signport.Envelope(subject="x", documents=[signport.Document(name="a.pdf", content=make_pdf(1))],
                                 signers=env.signers, fields=[signport.Field(
                                     type=signport.FieldType.INITIALS, signer=0,
                                     placement=signport.Placement(page=1, x=1, y=1, width=10, height=10))])
    with pytest.raises(signport.UnsupportedFeature):
        client.send(initials)
    assert fake.api_requests == []


def test_secrets_stay_out_of_reprs(settings: dict[str, Any]) -> None:
    with signport.connect("easyink", **settings, client_secret="shh-secret") as c:
        for text in (repr(c), repr(c.provider), repr(c.provider.settings), repr(c.provider.auth)):
            assert settings["access_token"] not in text
            assert "shh-secret" not in text


def test_downloads_of_a_non_latin1_title(client: signport.Client, control: httpx.Client, tmp_path: Path) -> None:
    from signport.multipart import disposition_filename

    source = tmp_path / "\u5951\u7d04 \u2013 \u00dcbersicht.pdf"
    source.write_bytes(make_pdf(1))
    env = envelope(client.capabilities)
    sent = client.send(signport.Envelope(subject=env.subject, signers=env.signers[:1],
                                         documents=[signport.Document.from_path(source)]))
    control.post(f"/_control/sessions/{sent.id}/participants/{sent.signers[0].id}/sign").raise_for_status()
    client.wait(sent.id, timeout=5, poll=0.01)
    for kind in (DocumentKind.ORIGINAL, DocumentKind.SIGNER_COPIES):
        paths = client.download(sent.id, tmp_path / kind.value, kind=kind)
        assert paths
        assert paths[0].read_bytes().startswith(b"%PDF-")
    assert [p.name for p in paths] == ["\u5951\u7d04 \u2013 \u00dcbersicht-Ann Lee.pdf"]
    with httpx.Client(base_url=str(client.provider.base_url),
                      headers={"Authorization": f"Bearer {client.provider.settings.access_token}"}) as raw:
        answer = raw.get(f"/api/signingSessions/{sent.id}/documents/{sent.documents[0].id}")
    assert answer.status_code == 200
    assert disposition_filename(answer.headers["content-disposition"]) == source.name
