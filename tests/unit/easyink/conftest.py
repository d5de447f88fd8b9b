"""Fixtures for the EasyInk tests: the vendor's documented examples, the fake on loopback, clients on it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina

import signport
from signport.fakeserver import serve
from signport_easyink.fake import FakeEasyInk, create_app

from ...samples import VENDOR_EXAMPLES

EXAMPLES = VENDOR_EXAMPLES / "easyink"
TOKEN = "unit-test-token"
FAST = {"poll_interval": 0.01, "poll_max": 0.02, "processing_timeout": 2.0}


def example(name: str) -> Any:
    """One documented example payload (``tests/data/vendor-examples/easyink``)."""
    return json.loads((EXAMPLES / name).read_text("utf-8"))


@pytest.fixture(autouse=True)
def _no_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


@pytest.fixture
def fake_app() -> Any:
    return create_app(access_tokens=(TOKEN,), processing_reads=2)


@pytest.fixture
def fake(fake_app: Any) -> FakeEasyInk:
    state: FakeEasyInk = fake_app.state.fake
    return state


@pytest.fixture
def fake_url(fake_app: Any) -> Iterator[str]:
    with serve(fake_app) as url:
        yield url


@pytest.fixture
def settings(fake_url: str, tmp_path: Path) -> dict[str, Any]:
    return {"access_token": TOKEN, "base_url": fake_url, "identity_url": fake_url,
            "token_store": str(tmp_path / "token.json"), **FAST}


@pytest.fixture
def client(settings: dict[str, Any]) -> Iterator[signport.Client]:
    with signport.connect("easyink", **settings) as c:
        yield c


@pytest.fixture
async def aclient(settings: dict[str, Any]) -> AsyncIterator[signport.AsyncClient]:
    async with signport.connect_async("easyink", **settings) as c:
        yield c


@pytest.fixture
def control(fake_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_url, timeout=10) as c:
        yield c
