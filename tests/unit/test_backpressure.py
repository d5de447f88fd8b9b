"""Backpressure: the async client keeps its requests in flight to the pool's size; callers never see the pool."""

from __future__ import annotations

import asyncio
import importlib.abc
import sys
from collections.abc import Iterator

import httpx
import pytest
import stamina

import signport
from signport.client import POOL_LIMITS, _pool_size
from signport.fakeserver import serve
from signport_iinked.fake import create_app

from ..samples import envelope

API_KEY = "backpressure-key-2b81"


@pytest.fixture(autouse=True)
def _one_attempt() -> Iterator[None]:
    # One attempt: a pool timeout would surface at once instead of being retried away.
    with stamina.set_testing(True, attempts=1):
        yield


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[str, str]]:
    """The iinked fake on 127.0.0.1 and the id of one sent envelope on it."""
    with serve(create_app(api_keys={API_KEY})) as url:
        base = f"{url}/api/v1"
        with signport.connect("iinked", api_key=API_KEY, base_url=base) as client:
            sent = client.send(envelope(client.capabilities))
        yield base, sent.id


async def test_unbounded_gather_on_a_tiny_pool_all_succeed(fake: tuple[str, str]) -> None:
    base, envelope_id = fake
    # Four connections and a pool that gives up after 10 ms: without the client's own bound, most of
    # these calls would wait longer than that for a connection and fail with a pool timeout.
    http = httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=4),
                             timeout=httpx.Timeout(10.0, pool=0.01))
    async with http, signport.connect_async("iinked", api_key=API_KEY, base_url=base, http=http) as client:
        results = await asyncio.gather(*(client.get(envelope_id) for _ in range(120)), return_exceptions=True)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert {r.id for r in results if isinstance(r, signport.Envelope)} == {envelope_id}


async def test_the_same_gather_on_the_raw_pool_hits_pool_timeouts(fake: tuple[str, str]) -> None:
    """The control: the tiny pool above does time out when nothing bounds the callers."""
    base, envelope_id = fake
    async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=4),
                                 timeout=httpx.Timeout(10.0, pool=0.01), headers={"api_key": API_KEY}) as http:
        results = await asyncio.gather(*(http.get(f"/packages/{envelope_id}") for _ in range(120)),
                                       return_exceptions=True)
    assert any(isinstance(r, httpx.PoolTimeout) for r in results)


async def test_default_client_gathers_many_gets(fake: tuple[str, str]) -> None:
    base, envelope_id = fake
    async with signport.connect_async("iinked", api_key=API_KEY, base_url=base) as client:
        assert _pool_size(client._http) == POOL_LIMITS.max_connections
        results = await asyncio.gather(*(client.get(envelope_id) for _ in range(150)))
    assert len(results) == 150
    assert all(r.id == envelope_id for r in results)


def test_pool_size_follows_a_supplied_client() -> None:
    assert _pool_size(httpx.AsyncClient(limits=httpx.Limits(max_connections=7))) == 7
    assert _pool_size(httpx.AsyncClient(limits=httpx.Limits(max_connections=None))) is None
    mock = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    assert _pool_size(mock) == POOL_LIMITS.max_connections


class _Lookups(importlib.abc.MetaPathFinder):
    """A meta path finder that only records which modules Python searched for."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:  # type: ignore[override]
        self.names.append(name)


async def test_async_requests_search_for_no_module(fake: tuple[str, str]) -> None:
    """Once warm, a request imports nothing: no failed import re-searched on every call (httpcore asks
    for sniffio on each async request; without it installed every ask would scan sys.path)."""
    base, envelope_id = fake
    async with signport.connect_async("iinked", api_key=API_KEY, base_url=base) as client:
        await client.get(envelope_id)
        lookups = _Lookups()
        sys.meta_path.insert(0, lookups)
        try:
            await asyncio.gather(*(client.get(envelope_id) for _ in range(10)))
        finally:
            sys.meta_path.remove(lookups)
    assert lookups.names == []
