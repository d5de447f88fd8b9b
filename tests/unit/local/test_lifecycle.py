"""The local provider's lifecycle rules, run through ``signport.connect("local", path=...)``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

import signport
from signport import (
    Delivery,
    Document,
    DocumentKind,
    Envelope,
    EventKind,
    Field,
    FieldType,
    Placement,
    Signer,
    SignerState,
    SigningOrder,
    State,
)
from signport.provider import run_pure
from signport_local.provider import LocalProvider

from ...samples import ann, bob, envelope, make_pdf
from .conftest import Clock

UNKNOWN_ID = uuid.uuid4().hex


def is_uuid4_hex(value: str | None) -> bool:
    assert value is not None
    return len(value) == 32 and uuid.UUID(hex=value).version == 4 and value == value.lower()


def three_signers(order: SigningOrder = SigningOrder.SEQUENTIAL, **kw: object) -> Envelope:
    carol = Signer(first_name="Carol", last_name="Diaz", email="carol@example.com", key="carol")
    return Envelope(subject="Three", documents=[Document(name="a.pdf", content=make_pdf(1))],
                    signers=[ann(), bob(), carol], order=order, **kw)  # type: ignore[arg-type]


# --- create, send --------------------------------------------------------------------------------
def test_draft_has_ids_states_and_raw(client: signport.Client) -> None:
    draft = client.create_draft(envelope())
    assert draft.state is State.DRAFT
    assert draft.native_state == "draft"
    assert draft.provider == "local"
    assert is_uuid4_hex(draft.id)
    assert all(is_uuid4_hex(s.id) for s in draft.signers)
    assert all(is_uuid4_hex(d.id) for d in draft.documents)
    assert all(is_uuid4_hex(f.id) for f in draft.fields)
    assert [s.state for s in draft.signers] == [SignerState.PENDING, SignerState.PENDING]
    assert [s.native_state for s in draft.signers] == ["pending", "pending"]
    assert draft.raw["id"] == draft.id
    assert draft.raw["status"] == "draft"
    assert draft.signers[0].key == "ann"
    assert draft.fields[1].signer == 1
    assert draft.fields[1].placement.page == 2
    assert draft.created_at is not None
    assert draft.created_at.tzinfo is not None


def test_send_draft_only_from_draft(client: signport.Client) -> None:
    draft = client.create_draft(envelope())
    sent = client.send_draft(draft.id)
    assert sent.state is State.SENT
    assert sent.native_state == "sent"
    assert [s.state for s in sent.signers] == [SignerState.NEXT, SignerState.NEXT]
    with pytest.raises(signport.InvalidState):
        client.send_draft(draft.id)
    assert client.get(draft.id).state is State.SENT


def test_send_creates_sent_envelope_with_message_and_sign_by(client: signport.Client) -> None:
    sent = client.send(envelope())
    assert sent.state is State.SENT
    assert sent.message == "Please sign"
    assert sent.sign_by is not None
    assert sent.sign_by > datetime.now(UTC)
    assert sent.signers[1].delivery == frozenset({Delivery.EMAIL})


def test_sms_delivery_is_stored(client: signport.Client) -> None:
    env = envelope()
    env = Envelope(subject=env.subject, documents=env.documents,
                   signers=[env.signers[0], bob(delivery={Delivery.EMAIL, Delivery.SMS})])
    sent = client.send(env)
    assert sent.signers[1].delivery == frozenset({Delivery.EMAIL, Delivery.SMS})
    assert sent.signers[1].phone == "5551234567"


def test_non_json_extras_refused_and_nothing_stored(client: signport.Client, store_path: Path) -> None:
    with pytest.raises(signport.ValidationError) as info:
        client.send(envelope(), extras={"when": object()})
    assert info.value.path == "extras"
    assert list(client.list()) == []
    assert list((store_path / "envelopes").iterdir()) == []


def test_extras_are_kept_in_raw(client: signport.Client) -> None:
    sent = client.send(envelope(), extras={"matter": "A-17", "tags": ["x"]})
    assert client.get(sent.id).raw["extras"] == {"matter": "A-17", "tags": ["x"]}


# --- signing order -------------------------------------------------------------------------------
def test_sequential_only_next_signer_may_sign(client: signport.Client, provider: LocalProvider) -> None:
    sent = client.send(three_signers())
    a, b, c = (s.id for s in sent.signers)
    assert [s.state for s in sent.signers] == [SignerState.NEXT, SignerState.PENDING, SignerState.PENDING]
    assert [s.order for s in sent.signers] == [1, 2, 3]
    for out_of_turn in (b, c):
        with pytest.raises(signport.InvalidState, match="turn"):
            provider.sign(sent.id, out_of_turn)
    after_a = provider.sign(sent.id, a)
    assert after_a.state is State.IN_PROGRESS
    assert after_a.native_state == "in_progress"
    assert [s.state for s in after_a.signers] == [SignerState.SIGNED, SignerState.NEXT, SignerState.PENDING]
    with pytest.raises(signport.InvalidState, match="already"):
        provider.sign(sent.id, a)
    with pytest.raises(signport.InvalidState):
        provider.sign(sent.id, c)
    provider.sign(sent.id, b)
    done = provider.sign(sent.id, "carol")  # a key works too
    assert done.state is State.COMPLETED
    assert done.completed_at is not None
    assert all(s.state is SignerState.SIGNED and s.signed_at is not None for s in done.signers)
    assert client.get(sent.id).state is State.COMPLETED
    with pytest.raises(signport.InvalidState):
        provider.sign(sent.id, a)


def test_parallel_every_unsigned_signer_is_next(client: signport.Client, provider: LocalProvider) -> None:
    sent = client.send(three_signers(SigningOrder.PARALLEL))
    assert all(s.state is SignerState.NEXT for s in sent.signers)
    after = provider.sign(sent.id, sent.signers[2].id)
    assert [s.state for s in after.signers] == [SignerState.NEXT, SignerState.NEXT, SignerState.SIGNED]
    provider.sign(sent.id, sent.signers[0].id)
    assert provider.sign(sent.id, sent.signers[1].id).state is State.COMPLETED


def test_draft_cannot_be_signed(client: signport.Client, provider: LocalProvider) -> None:
    draft = client.create_draft(envelope())
    with pytest.raises(signport.InvalidState):
        provider.sign(draft.id, draft.signers[0].id)
    with pytest.raises(signport.InvalidState):
        provider.decline(draft.id, draft.signers[0].id, "no")


def test_unknown_signer_is_not_found(client: signport.Client, provider: LocalProvider) -> None:
    sent = client.send(envelope())
    with pytest.raises(signport.NotFound):
        provider.sign(sent.id, UNKNOWN_ID)


# --- decline, void -------------------------------------------------------------------------------
def test_decline_ends_the_envelope(client: signport.Client, provider: LocalProvider) -> None:
    sent = client.send(three_signers())
    provider.sign(sent.id, sent.signers[0].id)
    with pytest.raises(signport.InvalidState):  # not yet their turn
        provider.decline(sent.id, sent.signers[2].id, "no")
    declined = provider.decline(sent.id, sent.signers[1].id, "Wrong amount")
    assert declined.state is State.DECLINED
    assert declined.native_state == "declined"
    assert [s.state for s in declined.signers] == [SignerState.SIGNED, SignerState.DECLINED,
                                                   SignerState.PENDING]
    assert declined.signers[1].decline_reason == "Wrong amount"
    assert declined.signers[1].declined_at is not None
    with pytest.raises(signport.InvalidState):
        provider.sign(sent.id, sent.signers[2].id)
    with pytest.raises(signport.InvalidState):
        client.void(sent.id, reason="too late")


def test_void_only_sent_or_in_progress(client: signport.Client, provider: LocalProvider) -> None:
    draft = client.create_draft(envelope())
    with pytest.raises(signport.InvalidState):
        client.void(draft.id, reason="no")
    sent = client.send(envelope())
    provider.sign(sent.id, sent.signers[0].id)
    voided = client.void(sent.id, reason="Terms changed")
    assert voided.state is State.VOIDED
    assert voided.native_state == "voided"
    assert voided.void_reason == "Terms changed"
    assert client.get(sent.id).void_reason == "Terms changed"
    with pytest.raises(signport.InvalidState):
        provider.sign(sent.id, sent.signers[1].id)
    done = client.send(envelope())
    for s in done.signers:
        provider.sign(done.id, s.id)
    with pytest.raises(signport.InvalidState):
        client.void(done.id, reason="no")


# --- drafts: update and delete -------------------------------------------------------------------
def test_update_draft_changes_everything(client: signport.Client, store_path: Path) -> None:
    draft = client.create_draft(envelope(), extras={"a": 1})
    old_doc = draft.documents[0].id
    assert old_doc is not None
    sign_by = datetime.now(UTC) + timedelta(days=3)
    carol = Signer(first_name="Carol", last_name="Diaz", email="carol@example.com", key="carol")
    updated = client.update_draft(
        draft.id, subject="NDA v2", message="New terms", sign_by=sign_by, add_signers=[carol],
        remove_signers=[draft.signers[1].id], add_documents=[Document(name="b.pdf", content=make_pdf(3))],
        remove_documents=[old_doc], extras={"b": 2})
    assert updated.subject == "NDA v2"
    assert updated.message == "New terms"
    assert updated.sign_by == sign_by
    assert [s.email for s in updated.signers] == ["ann@example.com", "carol@example.com"]
    assert [d.name for d in updated.documents] == ["b.pdf"]
    assert updated.documents[0].raw["pages"] == 3
    assert updated.fields == ()  # the removed document's fields went with it
    assert updated.raw["extras"] == {"a": 1, "b": 2}
    folder = store_path / "envelopes" / draft.id
    assert not (folder / f"{old_doc}.pdf").exists()
    assert (folder / f"{updated.documents[0].id}.pdf").is_file()
    assert client.get(draft.id).subject == "NDA v2"


def test_update_draft_removes_the_signers_fields(client: signport.Client) -> None:
    draft = client.create_draft(envelope())
    updated = client.update_draft(draft.id, remove_signers=[draft.signers[0].id])
    assert len(updated.fields) == 1
    assert updated.fields[0].signer == 0
    assert updated.signers[0].email == "bob@example.com"


def test_update_draft_refused_outside_draft_state_first(client: signport.Client,
                                                        store_path: Path) -> None:
    sent = client.send(envelope())
    before = sorted(p.name for p in (store_path / "envelopes" / sent.id).iterdir())
    with pytest.raises(signport.InvalidState):  # state is checked before the unknown id
        client.update_draft(sent.id, subject="x", remove_signers=[UNKNOWN_ID],
                            add_documents=[Document(name="c.pdf", content=make_pdf(1))])
    assert sorted(p.name for p in (store_path / "envelopes" / sent.id).iterdir()) == before
    assert client.get(sent.id).subject == "NDA"


def test_update_draft_unknown_ids(client: signport.Client) -> None:
    draft = client.create_draft(envelope())
    with pytest.raises(signport.NotFound):
        client.update_draft(draft.id, remove_signers=[UNKNOWN_ID])
    with pytest.raises(signport.NotFound):
        client.update_draft(draft.id, remove_documents=[UNKNOWN_ID])
    with pytest.raises(signport.ValidationError) as info:
        client.update_draft(draft.id, add_signers=[ann()])  # key "ann" is taken
    assert info.value.path == "add_signers[0].key"
    assert len(client.get(draft.id).signers) == 2


def test_emptied_draft_cannot_be_sent(client: signport.Client) -> None:
    draft = client.create_draft(envelope())
    doc = draft.documents[0].id
    assert doc is not None
    client.update_draft(draft.id, remove_documents=[doc])
    with pytest.raises(signport.ValidationError) as info:
        client.send_draft(draft.id)
    assert info.value.path == "documents"
    assert client.get(draft.id).state is State.DRAFT


def test_delete_draft_only_in_draft(client: signport.Client, store_path: Path) -> None:
    draft = client.create_draft(envelope())
    assert (store_path / "envelopes" / draft.id).is_dir()
    client.delete_draft(draft.id)
    assert not (store_path / "envelopes" / draft.id).exists()
    with pytest.raises(signport.NotFound):
        client.get(draft.id)
    with pytest.raises(signport.NotFound):
        client.delete_draft(draft.id)
    sent = client.send(envelope())
    with pytest.raises(signport.InvalidState):
        client.delete_draft(sent.id)
    assert client.get(sent.id).state is State.SENT


# --- update_signer -------------------------------------------------------------------------------
def test_update_signer_on_live_envelope(client: signport.Client, provider: LocalProvider) -> None:
    sent = client.send(envelope(order=SigningOrder.SEQUENTIAL))
    first, second = sent.signers
    assert first.id is not None
    assert second.id is not None
    changed = client.update_signer(sent.id, second.id, email="bob.ray@example.com", phone="+15557654321",
                                   delivery={Delivery.SMS})
    s = changed.signer(second.id)
    assert (s.email, s.phone, s.delivery) == ("bob.ray@example.com", "+15557654321",
                                              frozenset({Delivery.SMS}))
    provider.sign(sent.id, first.id)
    with pytest.raises(signport.InvalidState, match="already"):
        client.update_signer(sent.id, first.id, email="ann2@example.com")
    with pytest.raises(signport.NotFound):
        client.update_signer(sent.id, UNKNOWN_ID, email="x@example.com")
    provider.sign(sent.id, second.id)
    with pytest.raises(signport.InvalidState):
        client.update_signer(sent.id, second.id, email="late@example.com")


def test_update_signer_needs_contact_for_delivery(client: signport.Client) -> None:
    sent = client.send(envelope())
    ann_id = sent.signers[0].id
    assert ann_id is not None
    with pytest.raises(signport.ValidationError) as info:
        client.update_signer(sent.id, ann_id, delivery={Delivery.SMS})  # Ann has no phone
    assert info.value.path == "phone"
    assert client.get(sent.id).signers[0].delivery == frozenset({Delivery.EMAIL})


# --- list and paging -----------------------------------------------------------------------------
def test_list_pages_and_filters(tmp_path: Path) -> None:
    with signport.connect("local", path=tmp_path / "s", page_size=3) as client:
        provider = client.provider
        drafts = [client.create_draft(envelope(subject=f"d{i}")).id for i in range(4)]
        sent = [client.send(envelope(subject=f"s{i}")).id for i in range(3)]
        client.void(sent[0], reason="x")
        first = run_pure(provider.list_page(None, None))
        assert [e.subject for e in first.envelopes] == ["d0", "d1", "d2"]
        assert first.next is not None
        second = run_pure(provider.list_page(None, first.next))
        assert [e.subject for e in second.envelopes] == ["d3", "s0", "s1"]
        third = run_pure(provider.list_page(None, second.next))
        assert [e.subject for e in third.envelopes] == ["s2"]
        assert third.next is None
        assert [e.id for e in client.list()] == drafts + sent
        assert [e.id for e in client.list(states={State.DRAFT})] == drafts
        assert [e.id for e in client.list(states={State.SENT, State.IN_PROGRESS})] == sent[1:]
        assert [e.id for e in client.list(states=State.VOIDED)] == sent[:1]
        assert list(client.list(states={State.COMPLETED})) == []
        with pytest.raises(signport.ValidationError):
            run_pure(provider.list_page(None, "not-a-cursor"))


def test_list_survives_insertions_between_pages(tmp_path: Path) -> None:
    with signport.connect("local", path=tmp_path / "s", page_size=2) as client:
        ids = [client.create_draft(envelope(subject=f"e{i}")).id for i in range(3)]
        seen = []
        for i, env in enumerate(client.list()):
            seen.append(env.id)
            if i == 0:
                ids.append(client.create_draft(envelope(subject="late")).id)
        assert seen == ids


def test_page_size_setting_is_checked(tmp_path: Path) -> None:
    with pytest.raises(signport.ConfigError):
        signport.connect("local", path=tmp_path, page_size=0)


# --- not found -----------------------------------------------------------------------------------
@pytest.mark.parametrize("call", ["get", "send_draft", "void", "delete_draft", "download", "events",
                                  "sign", "decline", "expire", "duplicate", "update_draft"])
def test_unknown_envelope_is_not_found(client: signport.Client, provider: LocalProvider, tmp_path: Path,
                                       call: str) -> None:
    actions = {
        "get": lambda: client.get(UNKNOWN_ID),
        "send_draft": lambda: client.send_draft(UNKNOWN_ID),
        "void": lambda: client.void(UNKNOWN_ID, reason="x"),
        "delete_draft": lambda: client.delete_draft(UNKNOWN_ID),
        "download": lambda: client.download(UNKNOWN_ID, to=tmp_path / "o", kind=DocumentKind.ORIGINAL),
        "events": lambda: provider.events(UNKNOWN_ID),
        "sign": lambda: provider.sign(UNKNOWN_ID, UNKNOWN_ID),
        "decline": lambda: provider.decline(UNKNOWN_ID, UNKNOWN_ID, "x"),
        "expire": lambda: provider.expire(UNKNOWN_ID),
        "duplicate": lambda: run_pure(provider.duplicate(UNKNOWN_ID, subject=None, void_original=False,
                                                         reason=None)),
        "update_draft": lambda: client.update_draft(UNKNOWN_ID, subject="x"),
    }
    with pytest.raises(signport.NotFound) as info:
        actions[call]()
    assert info.value.provider == "local"


# --- duplicate -----------------------------------------------------------------------------------
def test_duplicate_makes_a_draft_copy(client: signport.Client, provider: LocalProvider) -> None:
    sent = client.send(envelope(order=SigningOrder.SEQUENTIAL))
    provider.sign(sent.id, sent.signers[0].id)
    copy = run_pure(provider.duplicate(sent.id, subject="NDA (again)", void_original=False, reason=None))
    assert copy.state is State.DRAFT
    assert copy.subject == "NDA (again)"
    assert copy.id != sent.id
    assert [s.email for s in copy.signers] == [s.email for s in sent.signers]
    assert all(s.state is SignerState.PENDING and s.signed_at is None for s in copy.signers)
    assert {s.id for s in copy.signers}.isdisjoint({s.id for s in sent.signers})
    assert copy.documents[0].raw["sha256"] == sent.documents[0].raw["sha256"]
    assert [(f.signer, f.placement) for f in copy.fields] == [(f.signer, f.placement) for f in sent.fields]
    assert copy.raw["copied_from"] == sent.id
    assert client.get(sent.id).state is State.IN_PROGRESS
    sent_copy = client.send_draft(copy.id)
    assert sent_copy.signers[0].state is SignerState.NEXT


def test_duplicate_can_void_the_original(client: signport.Client, provider: LocalProvider) -> None:
    sent = client.send(envelope())
    copy = run_pure(provider.duplicate(sent.id, subject=None, void_original=True, reason="Fix typo"))
    original = client.get(sent.id)
    assert original.state is State.VOIDED
    assert original.void_reason == "Fix typo"
    assert copy.subject == "NDA"
    assert copy.state is State.DRAFT
    draft = client.create_draft(envelope())
    before = len(list(client.list()))
    with pytest.raises(signport.InvalidState):
        run_pure(provider.duplicate(draft.id, subject=None, void_original=True, reason="x"))
    assert len(list(client.list())) == before


def test_signing_urls_are_unsupported(client: signport.Client) -> None:
    sent = client.send(envelope())
    assert client.capabilities.signing_urls is False
    with pytest.raises(signport.UnsupportedFeature):
        client.signing_url(sent.id, sent.signers[0].id or "")


# --- expiry ---------------------------------------------------------------------------------------
def test_expiry_once_sign_by_passes(client: signport.Client, provider: LocalProvider, clock: Clock) -> None:
    sign_by = clock() + timedelta(days=1)
    env = Envelope(subject="Soon", documents=[Document(name="a.pdf", content=make_pdf(1))],
                   signers=[ann(), bob()], order=SigningOrder.SEQUENTIAL, sign_by=sign_by)
    sent = client.send(env)
    provider.sign(sent.id, sent.signers[0].id)
    clock.advance(hours=23)
    assert client.get(sent.id).state is State.IN_PROGRESS
    clock.advance(hours=2)
    expired = client.get(sent.id)
    assert expired.state is State.EXPIRED
    assert expired.native_state == "expired"
    assert expired.raw["expired_at"] == sign_by.isoformat()
    assert [s.state for s in expired.signers] == [SignerState.SIGNED, SignerState.PENDING]
    with pytest.raises(signport.InvalidState):
        provider.sign(sent.id, sent.signers[1].id)
    with pytest.raises(signport.InvalidState):
        client.void(sent.id, reason="x")
    kinds = [e.kind for e in provider.events(sent.id)]
    assert kinds.count(EventKind.ENVELOPE_EXPIRED) == 1


def test_list_expires_overdue_envelopes(client: signport.Client, clock: Clock) -> None:
    soon = Envelope(subject="Soon", documents=[Document(name="a.pdf", content=make_pdf(1))],
                    signers=[ann()], sign_by=clock() + timedelta(hours=1))
    sent = client.send(soon)
    later = client.send(envelope())
    draft = client.create_draft(soon)
    clock.advance(hours=2)
    assert [e.id for e in client.list(states={State.EXPIRED})] == [sent.id]
    assert [e.id for e in client.list(states={State.SENT})] == [later.id]
    assert client.get(draft.id).state is State.DRAFT  # drafts do not expire
    with pytest.raises(signport.ValidationError) as info:  # ... but cannot be sent past their date
        client.send_draft(draft.id)
    assert info.value.path == "sign_by"


def test_signing_after_sign_by_commits_the_expiry(client: signport.Client, provider: LocalProvider,
                                                  clock: Clock) -> None:
    sent = client.send(Envelope(subject="Soon", documents=[Document(name="a.pdf", content=make_pdf(1))],
                                signers=[ann()], sign_by=clock() + timedelta(minutes=5)))
    clock.advance(minutes=6)
    with pytest.raises(signport.InvalidState):
        provider.sign(sent.id, sent.signers[0].id)
    assert [e.kind for e in provider.events(sent.id)][-1] is EventKind.ENVELOPE_EXPIRED
    assert client.get(sent.id).state is State.EXPIRED


def test_expire_now(client: signport.Client, provider: LocalProvider) -> None:
    sent = client.send(envelope(sign_by=False))
    assert provider.expire(sent.id).state is State.EXPIRED
    with pytest.raises(signport.InvalidState):
        provider.expire(sent.id)


def test_naive_clock_is_refused(client: signport.Client, provider: LocalProvider) -> None:
    provider.now = lambda: datetime(2030, 1, 1)
    with pytest.raises(signport.ProviderError, match="timezone-aware"):
        client.create_draft(envelope())


# --- events and webhooks -------------------------------------------------------------------------
def test_events_record_the_lifecycle(client: signport.Client, provider: LocalProvider) -> None:
    sent = client.send(envelope(order=SigningOrder.SEQUENTIAL))
    a, b = (s.id or "" for s in sent.signers)
    client.update_signer(sent.id, b, email="bob2@example.com")
    provider.sign(sent.id, a)
    provider.sign(sent.id, b)
    events = provider.events(sent.id)
    assert [e.kind for e in events] == [
        EventKind.ENVELOPE_CREATED, EventKind.ENVELOPE_SENT, EventKind.UNKNOWN, EventKind.SIGNER_SIGNED,
        EventKind.SIGNER_SIGNED, EventKind.DOCUMENT_COMPLETED, EventKind.ENVELOPE_COMPLETED]
    assert events[2].native_kind == "signer_updated"
    assert [e.signer_id for e in events if e.kind is EventKind.SIGNER_SIGNED] == [a, b]
    assert events[5].document_id == sent.documents[0].id
    assert all(e.envelope_id == sent.id and e.provider == "local" and e.id for e in events)
    times = [e.occurred_at for e in events]
    assert all(t is not None for t in times)
    assert times == sorted(times)  # type: ignore[type-var]


def test_webhook_deliveries_parse(client: signport.Client, provider: LocalProvider) -> None:
    sent = client.send(envelope())
    provider.decline(sent.id, sent.signers[1].id, "Nope")
    deliveries = provider.webhook_deliveries(sent.id)
    kinds = []
    for headers, body in deliveries:
        assert headers["content-type"] == "application/json"
        event = client.parse_webhook(headers, body)
        assert event.raw["event"] == headers["x-signport-event"]
        assert event.verified is False
        kinds.append(event.kind)
    assert kinds[-2:] == [EventKind.SIGNER_DECLINED, EventKind.ENVELOPE_DECLINED]
    declined = client.parse_webhook(*deliveries[-2])
    assert declined.signer_id == sent.signers[1].id
    assert declined.raw["reason"] == "Nope"


def test_parse_webhook_local_format(client: signport.Client) -> None:
    body = (b'{"event": "envelope_completed", "envelope_id": "e1", "signer_id": null, '
            b'"occurred_at": "2030-01-01T12:00:00+00:00", "id": "ev1"}')
    event = client.parse_webhook({}, body)
    assert event.kind is EventKind.ENVELOPE_COMPLETED
    assert (event.envelope_id, event.signer_id, event.id) == ("e1", None, "ev1")
    assert event.occurred_at == datetime(2030, 1, 1, 12, tzinfo=UTC)
    odd = client.parse_webhook({}, '{"event": "something_new", "envelope_id": "e1"}')
    assert odd.kind is EventKind.UNKNOWN
    assert odd.native_kind == "something_new"
    for bad in (b"not json", b"[]", b'{"envelope_id": "e1"}',
                b'{"event": "envelope_sent", "occurred_at": "yesterday"}'):
        with pytest.raises(signport.ValidationError):
            client.parse_webhook({}, bad)


# --- restart -------------------------------------------------------------------------------------
def test_survives_a_restart(store_path: Path, tmp_path: Path) -> None:
    with signport.connect("local", path=store_path) as first:
        sent = first.send(envelope(order=SigningOrder.SEQUENTIAL))
        first.provider.sign(sent.id, sent.signers[0].id)  # type: ignore[attr-defined]
    with signport.connect("local", path=store_path) as second:
        again = second.get(sent.id)
        assert again.state is State.IN_PROGRESS
        assert [s.state for s in again.signers] == [SignerState.SIGNED, SignerState.NEXT]
        assert again.signers[0].signed_at is not None
        done = second.provider.sign(sent.id, sent.signers[1].id)  # type: ignore[attr-defined]
        assert done.state is State.COMPLETED
    with signport.connect("local", path=store_path) as third:
        paths = third.download(sent.id, to=tmp_path / "out", kind=DocumentKind.EXECUTED)
        assert len(paths) == 1
        assert paths[0].read_bytes().startswith(b"%PDF-")
        assert len(third.provider.events(sent.id)) == 6  # type: ignore[attr-defined]


def test_two_providers_on_one_folder_see_each_other(store_path: Path) -> None:
    with signport.connect("local", path=store_path) as one, signport.connect("local", path=store_path) as two:
        sent = one.send(envelope())
        two.provider.sign(sent.id, sent.signers[0].id)  # type: ignore[attr-defined]
        assert one.get(sent.id).state is State.IN_PROGRESS
        assert [e.id for e in two.list()] == [sent.id]


def test_default_folder_and_env_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    from signport_local.settings import LocalSettings

    assert LocalSettings().folder == platformdirs.user_data_path("signport", appauthor=False) / "local"
    monkeypatch.setenv("SIGNPORT_LOCAL_PATH", str(tmp_path / "from-env"))
    monkeypatch.chdir(tmp_path)
    with signport.connect("local") as client:
        client.create_draft(envelope())
    assert (tmp_path / "from-env" / "signport.sqlite3").is_file()


# --- downloads -----------------------------------------------------------------------------------
def test_download_originals_byte_for_byte_with_safe_unique_names(client: signport.Client,
                                                                 tmp_path: Path) -> None:
    pdf = make_pdf(1)
    env = Envelope(subject="../Names: a/b", signers=[ann()], documents=[
        Document(name="../../evil.pdf", content=pdf), Document(name="evil.pdf", content=make_pdf(2)),
        Document(name="EVIL.PDF", content=pdf), Document(name="notes", content=pdf)])
    sent = client.send(env)
    out = tmp_path / "out"
    paths = client.download(sent.id, to=out, kind=DocumentKind.ORIGINAL)
    assert [p.name for p in paths] == ["evil-original.pdf", "evil-original (2).pdf", "EVIL-original (3).pdf",
                                       "notes-original.pdf"]
    assert all(p.parent == out.resolve() for p in paths)
    assert paths[0].read_bytes() == pdf
    assert paths[1].read_bytes() == make_pdf(2)
    assert not list(out.glob("*.part"))
    assert not list(out.glob(".*"))
    audit = client.download(sent.id, to=out, kind=DocumentKind.AUDIT)
    assert audit[0].parent == out.resolve()
    assert audit[0].name.endswith("-audit.pdf")


def test_executed_downloads_need_completion(client: signport.Client, provider: LocalProvider,
                                            tmp_path: Path) -> None:
    sent = client.send(envelope())
    provider.sign(sent.id, sent.signers[0].id)
    for kind in (DocumentKind.EXECUTED, DocumentKind.COMBINED):
        with pytest.raises(signport.InvalidState):
            client.download(sent.id, to=tmp_path / "out", kind=kind)
    provider.sign(sent.id, sent.signers[1].id)
    executed = client.download(sent.id, to=tmp_path / "out", kind=DocumentKind.EXECUTED)
    combined = client.download(sent.id, to=tmp_path / "out", kind=DocumentKind.COMBINED)
    assert [p.name for p in executed] == ["nda.pdf"]
    assert [p.name for p in combined] == ["nda-combined.pdf"]


# --- async ---------------------------------------------------------------------------------------
async def test_async_client_runs_the_same_provider(store_path: Path, tmp_path: Path) -> None:
    async with signport.connect_async("local", path=store_path) as aclient:
        sent = await aclient.send(envelope(order=SigningOrder.SEQUENTIAL))
        provider = aclient.provider
        assert isinstance(provider, LocalProvider)
        for s in sent.signers:
            provider.sign(sent.id, s.id or "")
        done = await aclient.wait(sent.id, timeout=5, poll=0.01)
        assert done.state is State.COMPLETED
        assert [e.id async for e in aclient.list(states={State.COMPLETED})] == [sent.id]
        paths = await aclient.download(sent.id, to=tmp_path / "out", kind=DocumentKind.COMBINED)
        assert paths[0].is_file()


# --- direct flows (no driver) --------------------------------------------------------------------
def test_flows_are_generators_that_never_yield(provider: LocalProvider) -> None:
    flow = provider.create(envelope(), send=False, extras={})
    assert hasattr(flow, "send")
    assert hasattr(flow, "throw")
    assert list(provider.list_page(None, None)) == []  # nothing yielded, nothing run twice
    draft = run_pure(flow)
    assert run_pure(provider.get(draft.id or "")).state is State.DRAFT


def test_field_references_by_index_and_key(client: signport.Client) -> None:
    env = Envelope(subject="Refs", signers=[ann(), bob()],
                   documents=[Document(name="a.pdf", content=make_pdf(1), key="main"),
                              Document(name="b.pdf", content=make_pdf(2))],
                   fields=[Field(type=FieldType.SIGNATURE, signer="bob", document="main",
                                 placement=Placement(page=1, x=10, y=10, width=100, height=30)),
                           Field(type=FieldType.DATE, signer=0, document=1,
                                 placement=Placement(page=2, x=10, y=10, width=100, height=30))])
    sent = client.send(env)
    assert [(f.signer, f.document) for f in sent.fields] == [(1, 0), (0, 1)]
    assert sent.documents[0].key == "main"


def test_filter_by_states_local_never_uses(client: signport.Client) -> None:
    client.send(envelope())
    assert list(client.list(states={State.READY})) == []
    assert list(client.list(states={State.UNKNOWN})) == []
    assert len(list(client.list(states={State.READY, State.SENT}))) == 1


def test_a_long_multibyte_document_name_still_downloads(client: signport.Client, tmp_path: Path) -> None:
    name = "\u96c7\u7528\u5951\u7d04\u66f8" * 30    # 150 characters, 450 bytes in UTF-8
    sent = client.send(attrs.evolve(envelope(), documents=[Document(name=f"{name}.pdf", content=make_pdf(1))],
                                    fields=[]))
    assert sent.id is not None
    [path] = client.download(sent.id, to=tmp_path / "out", kind=DocumentKind.AUDIT)
    assert path.name.startswith("\u96c7")
    assert path.name.endswith(".pdf")
    assert len(path.name.encode("utf-8")) <= 200
    assert path.read_bytes().startswith(b"%PDF-")


def test_a_download_that_cannot_be_written_is_a_validation_error(client: signport.Client, tmp_path: Path) -> None:
    sent = client.send(envelope())
    assert sent.id is not None
    out = tmp_path / "out"
    (out / "nda-original.pdf").mkdir(parents=True)          # a folder where the file should go
    (out / "nda-original.pdf" / "keep").write_text("x")
    with pytest.raises(signport.ValidationError) as info:
        client.download(sent.id, to=out, kind=DocumentKind.ORIGINAL)
    assert info.value.path == "to"
    assert sorted(p.name for p in out.iterdir()) == ["nda-original.pdf"]


def test_threads_racing_to_the_store_open_it_once(store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from signport_local import provider as local_provider
    from signport_local.settings import LocalSettings

    opened: list[object] = []

    class SlowStore(local_provider.Store):
        def __init__(self, *args: object, **kw: object) -> None:
            time.sleep(0.05)                           # widen the window between check and set
            super().__init__(*args, **kw)  # type: ignore[arg-type]
            opened.append(self)

    monkeypatch.setattr(local_provider, "Store", SlowStore)
    shared = LocalProvider(LocalSettings(path=store_path))
    start = threading.Barrier(6)
    seen: list[object] = []

    def use() -> None:
        start.wait()
        seen.append(shared.store)

    threads = [threading.Thread(target=use) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    shared.close()
    assert len(opened) == 1
    assert all(s is opened[0] for s in seen)
