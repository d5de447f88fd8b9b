"""The public API exactly as the foundation issue writes it, end to end on the local provider."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import signport
from signport import (
    Capabilities,
    Delivery,
    Document,
    DocumentKind,
    Envelope,
    Event,
    EventKind,
    Field,
    FieldType,
    Placement,
    Signer,
    SignerState,
    SigningOrder,
    State,
)

from ..samples import make_pdf


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "a.pdf"
    path.write_bytes(make_pdf(2))
    return path


def nda(pdf: Path) -> Envelope:
    return Envelope(
        subject="NDA", documents=[Document.from_path(pdf)],
        signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann"),
                 Signer(first_name="Bob", last_name="Ray", email="bob@example.com", phone="5551234567",
                        delivery={Delivery.EMAIL, Delivery.SMS})],
        fields=[Field(type=FieldType.SIGNATURE, signer="ann", document=0,
                      placement=Placement(page=1, x=100, y=200, width=200, height=50))],
        order=SigningOrder.SEQUENTIAL, sign_by=datetime(2030, 1, 1, tzinfo=UTC), message="Please sign")


def test_the_whole_api_on_local(tmp_path: Path, pdf: Path) -> None:
    with signport.connect("local", path=tmp_path / "store") as client:
        assert isinstance(client.capabilities, Capabilities)
        assert client.provider.name == "local"
        env = client.send(nda(pdf))
        assert env.state is State.SENT
        assert isinstance(env.native_state, str)
        assert [s.state for s in env.signers] == [SignerState.NEXT, SignerState.PENDING]
        assert env.signers[0].id
        assert env.documents[0].id
        assert isinstance(env.raw, dict)

        draft = client.create_draft(Envelope(subject="Draft", documents=[Document(name="b.pdf", content=make_pdf(1))],
                                             signers=[Signer(first_name="Cy", last_name="Ng", email="cy@example.com")]))
        assert draft.state is State.DRAFT
        draft = client.update_draft(
            draft.id, subject="Draft v2", sign_by=datetime(2031, 1, 1, tzinfo=UTC),
            add_signers=[Signer(first_name="Di", last_name="Ox", email="di@example.com")],
            remove_signers=[draft.signers[0].id],
            add_documents=[Document(name="c.pdf", content=make_pdf(1))],
            remove_documents=[draft.documents[0].id])
        assert draft.subject == "Draft v2"
        assert [s.email for s in draft.signers] == ["di@example.com"]
        assert [d.name for d in draft.documents] == ["c.pdf"]
        sent_draft = client.send_draft(draft.id)
        assert sent_draft.state is State.SENT

        listed = {e.id for e in client.list(states={State.SENT, State.IN_PROGRESS})}
        assert {env.id, draft.id} <= listed

        env = client.update_signer(env.id, env.signers[1].id, email="bob.ray@example.com", phone="5557654321",
                                   delivery={Delivery.SMS})
        assert env.signers[1].email == "bob.ray@example.com"
        assert env.signers[1].delivery == frozenset({Delivery.SMS})

        client.provider.sign(env.id, env.signers[0].id)
        client.provider.sign(env.id, env.signers[1].id)
        done = client.wait(env.id, timeout=600, poll=5)
        assert done.state is State.COMPLETED
        for kind in DocumentKind:
            paths = client.download(env.id, to=tmp_path / "out" / kind.value, kind=kind)
            assert paths
            assert all(p.read_bytes().startswith(b"%PDF-") for p in paths)

        client.void(sent_draft.id, reason="Superseded")
        assert client.get(sent_draft.id).state is State.VOIDED

        other = client.create_draft(nda(pdf))
        client.delete_draft(other.id)
        with pytest.raises(signport.NotFound):
            client.get(other.id)

        declined = client.send(nda(pdf))
        client.provider.decline(declined.id, declined.signers[0].id, "No thanks")
        assert client.get(declined.id).state is State.DECLINED

        headers, body = client.provider.webhook_deliveries(env.id)[-1]
        event = client.parse_webhook(headers, body)
        assert isinstance(event, Event)
        assert event.kind is EventKind.ENVELOPE_COMPLETED
        assert event.envelope_id == env.id
        assert json.loads(body)


async def test_async_client_mirrors(tmp_path: Path, pdf: Path) -> None:
    async with signport.connect_async("local", path=tmp_path / "store") as aclient:
        env = await aclient.send(nda(pdf))
        ids = [e.id async for e in aclient.list(states={State.SENT})]
        assert ids == [env.id]
        assert (await aclient.get(env.id)).state is State.SENT


def test_vendor_clients_construct_from_settings() -> None:
    with signport.connect("iinked", api_key="k-123", environment="sandbox") as client:
        assert client.provider.base_url == "https://sandbox.syngrafii.com/api/v1"
        assert "k-123" not in repr(client.provider.settings)
    with signport.connect("iinked", api_key="k", base_url="http://127.0.0.1:1/api/v1") as client:
        assert client.provider.base_url == "http://127.0.0.1:1/api/v1"


async def test_easyink_async_client_constructs() -> None:
    async with signport.connect_async("easyink", access_token="t-123") as aclient:
        assert aclient.provider.name == "easyink"
        assert "t-123" not in repr(aclient.provider.settings)


def test_missing_iinked_key_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SIGNPORT_IINKED_API_KEY", raising=False)
    monkeypatch.delenv("SIGNPORT_IINKED_ACCESS_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(signport.ConfigError, match="SIGNPORT_IINKED_API_KEY"):
        signport.connect("iinked")
