"""``local`` emulating a vendor refuses what the vendor's fake refuses, with the same error.

Written as an application's test suite would be: the ``signport_local`` fixture parametrised by
emulation, and the ``signport_easyink_fake`` / ``signport_iinked_fake`` fixtures of the plugin.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import signport
from signport import (
    Delivery,
    Document,
    DocumentKind,
    Envelope,
    Field,
    FieldType,
    Placement,
    Signer,
    SignportError,
    State,
    UnsupportedFeature,
    ValidationError,
)
from signport.testing import FakeVendor

from ..samples import make_pdf

PDF = make_pdf(1)
Action = Callable[[signport.Client], Any]


def nda(**changes: Any) -> Envelope:
    values: dict[str, Any] = {
        "subject": "NDA", "documents": [Document(name="nda.pdf", content=PDF)],
        "signers": [Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann")]}
    return Envelope(**(values | changes))


def field(kind: FieldType) -> Field:
    return Field(type=kind, signer="ann", placement=Placement(page=1, x=100, y=100, width=150, height=40))


def sent_then(act: Callable[[signport.Client, str], Any]) -> Action:
    def run(client: signport.Client) -> Any:
        env = client.send(nda())
        assert env.id is not None
        return act(client, env.id)
    return run


IN_A_MONTH = datetime.now(UTC) + timedelta(days=30)
SMS_SIGNER = Signer(first_name="Ann", last_name="Lee", phone="+15551234567", delivery={Delivery.SMS}, key="ann")

EASYINK_REFUSALS: dict[str, Action] = {
    "sign_by": lambda c: c.send(nda(sign_by=IN_A_MONTH)),
    "message": lambda c: c.send(nda(message="Please sign")),
    "text field": lambda c: c.send(nda(fields=[field(FieldType.TEXT)])),
    "phone format": lambda c: c.send(nda(signers=[SMS_SIGNER])),
    "phone of a contact change": sent_then(lambda c, i: c.update_signer(i, "x", phone="+442079460000")),
    "tiny field": lambda c: c.send(nda(fields=[Field(type=FieldType.SIGNATURE, signer="ann", placement=Placement(
        page=1, x=10, y=10, width=0.05, height=20))])),
    "language": lambda c: c.send(nda(signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com",
                                                     language="fr")])),
    "void without a reason": sent_then(lambda c, i: c.void(i)),
    "duplicate voiding without a reason": sent_then(lambda c, i: c.duplicate(i, void_original=True)),
    "list filter": lambda c: list(c.list(states=[State.UNKNOWN])),
}

IINKED_REFUSALS: dict[str, Action] = {
    "signature field": lambda c: c.send(nda(fields=[field(FieldType.SIGNATURE)])),
    "sms": lambda c: c.send(nda(signers=[Signer(first_name="Ann", last_name="Lee", phone="5551234567",
                                                delivery={Delivery.SMS})])),
    "original download": sent_then(lambda c, i: c.download(i, to="unused", kind=DocumentKind.ORIGINAL)),
    "audit download": sent_then(lambda c, i: c.download(i, to="unused", kind=DocumentKind.AUDIT)),
    "declined filter": lambda c: list(c.list(states=[State.DECLINED])),
    "duplicate": sent_then(lambda c, i: c.duplicate(i)),
}


def refusal(client: signport.Client, act: Action) -> SignportError:
    with pytest.raises((UnsupportedFeature, ValidationError)) as info:
        act(client)
    error = info.value
    assert isinstance(error, SignportError)
    return error


def same(local: SignportError, vendor: SignportError) -> None:
    assert type(local) is type(vendor)
    assert str(local) == str(vendor)
    assert getattr(local, "feature", None) == getattr(vendor, "feature", None)
    assert getattr(local, "path", None) == getattr(vendor, "path", None)


@pytest.mark.parametrize("signport_local", ["easyink"], indirect=True)
@pytest.mark.parametrize("case", sorted(EASYINK_REFUSALS))
def test_local_emulating_easyink_refuses_like_the_easyink_fake(
        case: str, signport_local: signport.Client, signport_easyink_fake: FakeVendor[signport.Client],
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    act = EASYINK_REFUSALS[case]
    same(refusal(signport_local, act), refusal(signport_easyink_fake.client, act))


@pytest.mark.signport_emulate("iinked")
@pytest.mark.parametrize("case", sorted(IINKED_REFUSALS))
def test_local_emulating_iinked_refuses_like_the_iinked_fake(
        case: str, signport_local: signport.Client, signport_iinked_fake: FakeVendor[signport.Client],
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    act = IINKED_REFUSALS[case]
    same(refusal(signport_local, act), refusal(signport_iinked_fake.client, act))


@pytest.mark.parametrize("case", sorted(EASYINK_REFUSALS.keys() - {"list filter", "void without a reason",
                                                                   "duplicate voiding without a reason"}))
def test_plain_local_accepts_what_easyink_refuses(case: str, signport_local: signport.Client) -> None:
    # The refusals above come from emulation, not from local itself (a sent envelope is enough).
    try:
        EASYINK_REFUSALS[case](signport_local)
    except signport.NotFound:
        assert case == "phone of a contact change"  # no signer "x": the contact rule itself passed


def test_emulation_keeps_simulated_signing(signport_local_path: Any) -> None:
    with signport.connect("local", path=signport_local_path, emulate="easyink") as client:
        caps = client.capabilities
        assert caps.simulated_signing
        assert not caps.sign_by
        assert caps.field_types == {FieldType.SIGNATURE}
        env = client.send(nda())
        assert env.id is not None
        done = client.provider.sign(env.id, "ann")  # type: ignore[attr-defined]
        assert done.state is State.COMPLETED
        assert "emulating easyink" in repr(client.provider)


def test_emulate_from_the_environment(signport_local_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPORT_LOCAL_EMULATE", "iinked")
    with signport.connect("local", path=signport_local_path) as client:
        assert client.capabilities.field_types == frozenset()
        assert client.capabilities.download_kinds == {DocumentKind.EXECUTED}


def test_emulate_from_the_configuration_file(signport_local_path: Any, tmp_path: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "signport.toml").write_text('[local]\nemulate = "easyink"\n', "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIGNPORT_CONFIG", raising=False)
    monkeypatch.delenv("SIGNPORT_LOCAL_EMULATE", raising=False)
    with signport.connect("local", path=signport_local_path) as client:
        assert not client.capabilities.message


def test_emulating_an_unknown_provider_is_a_config_error(signport_local_path: Any) -> None:
    with pytest.raises(signport.ConfigError, match="emulate") as info:
        signport.connect("local", path=signport_local_path, emulate="docusine")
    assert "easyink, iinked" in str(info.value)
