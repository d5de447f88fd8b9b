"""Fixtures for the iinked unit tests: the documented examples, the fake, flow drivers without network."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import stamina

from signport.fakeserver import serve
from signport.provider import Flow
from signport_iinked.fake import create_app
from signport_iinked.provider import IinkedProvider
from signport_iinked.settings import IinkedSettings

from ...samples import DATA, VENDOR_EXAMPLES

EXAMPLES = VENDOR_EXAMPLES / "iinked"
SEEDS = DATA / "seeds"
API_KEY = "unit-test-key-7f3a9c"
BASE = "https://sandbox.syngrafii.com/api/v1"


def example(name: str) -> Any:
    """One documented example (``tests/data/vendor-examples/iinked``)."""
    return json.loads((EXAMPLES / name).read_text("utf-8"))


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=1):
        yield


@pytest.fixture
def provider() -> IinkedProvider:
    """A provider on the sandbox base URL (never contacted: flows are driven by hand)."""
    return IinkedProvider(IinkedSettings(api_key=API_KEY))


@pytest.fixture(scope="module")
def fake_url() -> Iterator[str]:
    """The fake on 127.0.0.1 (one per test module), requiring ``API_KEY``."""
    with serve(create_app(api_keys={API_KEY})) as url:
        yield url


Responder = Callable[[httpx.Request], httpx.Response]


class Script:
    """Drives a flow with canned responses and records every request it yields."""

    def __init__(self, provider: IinkedProvider) -> None:
        self.provider = provider
        self.requests: list[httpx.Request] = []

    def run(self, flow: Flow[Any], responder: Responder) -> Any:
        try:
            request = next(flow)
        except StopIteration as stop:
            return stop.value
        while True:
            request.read()  # a streamed upload body is read like the driver would send it
            self.requests.append(request)
            response = responder(request)
            response.request = request
            try:
                request = flow.send(response)
            except StopIteration as stop:
                return stop.value

    def calls(self) -> list[str]:
        """``METHOD /path`` of each request, relative to the API base."""
        return [f"{r.method} {r.url.path.removeprefix('/api/v1')}" for r in self.requests]


@pytest.fixture
def script(provider: IinkedProvider) -> Script:
    return Script(provider)


def reply(status: int = 200, body: Any = None, **headers: str) -> httpx.Response:
    """A JSON response."""
    return httpx.Response(status, json=body if body is not None else {}, headers=headers)
