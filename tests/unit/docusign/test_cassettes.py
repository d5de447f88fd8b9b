"""Every recorded DocuSign cassette is free of credentials and HMAC keys, and carries the vendor's shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ...contract.harness_docusign import FAKE_TOKEN, HMAC_KEYS
from .conftest import KEYS, TOKEN

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "docusign"
SECRET_HEADERS = {"authorization", "cookie", "set-cookie", "proxy-authorization"}


def cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.yaml"))


def test_there_are_cassettes_for_both_modes() -> None:
    names = {p.stem for p in cassettes()}
    for scenario in ("test_create_and_send", "test_completed_and_download", "test_webhook_parse", "test_list_filter",
                     "test_signing_url", "test_update_draft", "test_delete_draft"):
        assert {f"{scenario}-sync", f"{scenario}-async"} <= names


@pytest.mark.parametrize("path", cassettes(), ids=lambda p: p.stem)
def test_no_secret_in_cassette(path: Path) -> None:
    text = path.read_text("utf-8")
    for secret in (FAKE_TOKEN, TOKEN, *HMAC_KEYS, *KEYS):
        assert secret not in text
    assert "Bearer " not in text.replace("Bearer REDACTED", "")
    data: Any = yaml.safe_load(text)
    assert data["interactions"], "an empty cassette is never written"
    for interaction in data["interactions"]:
        request = interaction["request"]
        for part in (request, interaction["response"]):
            for name, values in (part.get("headers") or {}).items():
                if name.lower() in SECRET_HEADERS:
                    assert values == ["REDACTED"], (path.name, name)
        if "/restapi/" in request["uri"]:
            assert "authorization" in {h.lower() for h in request["headers"]}, "API calls carry the (redacted) token"
            headers = {h.lower() for h in interaction["response"]["headers"]}
            assert {"x-ratelimit-remaining", "x-burstlimit-remaining"} <= headers
