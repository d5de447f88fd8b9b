"""The neutral model and its one converter."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import attrs
import pytest

from signport import Delivery, DraftUpdate, Envelope, FieldType, Signer, SignerState, SigningOrder, State
from signport.convert import converter, structure, unstructure
from signport.model import StoredEnvelope

from ..samples import envelope


def test_round_trip_through_json_drops_document_bytes() -> None:
    env = attrs.evolve(envelope(), id="e1", state=State.SENT, native_state="open", raw={"packageId": "e1"},
                       created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    data = json.loads(json.dumps(unstructure(env)))
    assert data["state"] == "sent"
    assert data["raw"] == {"packageId": "e1"}
    assert "content" not in data["documents"][0]
    assert data["signers"][1]["delivery"] == ["email"]
    back = structure(data, Envelope)
    assert back.id == "e1"
    assert back.state is State.SENT
    assert back.created_at == env.created_at
    assert back.fields[0].type is FieldType.SIGNATURE
    assert back.fields[0].signer == "ann"
    assert back.signers[0].delivery == frozenset({Delivery.EMAIL})
    assert back.documents[0].content is None


def test_one_converter_instance() -> None:
    from signport import convert

    assert convert.converter is converter


def test_model_is_frozen_and_raw_is_a_plain_dict_copy() -> None:
    payload = {"a": 1}
    env = attrs.evolve(envelope(), raw=payload)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        env.subject = "x"  # type: ignore[misc]
    assert type(env.raw) is dict
    assert json.loads(json.dumps(env.raw)) == {"a": 1}
    assert env.raw is not payload  # the caller's mapping stays theirs


def test_lists_become_tuples_and_delivery_sets() -> None:
    env = envelope()
    assert isinstance(env.signers, tuple)
    assert isinstance(env.documents, tuple)
    assert env.signers[0].delivery == frozenset({Delivery.EMAIL})


def test_terminal_states() -> None:
    assert {s for s in State if s.is_terminal} == {State.COMPLETED, State.DECLINED, State.VOIDED, State.EXPIRED}


def test_signer_lookup_by_key_id_index() -> None:
    env = envelope()
    assert env.signer("bob").first_name == "Bob"
    assert env.signer(0).first_name == "Ann"
    with pytest.raises(KeyError):
        env.signer("nobody")
    assert env.signers[0].state is SignerState.PENDING


def test_document_bytes_not_in_repr() -> None:
    assert "%PDF" not in repr(envelope().documents[0])


def test_a_lone_id_to_remove_is_one_id() -> None:
    update = DraftUpdate(remove_signers="s1", remove_documents="d1")
    assert update.remove_signers == ("s1",)
    assert update.remove_documents == ("d1",)
    assert DraftUpdate(remove_signers=["s1", "s2"]).remove_signers == ("s1", "s2")


def test_stored_envelope_of_carries_every_attribute() -> None:
    env = attrs.evolve(envelope(), id="e1", raw={"k": "v"}, state=State.SENT, native_state="open")
    stored = StoredEnvelope.of(env)
    assert {a.name for a in attrs.fields(StoredEnvelope)} == {a.name for a in attrs.fields(Envelope)}
    for a in attrs.fields(Envelope):
        assert getattr(stored, a.name) is getattr(env, a.name), a.name
    assert stored == StoredEnvelope(**{a.name: getattr(env, a.name) for a in attrs.fields(Envelope)})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        stored.subject = "x"  # type: ignore[misc]


def test_converters_take_what_parsers_and_callers_give() -> None:
    signer = Signer(first_name="A", last_name="B")
    as_list = Envelope(subject="s", signers=[signer], order="sequential")  # type: ignore[arg-type]
    as_tuple = Envelope(subject="s", signers=(signer,), order=SigningOrder.SEQUENTIAL)
    assert as_list == as_tuple
    assert type(as_list.signers) is tuple
    assert as_list.order is SigningOrder.SEQUENTIAL
    assert Signer(first_name="A", last_name="B", delivery=frozenset({Delivery.SMS})).delivery == {Delivery.SMS}
    assert Signer(first_name="A", last_name="B", delivery="sms").delivery == {Delivery.SMS}  # type: ignore[arg-type]
