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
