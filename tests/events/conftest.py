"""Fixtures of the event tests: a fresh SQLite event store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from signport.events import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "events.sqlite3") as s:
        yield s
