"""Fixtures for the local provider's tests: a client on a fresh store, and a clock tests can move."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import signport
from signport_local.provider import LocalProvider


class Clock:
    """A settable clock for ``LocalProvider.now``."""

    def __init__(self) -> None:
        self.value = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(store_path: Path, clock: Clock) -> Iterator[signport.Client]:
    with signport.connect("local", path=store_path) as c:
        assert isinstance(c.provider, LocalProvider)
        c.provider.now = clock
        yield c


@pytest.fixture
def provider(client: signport.Client) -> LocalProvider:
    assert isinstance(client.provider, LocalProvider)
    return client.provider
