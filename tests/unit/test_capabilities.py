"""Capability checks refuse what a provider lacks before any request."""

from __future__ import annotations

import pytest

import signport
from signport import Capabilities, Delivery, DraftUpdate, Signer


def sms_signer() -> Signer:
    return Signer(first_name="Bob", last_name="Ray", email="bob@example.com", phone="5551234567",
                  delivery={Delivery.EMAIL, Delivery.SMS})


def test_a_draft_update_adding_an_sms_signer_needs_sms_delivery() -> None:
    caps = Capabilities(update_draft=True)
    with pytest.raises(signport.UnsupportedFeature) as info:
        caps.check_draft_update(DraftUpdate(add_signers=[sms_signer()]), provider="p")
    assert info.value.feature == "sms_delivery"
    assert Capabilities(update_draft=True, sms_delivery=True).check_draft_update(
        DraftUpdate(add_signers=[sms_signer()])).add_signers == (sms_signer(),)


def test_ignore_unsupported_drops_from_a_draft_update_as_from_an_envelope() -> None:
    caps = Capabilities(update_draft=True)
    update = DraftUpdate(add_signers=[sms_signer()], message="hi", subject="New")
    kept = caps.check_draft_update(update, ignore={"sms", "message"})
    assert kept.add_signers[0].delivery == frozenset({Delivery.EMAIL})
    assert kept.message is None
    assert kept.subject == "New"


@pytest.mark.parametrize(("envelope_changes", "feature", "drop"), [
    ({"sign_by": "date"}, "sign_by", "sign_by"),
    ({"message": "Please sign"}, "message", "message"),
    ({"fields": True}, "fields", "fields"),
    ({"sms": True}, "sms_delivery", "sms"),
])
def test_an_unsupported_feature_names_the_provider_the_feature_and_both_ways_to_drop_it(
        envelope_changes: dict[str, object], feature: str, drop: str) -> None:
    from datetime import UTC, datetime

    from signport import Document, Envelope, Field, FieldType, Placement

    signer = sms_signer() if "sms" in envelope_changes else Signer(first_name="A", last_name="B", email="a@example.com")
    envelope = Envelope(
        subject="s", documents=[Document(name="a.pdf", content=b"%PDF")], signers=[signer],
        sign_by=datetime(2030, 1, 1, tzinfo=UTC) if "sign_by" in envelope_changes else None,
        message=envelope_changes.get("message"),  # type: ignore[arg-type]
        fields=[Field(type=FieldType.SIGNATURE, signer=0, placement=Placement(page=1, x=1, y=1, width=9, height=9))]
        if "fields" in envelope_changes else [])
    with pytest.raises(signport.UnsupportedFeature) as info:
        Capabilities(parallel_order=True).check_envelope(envelope, provider="acme")
    text = str(info.value)
    assert text.startswith("acme ")
    assert f"(feature: {feature})" in text
    assert f"ignore_unsupported={{{drop!r}}}" in text
    assert f"SIGNPORT_IGNORE_UNSUPPORTED={drop}" in text
    assert info.value.feature == feature
    assert info.value.provider == "acme"


def test_a_draft_update_refusal_says_how_to_drop_the_feature_too() -> None:
    with pytest.raises(signport.UnsupportedFeature) as info:
        Capabilities(update_draft=True).check_draft_update(DraftUpdate(message="hi"), provider="acme")
    assert "ignore_unsupported={'message'}" in str(info.value)
    assert "SIGNPORT_IGNORE_UNSUPPORTED=message" in str(info.value)


def test_a_feature_that_cannot_be_dropped_names_provider_and_feature_only() -> None:
    with pytest.raises(signport.UnsupportedFeature) as info:
        Capabilities().require("drafts", provider="acme")
    assert str(info.value).startswith("acme does not support drafts (feature: drafts)")
    assert "ignore_unsupported" not in str(info.value)


def test_the_env_var_named_in_the_message_really_drops_the_feature(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: object) -> None:
    from datetime import UTC, datetime

    from signport import Document, Envelope

    monkeypatch.setenv("SIGNPORT_IGNORE_UNSUPPORTED", "sign_by")
    with signport.connect("easyink", client_id="cid") as client:
        envelope = Envelope(subject="s", documents=[Document(name="a.pdf", content=b"%PDF")],
                            signers=[Signer(first_name="A", last_name="B", email="a@example.com")],
                            sign_by=datetime(2030, 1, 1, tzinfo=UTC))
        checked = client.capabilities.check_envelope(envelope, provider="easyink", ignore=client._ops.ignore)
    assert checked.sign_by is None
