"""Contract fixtures: one ``harness`` per provider, each scenario run on the sync and the async client."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina

from .api import Api, AsyncApi, SyncApi

PROVIDERS = ["local", "iinked", "easyink", "docusign"]


def _harness_module(name: str) -> Any:
    try:
        return importlib.import_module(f"tests.contract.harness_{name}")
    except ModuleNotFoundError:
        return None


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(params=PROVIDERS)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    module = _harness_module(request.param)
    if module is None:
        pytest.skip(f"no contract harness for {request.param} yet")
    h = module.make_harness(request, tmp_path)
    try:
        yield h
    finally:
        h.close()


@pytest.fixture(params=["sync", "async"])
async def api(request: pytest.FixtureRequest, harness: Any) -> AsyncIterator[Api]:
    if request.param == "sync":
        client = harness.client()
        try:
            yield SyncApi(client, harness)
        finally:
            client.close()
    else:
        aclient = harness.async_client()
        try:
            yield AsyncApi(aclient, harness)
        finally:
            await aclient.aclose()
