"""No secret in any recorded EasyInk cassette: tokens, client secrets, code verifiers, authorization headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CASSETTES = sorted((Path(__file__).resolve().parents[3] / "cassettes" / "easyink").glob("*.yaml"))

SECRETS = [
    re.compile(r"contract-test-token|unit-test-token|test-secret"),         # the harness's own credentials
    re.compile(r"Bearer\s+(?!REDACTED)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),                  # anything JWT-shaped
    re.compile(r"(access_token|refresh_token|id_token|client_secret|code_verifier)[\"']?\s*[:=]\s*"
               r"[\"']?(?!REDACTED)[^\s\"'&,}]+"),
]


def test_there_are_cassettes() -> None:
    assert len(CASSETTES) >= 20


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.name)
def test_cassette_holds_no_secret(path: Path) -> None:
    text = path.read_text("utf-8")
    for pattern in SECRETS:
        found = pattern.search(text)
        assert found is None, f"{path.name}: {found.group(0) if found else ''}"
    for match in re.finditer(r"(?im)^\s*authorization:\s*\n\s*-\s*(.+)$", text):
        assert match.group(1).strip() == "REDACTED"


def test_the_patterns_catch_what_they_should() -> None:
    leaky = ('headers:\n  authorization:\n  - Bearer abc.def\nbody: {"access_token": "eyJhbGciOi1234.eyJzdWIiOi1234.x"}'
             "\nform: grant_type=refresh_token&refresh_token=r1&client_secret=s3")
    assert all(p.search(leaky) for p in SECRETS[1:])


def test_a_recorded_login_and_refresh_is_scrubbed(fake_url: str, tmp_path: Path) -> None:
    """Record the whole token dance (code + verifier + secret, tokens back, a refresh) and grep the cassette."""
    import httpx

    import signport
    from tests.contract.recording import make_vcr

    from .test_auth import CLIENT, log_in

    cassette = tmp_path / "auth.yaml"
    with make_vcr("easyink", record=True).use_cassette(str(cassette)):
        settings, _ = log_in(fake_url, tmp_path)
        with signport.connect("easyink", base_url=fake_url, identity_url=fake_url,
                              token_store=str(settings.store_path), **CLIENT) as c:
            list(c.list())
            httpx.post(f"{fake_url}/_control/revoke").raise_for_status()
            list(c.list())
    text = cassette.read_text("utf-8")
    assert "/connect/token" in text
    assert "refresh_token" in text
    stored = settings.store_path.read_text()
    for pattern in SECRETS[1:]:
        assert pattern.search(text) is None, pattern.pattern
    assert "test-secret" not in text
    import json

    tokens = json.loads(stored)
    for key in ("access_token", "refresh_token"):
        assert tokens[key] not in text
