"""Provider-neutral scenarios: the same code for every provider, sync and async; capabilities decide skips."""

from __future__ import annotations

from pathlib import Path

import attrs
import pypdf
import pytest

import signport
from signport import DocumentKind, EventKind, SignerState, SigningOrder, State

from ..samples import envelope, make_pdf
from ..skips import capability_skip
from .api import Api

pytestmark = pytest.mark.contract

OPEN = {State.SENT, State.IN_PROGRESS}


def need(api: Api, feature: str) -> None:
    if not getattr(api.caps, feature):
        capability_skip(f"{api.provider} does not support {feature}")


async def test_create_and_send(api: Api) -> None:
    sent = await api.send(envelope(api.caps))
    assert sent.id
    assert sent.provider == api.provider
    assert sent.state in OPEN
    assert isinstance(sent.native_state, str)
    assert sent.native_state
    assert len(sent.signers) == 2
    assert all(s.id for s in sent.signers)
    assert {s.email for s in sent.signers} == {"ann@example.com", "bob@example.com"}
    # Keys the caller gave come back on every provider, so code written once finds its signers.
    assert sent.signer("ann").email == "ann@example.com"
    assert sent.signer("bob").email == "bob@example.com"
    assert len(sent.documents) == 1
    assert sent.documents[0].id
    assert isinstance(sent.raw, dict)
    assert sent.raw
    again = await api.get(sent.id)
    assert again.id == sent.id
    assert again.state in OPEN
    assert [s.id for s in again.signers] == [s.id for s in sent.signers]


async def test_draft_then_send(api: Api) -> None:
    need(api, "drafts")
    draft = await api.create_draft(envelope(api.caps, subject="Draft NDA"))
    assert draft.state is State.DRAFT
    assert (await api.get(draft.id)).state is State.DRAFT
    sent = await api.send_draft(draft.id)
    assert sent.id == draft.id
    assert sent.state in OPEN


async def test_sequential_next_then_pending(api: Api) -> None:
    need(api, "sequential_order")
    sent = await api.send(envelope(api.caps, order=SigningOrder.SEQUENTIAL))
    first, second = sent.signers
    assert first.state is SignerState.NEXT
    assert second.state is SignerState.PENDING
    api.harness.sign(sent.id, first.id)
    now = await api.get(sent.id)
    assert now.state is State.IN_PROGRESS
    assert [s.state for s in now.signers] == [SignerState.SIGNED, SignerState.NEXT]


async def test_completed_and_download(api: Api, tmp_path: Path) -> None:
    sent = await api.send(envelope(api.caps))
    for signer in sent.signers:
        api.harness.sign(sent.id, signer.id)
    done = await api.wait(sent.id, timeout=5, poll=0.01)
    assert done.state is State.COMPLETED
    assert all(s.state is SignerState.SIGNED for s in done.signers)
    if DocumentKind.EXECUTED not in api.caps.download_kinds:
        capability_skip(f"{api.provider} cannot download executed documents")
    paths = await api.download(sent.id, tmp_path / "out", DocumentKind.EXECUTED)
    assert paths
    for path in paths:
        assert path.parent == (tmp_path / "out").resolve()
        assert path.read_bytes().startswith(b"%PDF-")
    assert not list((tmp_path / "out").glob("*.part"))


#: The same envelope on every provider: two documents, two signers, no fields (each provider's
#: executed copy then adds one signature page per document). What each kind downloads, by name and
#: page count, in the order the files come back.
TWO_DOCUMENTS = {
    DocumentKind.ORIGINAL: (["nda-original.pdf", "terms-original.pdf"], [2, 3]),
    DocumentKind.EXECUTED: (["nda.pdf", "terms.pdf"], [3, 4]),
    DocumentKind.COMBINED: (["nda-combined.pdf"], [7]),
    DocumentKind.AUDIT: (["nda-audit.pdf"], None),  # its length depends on the provider's trail
    DocumentKind.SIGNER_COPIES: (["nda-Ann Lee.pdf", "nda-Bob Ray.pdf", "terms-Ann Lee.pdf", "terms-Bob Ray.pdf"],
                                 [3, 3, 4, 4]),
}


async def test_download_names_and_pages_are_the_same_everywhere(api: Api, tmp_path: Path) -> None:
    assert set(TWO_DOCUMENTS) == set(DocumentKind)
    given = attrs.evolve(envelope(api.caps, fields=False), documents=[
        signport.Document(name="nda.pdf", content=make_pdf(2)),
        signport.Document(name="terms.pdf", content=make_pdf(3, "Terms"))])
    sent = await api.send(given)
    for signer in sent.signers:
        api.harness.sign(sent.id, signer.id)
    done = await api.wait(sent.id, timeout=5, poll=0.01)
    assert done.state is State.COMPLETED
    assert [d.name for d in done.documents] == ["nda.pdf", "terms.pdf"]
    for kind, (names, pages) in TWO_DOCUMENTS.items():
        folder = tmp_path / kind.value
        if kind not in api.caps.download_kinds:
            with pytest.raises(signport.UnsupportedFeature):
                await api.download(sent.id, folder, kind)
            continue
        paths = await api.download(sent.id, folder, kind)
        assert [p.name for p in paths] == names, kind
        assert sorted(p.name for p in folder.iterdir()) == sorted(names), kind
        counts = [len(pypdf.PdfReader(p).pages) for p in paths]
        if pages is None:
            assert all(n >= 1 for n in counts), kind
        else:
            assert counts == pages, kind


async def test_void(api: Api) -> None:
    sent = await api.send(envelope(api.caps))
    voided = await api.void(sent.id, reason="Terms changed")
    assert voided.state is State.VOIDED
    assert (await api.get(sent.id)).state is State.VOIDED
    with pytest.raises(signport.InvalidState):
        await api.void(sent.id, reason="Again")


async def test_decline(api: Api) -> None:
    sent = await api.send(envelope(api.caps))
    api.harness.decline(sent.id, sent.signers[0].id, "Not my name")
    now = await api.get(sent.id)
    assert now.state is State.DECLINED
    assert now.signers[0].state is SignerState.DECLINED


async def test_delete_draft(api: Api) -> None:
    need(api, "delete_draft")
    draft = await api.create_draft(envelope(api.caps))
    await api.delete_draft(draft.id)
    with pytest.raises(signport.NotFound):
        await api.get(draft.id)


async def test_delete_sent_is_invalid_state(api: Api) -> None:
    need(api, "delete_draft")
    sent = await api.send(envelope(api.caps))
    with pytest.raises(signport.InvalidState):
        await api.delete_draft(sent.id)


async def test_update_draft(api: Api) -> None:
    need(api, "update_draft")
    draft = await api.create_draft(envelope(api.caps))
    from ..samples import Signer

    carol = Signer(first_name="Carol", last_name="Diaz", email="carol@example.com")
    updated = await api.update_draft(draft.id, subject="NDA v2", add_signers=[carol],
                                     remove_signers=[draft.signers[1].id])
    assert updated.subject == "NDA v2"
    assert [s.email for s in updated.signers] == ["ann@example.com", "carol@example.com"]
    reread = await api.get(draft.id)
    assert reread.subject == "NDA v2"
    assert [s.email for s in reread.signers] == ["ann@example.com", "carol@example.com"]


async def test_update_signer_on_live_envelope(api: Api) -> None:
    need(api, "update_signer")
    sent = await api.send(envelope(api.caps))
    signer = sent.signers[1]
    updated = await api.update_signer(sent.id, signer.id, email="bob.ray@example.com")
    assert updated.signer(1).email == "bob.ray@example.com"


async def test_list_filter(api: Api) -> None:
    need(api, "drafts")
    if State.DRAFT not in api.caps.list_filters or State.SENT not in api.caps.list_filters:
        capability_skip(f"{api.provider} cannot filter by draft and sent")
    draft = await api.create_draft(envelope(api.caps, subject="Listed draft"))
    sent = await api.send(envelope(api.caps, subject="Listed sent"))
    drafts = {e.id for e in await api.list(states={State.DRAFT})}
    open_ = {e.id for e in await api.list(states=OPEN)}
    everything = {e.id for e in await api.list()}
    assert draft.id in drafts
    assert draft.id not in open_
    assert sent.id in open_
    assert sent.id not in drafts
    assert {draft.id, sent.id} <= everything


async def test_duplicate(api: Api) -> None:
    need(api, "duplicate")
    sent = await api.send(envelope(api.caps, subject="Original"))
    copy = await api.duplicate(sent.id, subject="Copy of original")
    assert copy.id != sent.id
    assert copy.state is State.DRAFT
    assert copy.subject == "Copy of original"
    assert [s.email for s in copy.signers] == [s.email for s in sent.signers]
    assert (await api.get(sent.id)).state in OPEN


async def test_duplicate_and_void_original(api: Api) -> None:
    need(api, "duplicate")
    sent = await api.send(envelope(api.caps, subject="Original"))
    copy = await api.duplicate(sent.id, void_original=True, reason="Wrong address")
    assert copy.state is State.DRAFT
    assert (await api.get(sent.id)).state is State.VOIDED


async def test_signing_url(api: Api) -> None:
    need(api, "signing_urls")
    sent = await api.send(envelope(api.caps))
    url = await api.signing_url(sent.id, sent.signers[0].id)
    assert url.startswith(("https://", "http://"))
    if api.provider == "local":  # the local signing server runs in the harness: the link opens the page
        import httpx

        async with httpx.AsyncClient() as http:
            page = await http.get(url)
        assert page.status_code == 200
        assert 'id="sign-form"' in page.text


async def test_not_found(api: Api) -> None:
    with pytest.raises(signport.NotFound) as info:
        await api.get("00000000-0000-4000-8000-000000000000")
    assert info.value.provider == api.provider


async def test_send_draft_twice_is_invalid_state(api: Api) -> None:
    need(api, "drafts")
    draft = await api.create_draft(envelope(api.caps))
    await api.send_draft(draft.id)
    with pytest.raises(signport.InvalidState):
        await api.send_draft(draft.id)


async def test_invalid_input_sends_nothing(api: Api) -> None:
    bad = envelope(api.caps)
    from attrs import evolve

    bad = evolve(bad, signers=[evolve(bad.signers[0], email="not-an-email"), bad.signers[1]])
    with pytest.raises(signport.ValidationError) as info:
        await api.send(bad)
    assert info.value.path == "signers[0].email"
    # A cassette holds no interaction for this scenario: any request would have failed the replay.


async def test_webhook_parse(api: Api) -> None:
    need(api, "webhooks")
    sent = await api.send(envelope(api.caps))
    for signer in sent.signers:
        api.harness.sign(sent.id, signer.id)
    delivery = api.harness.webhook("completed", sent)
    assert delivery is not None
    headers, body = delivery
    event = api.parse_webhook(headers, body)
    assert event.kind is EventKind.ENVELOPE_COMPLETED
    assert event.envelope_id == sent.id
    assert event.raw


def test_unsupported_features_refused_before_any_request(harness: object) -> None:
    client = harness.client()  # type: ignore[attr-defined]
    try:
        caps = client.capabilities
        if not caps.signing_urls:
            with pytest.raises(signport.UnsupportedFeature):
                client.signing_url("00000000-0000-4000-8000-000000000000", "x")
        if not caps.webhooks:
            with pytest.raises(signport.UnsupportedFeature):
                client.parse_webhook({}, b"{}")
        for kind in DocumentKind:
            if kind not in caps.download_kinds:
                with pytest.raises(signport.UnsupportedFeature):
                    client.download("00000000-0000-4000-8000-000000000000", to="unused", kind=kind)
        if not caps.field_types:
            with pytest.raises(signport.UnsupportedFeature):
                client.send(envelope(None))
        _ = make_pdf
    finally:
        client.close()
