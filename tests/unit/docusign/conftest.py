"""Fixtures for the DocuSign tests: the vendor's documented examples, the fake on loopback, clients on it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stamina

import signport
from signport.fakeserver import serve
from signport_docusign.fake import ACCOUNT_ID, FakeDocuSign, create_app

from ...samples import VENDOR_EXAMPLES

EXAMPLES = VENDOR_EXAMPLES / "docusign"
TOKEN = "docusign-unit-test-token"
KEYS = ("docusign-unit-key-old", "docusign-unit-key-new")


def example(name: str) -> Any:
    """One documented example payload (``tests/data/vendor-examples/docusign``)."""
    return json.loads((EXAMPLES / name).read_text("utf-8"))


@pytest.fixture(autouse=True)
def _no_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


@pytest.fixture
def fake_app() -> Any:
    return create_app(access_tokens=(TOKEN,), hmac_keys=KEYS)


@pytest.fixture
def fake(fake_app: Any) -> FakeDocuSign:
    state: FakeDocuSign = fake_app.state.fake
    return state


@pytest.fixture
def fake_url(fake_app: Any) -> Iterator[str]:
    with serve(fake_app) as url:
        yield url


@pytest.fixture
def settings(fake_url: str) -> dict[str, Any]:
    return {"access_token": TOKEN, "account_id": ACCOUNT_ID, "base_uri": fake_url, "oauth_base_url": fake_url,
            "return_url": "https://app.example.com/back", "webhook_secrets": ",".join(KEYS)}


@pytest.fixture
def client(settings: dict[str, Any]) -> Iterator[signport.Client]:
    with signport.connect("docusign", **settings) as c:
        yield c


@pytest.fixture
def control(fake_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_url, timeout=10) as c:
        yield c
