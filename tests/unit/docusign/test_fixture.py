"""The ``signport_docusign_fake`` fixture of the pytest plugin, and local emulating DocuSign."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import signport
from signport import Delivery, State
from signport.testing import FakeVendor

from ...samples import envelope


def test_fixture_client_signs_to_completion(signport_docusign_fake: FakeVendor[signport.Client]) -> None:
    fake = signport_docusign_fake
    client = fake.client
    sent = client.send(envelope(client.capabilities))
    fake.sign(sent, "ann")
    fake.sign(sent, 1)
    assert client.get(sent.id).state is State.COMPLETED
    assert client.signing_url is not None
    with pytest.raises(NotImplementedError):
        fake.expire(sent)


async def test_async_fixture(signport_docusign_fake_async: FakeVendor[signport.AsyncClient]) -> None:
    fake = signport_docusign_fake_async
    sent = await fake.client.send(envelope(fake.client.capabilities))
    fake.decline(sent, "bob", "No")
    assert (await fake.client.get(sent.id)).state is State.DECLINED
    headers, body = fake.control.webhook(sent, "envelope-declined")  # type: ignore[attr-defined]
    event = fake.client.parse_webhook(headers, body)
    assert event.kind is signport.EventKind.ENVELOPE_DECLINED
    assert event.verified


def _refusal(client: signport.Client, act: Any) -> tuple[type[BaseException], str | None]:
    with pytest.raises(signport.SignportError) as info:
        act(client)
    return type(info.value), getattr(info.value, "path", None)


CASES = {
    "long subject": lambda c: c.send(attrs.evolve(envelope(c.capabilities), subject="x" * 101)),
    "sms": lambda c: c.send(attrs.evolve(envelope(c.capabilities), signers=[
        attrs.evolve(s, delivery={Delivery.SMS}) for s in envelope(c.capabilities).signers])),
    "no email": lambda c: c.send(attrs.evolve(envelope(c.capabilities), signers=[
        attrs.evolve(envelope(c.capabilities).signers[0], email=None, phone="5551234567")])),
    "sign by": lambda c: c.send(attrs.evolve(envelope(None), fields=())),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.signport_emulate("docusign")
def test_local_emulating_docusign_refuses_like_the_docusign_fake(
        case: str, signport_local: signport.Client, signport_docusign_fake: FakeVendor[signport.Client]) -> None:
    assert "emulating docusign" in repr(signport_local.provider)
    assert _refusal(signport_local, CASES[case]) == _refusal(signport_docusign_fake.client, CASES[case])
