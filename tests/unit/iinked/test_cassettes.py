"""Every recorded iinked cassette is free of credentials, and replays need no server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from signport_iinked.fake import FAKE_WEBHOOK_SECRET

from ...contract.harness_iinked import FAKE_API_KEY
from .conftest import API_KEY

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "iinked"
SECRET_HEADERS = {"api_key", "authorization", "cookie", "set-cookie", "proxy-authorization"}


def cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.yaml"))


def test_there_are_cassettes() -> None:
    names = {p.stem for p in cassettes()}
    assert {"test_create_and_send-sync", "test_create_and_send-async", "test_completed_and_download-sync",
            "test_webhook_parse-async"} <= names


@pytest.mark.parametrize("path", cassettes(), ids=lambda p: p.stem)
def test_no_secret_in_cassette(path: Path) -> None:
    text = path.read_text("utf-8")
    secrets = [FAKE_API_KEY, API_KEY, FAKE_WEBHOOK_SECRET]
    real = os.environ.get("SIGNPORT_IINKED_API_KEY")
    if real:
        secrets.append(real)
    for secret in secrets:
        assert secret not in text
    assert "Bearer " not in text.replace("Bearer REDACTED", "")
    data: Any = yaml.safe_load(text)
    assert data["interactions"], "an empty cassette is never written"
    for interaction in data["interactions"]:
        for part in (interaction["request"], interaction["response"]):
            for name, values in (part.get("headers") or {}).items():
                if name.lower() in SECRET_HEADERS:
                    assert values == ["REDACTED"], (path.name, name)
        assert "api_key" in {h.lower() for h in interaction["request"]["headers"]} or \
            "/_control/" in interaction["request"]["uri"], "vendor requests carry the (redacted) key"
