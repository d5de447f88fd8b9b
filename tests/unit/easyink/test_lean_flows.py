"""Lean flows against the fake: the requests each flow sends and the payloads it parses, counted (not timed).

One read-back per flow: a session is read back from its session view (§6.7 #23), a draft that the flow
built or changed from its draft view (§6.1 #2), and a draft view just read is not read again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import signport
from signport import DocumentKind, Envelope, State
from signport_easyink import payloads

from ...counting import CountingTransport
from ...samples import envelope


class Lean:
    """A client on the fake whose requests and envelope parses (session or draft view) are counted."""

    def __init__(self, settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
        self.settings = settings
        self.transport = CountingTransport("/api/")
        self.parsed: list[str] = []
        for name in ("parse_session", "parse_draft", "parse_envelope"):
            monkeypatch.setattr(payloads, name, self._counted(name, getattr(payloads, name)))
        self.client = self.connect()

    def _counted(self, name: str, parse: Any) -> Any:
        def counted(*args: Any, **kwargs: Any) -> Envelope:
            self.parsed.append(name)
            return parse(*args, **kwargs)
        return counted

    def connect(self) -> signport.Client:
        return signport.connect("easyink", transport=self.transport, **self.settings)

    def reset(self) -> None:
        self.transport.calls.clear()
        self.parsed.clear()

    def reads(self) -> list[str]:
        return [c for c in self.transport.calls if c.startswith("GET signingSession")]


@pytest.fixture
def lean(settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[Lean]:
    counted = Lean(settings, monkeypatch)
    with counted.client:
        yield counted


def test_send_reads_the_session_back_once(lean: Lean) -> None:
    sent = lean.client.send(envelope(lean.client.capabilities))
    assert lean.transport.calls[-3:] == [f"POST signingSessionDrafts/{sent.id}/convert",
                                         f"POST signingSessions/{sent.id}/started", f"GET signingSessions/{sent.id}"]
    assert lean.parsed == ["parse_session"]
    assert sent.state is State.SENT


def test_get_is_one_request_and_one_parse(lean: Lean) -> None:
    sent = lean.client.send(envelope(lean.client.capabilities))
    lean.reset()
    env = lean.client.get(sent.id)
    assert lean.transport.calls == [f"GET signingSessions/{sent.id}"]
    assert lean.parsed == ["parse_session"]
    assert env.state is State.SENT


def test_get_on_a_new_client_reads_the_order_once(lean: Lean) -> None:
    # The session view does not say whether the order is one-by-one (§6.4); the draft view does, once.
    sent = lean.client.send(envelope(lean.client.capabilities))
    with lean.connect() as other:
        lean.reset()
        other.get(sent.id)
        other.get(sent.id)
    assert lean.transport.calls == [f"GET signingSessions/{sent.id}", f"GET signingSessionDrafts/{sent.id}",
                                    f"GET signingSessions/{sent.id}"]
    assert lean.parsed == ["parse_session", "parse_session"]


def test_create_draft_reads_the_draft_view_back_once(lean: Lean) -> None:
    draft = lean.client.create_draft(envelope(lean.client.capabilities))
    assert lean.transport.calls[-1] == f"GET signingSessionDrafts/{draft.id}"
    assert f"GET signingSessions/{draft.id}" not in lean.transport.calls  # a draft has no session view
    assert lean.parsed == ["parse_draft"]
    assert draft.state is State.DRAFT


def test_send_draft_reads_the_draft_once_and_the_session_once(lean: Lean) -> None:
    draft = lean.client.create_draft(envelope(lean.client.capabilities))
    lean.reset()
    sent = lean.client.send_draft(draft.id)
    assert lean.transport.calls == [f"GET signingSessions/{draft.id}", f"GET signingSessionDrafts/{draft.id}",
                                    f"POST signingSessionDrafts/{draft.id}/convert",
                                    f"POST signingSessions/{draft.id}/started", f"GET signingSessions/{draft.id}"]
    assert lean.parsed == ["parse_draft", "parse_session"]
    assert sent.state is State.SENT


def test_void_reads_back_once(lean: Lean) -> None:
    sent = lean.client.send(envelope(lean.client.capabilities))
    lean.reset()
    voided = lean.client.void(sent.id, reason="Changed plans")
    assert lean.transport.calls == [f"POST signingSessions/{sent.id}/voided", f"GET signingSessions/{sent.id}"]
    assert lean.parsed == ["parse_session"]
    assert voided.state is State.VOIDED


def test_download_reads_the_session_once(lean: Lean, tmp_path: Path) -> None:
    sent = lean.client.send(envelope(lean.client.capabilities))
    lean.reset()
    paths = lean.client.download(sent.id, to=tmp_path, kind=DocumentKind.ORIGINAL)
    (document,) = sent.documents
    assert lean.transport.calls == [f"GET signingSessions/{sent.id}",
                                    f"GET signingSessions/{sent.id}/documents/{document.id}"]
    assert lean.parsed == ["parse_session"]
    assert [p.name for p in paths] == ["nda-original.pdf"]
