"""The cassette machinery itself: scrubbing and abandoned recordings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import recording


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(recording, "CASSETTES", tmp_path)
    (tmp_path / "acme").mkdir()
    return tmp_path / "acme"


def test_an_abandoned_recording_keeps_the_previous_cassette(library: Path) -> None:
    previous = library / "test_x-sync.yaml"
    previous.write_text("interactions: []\nversion: 1\n")
    with recording.use_cassette("acme", "test_x-sync", record=True) as rec:
        assert not previous.exists()
        rec.abandon()
    assert previous.read_text() == "interactions: []\nversion: 1\n"


def test_a_finished_recording_replaces_the_previous_cassette(library: Path) -> None:
    previous = library / "test_x-sync.yaml"
    previous.write_text("old")
    with recording.use_cassette("acme", "test_x-sync", record=True):
        pass
    assert not previous.exists() or previous.read_text() != "old"


@pytest.mark.parametrize(("body", "ctype"), [
    (b'{"api_key": "k-123456789012", "nested": {"refresh_token": "r-123456789012"}}', "application/json"),
    (b"grant_type=authorization_code&code=c-123456789012&code_verifier=v-123456789012&client_secret=s-1234",
     "application/x-www-form-urlencoded"),
    (b"log line with Bearer abc.def-123456789012", "text/plain"),
])
def test_scrub_body_removes_secrets(body: bytes, ctype: str) -> None:
    scrubbed = recording.scrub_body(body, ctype)
    assert isinstance(scrubbed, bytes)
    for secret in (b"k-123456789012", b"r-123456789012", b"c-123456789012", b"v-123456789012", b"s-1234",
                   b"abc.def-123456789012"):
        assert secret not in scrubbed
    if ctype == "application/json":
        assert json.loads(scrubbed)["nested"]["refresh_token"] == recording.REDACTED
