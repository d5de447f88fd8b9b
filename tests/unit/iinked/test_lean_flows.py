"""Lean flows against the fake: the requests each flow sends and the payloads it parses, counted (not timed).

One read-back per flow: the full Package (§5.6) carries everything the neutral model shows, and an
add answers with it (``returnPackage``, §3), so a send reads nothing back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import signport
from signport import DocumentKind, Envelope, InvalidState, State
from signport_iinked import payloads

from ...counting import CountingTransport
from ...samples import envelope
from .conftest import API_KEY


class Lean:
    """A client on the fake whose requests and ``parse_envelope`` calls are counted."""

    def __init__(self, fake_url: str, monkeypatch: pytest.MonkeyPatch, **settings: Any) -> None:
        self.fake_url = fake_url
        self.transport = CountingTransport("/api/v1")
        self.parsed: list[Any] = []
        parse = payloads.parse_envelope

        def counted(payload: Any) -> Envelope:
            self.parsed.append(payload)
            return parse(payload)

        monkeypatch.setattr(payloads, "parse_envelope", counted)
        self.client = signport.connect("iinked", transport=self.transport, api_key=API_KEY,
                                       base_url=f"{fake_url}/api/v1", **settings)

    def reset(self) -> None:
        self.transport.calls.clear()
        self.parsed.clear()

    def sign_all(self, env: Envelope) -> None:
        for signer in env.signers:
            httpx.post(f"{self.fake_url}/_control/packages/{env.id}/sign/{signer.id}").raise_for_status()


@pytest.fixture
def lean(fake_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lean]:
    counted = Lean(fake_url, monkeypatch)
    with counted.client:
        yield counted


def test_send_uploads_and_adds_and_reads_nothing_back(lean: Lean) -> None:
    env = lean.client.send(envelope(lean.client.capabilities))
    assert lean.transport.calls == ["POST /files/upload", "POST /packages/add"]
    assert len(lean.parsed) == 1
    assert env.state is State.SENT
    assert [s.first_name for s in env.signers] == ["Ann", "Bob"]
    assert env.message == "Please sign"


def test_get_is_one_request_and_one_parse(lean: Lean) -> None:
    sent = lean.client.send(envelope(lean.client.capabilities))
    lean.reset()
    env = lean.client.get(sent.id)
    assert lean.transport.calls == [f"GET /packages/{sent.id}"]
    assert len(lean.parsed) == 1
    assert env.state is State.SENT
    assert env.raw["packageId"] == sent.id


def test_get_with_signer_links_is_still_one_request(fake_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # §5.10: with generateSignerLinks each signer of the Package carries its signLink.
    lean = Lean(fake_url, monkeypatch, generate_signer_links=True)
    with lean.client:
        sent = lean.client.send(envelope(lean.client.capabilities))
        lean.reset()
        env = lean.client.get(sent.id)
    assert lean.transport.calls == [f"GET /packages/{sent.id}"]
    assert all(s.signing_url for s in env.signers)
    assert len(lean.parsed) == 1


def test_send_draft_checks_sends_and_reads_back_once(lean: Lean) -> None:
    draft = lean.client.create_draft(envelope(lean.client.capabilities))
    lean.reset()
    sent = lean.client.send_draft(draft.id)
    assert lean.transport.calls == [f"GET /packages/{draft.id}/status", "POST /packages/send",
                                    f"GET /packages/{draft.id}"]
    assert len(lean.parsed) == 1
    assert sent.state is State.SENT


def test_void_reads_rescinds_and_reads_back_once(lean: Lean) -> None:
    sent = lean.client.send(envelope(lean.client.capabilities))
    lean.reset()
    voided = lean.client.void(sent.id, reason="Terms changed")
    assert lean.transport.calls == [f"GET /packages/{sent.id}", "POST /packages/rescind", f"GET /packages/{sent.id}"]
    assert len(lean.parsed) == 1
    assert voided.state is State.VOIDED
    assert voided.void_reason == "Terms changed"
    lean.reset()
    again = lean.client.void(sent.id, reason="Terms changed")  # already done: the one read answers
    assert lean.transport.calls == [f"GET /packages/{sent.id}"]
    assert len(lean.parsed) == 1
    assert again.state is State.VOIDED


def test_download_reads_the_status_once(lean: Lean, tmp_path: Path) -> None:
    sent = lean.client.send(envelope(lean.client.capabilities))
    lean.sign_all(sent)
    lean.reset()
    paths = lean.client.download(sent.id, to=tmp_path, kind=DocumentKind.EXECUTED)
    (document,) = sent.documents
    assert lean.transport.calls == [f"GET /packages/{sent.id}/status",
                                    f"GET /packages/{sent.id}/documents/{document.id}/pdf/executed/download"]
    assert lean.parsed == [], "an executed package's documents are read without building the envelope"
    assert [p.name for p in paths] == ["nda.pdf"]


def test_download_of_a_package_not_plainly_executed_judges_its_state(lean: Lean, tmp_path: Path) -> None:
    sent = lean.client.send(envelope(lean.client.capabilities))
    lean.reset()
    with pytest.raises(InvalidState):
        lean.client.download(sent.id, to=tmp_path, kind=DocumentKind.EXECUTED)
    assert len(lean.parsed) == 1
    assert lean.transport.calls == [f"GET /packages/{sent.id}/status"]


def test_update_draft_reads_the_status_and_updates(lean: Lean) -> None:
    draft = lean.client.create_draft(envelope(lean.client.capabilities))
    lean.reset()
    updated = lean.client.update_draft(draft.id, subject="NDA v2")
    assert lean.transport.calls == [f"GET /packages/{draft.id}/status", "POST /packages/update"]
    assert len(lean.parsed) == 1
    assert updated.subject == "NDA v2"


def test_update_signer_reads_the_status_and_updates(lean: Lean) -> None:
    sent = lean.client.send(envelope(lean.client.capabilities))
    lean.reset()
    updated = lean.client.update_signer(sent.id, sent.signers[0].id, email="new@example.com")
    assert lean.transport.calls == [f"GET /packages/{sent.id}/status", "POST /packages/update"]
    assert len(lean.parsed) == 1
    assert updated.signers[0].email == "new@example.com"
