"""pytest plugin: signport clients on a fresh ``local`` store, so an application tests its flows offline.

Installed with signport (entry point ``pytest11``), so the fixtures are available in any test:

* ``signport_local``: a ``Client`` on the ``local`` provider, its store in the test's ``tmp_path``,
  closed after the test.
* ``signport_local_async``: the same as an ``AsyncClient`` (when pytest-asyncio is installed).
* ``signport_local_path``: the folder of that store; both clients in one test share it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from signport.client import AsyncClient, Client


@pytest.fixture
def signport_local_path(tmp_path: Path) -> Path:
    """The folder of this test's ``local`` store (SQLite file and PDFs), inside ``tmp_path``."""
    return tmp_path / "signport-local"


@pytest.fixture
def signport_local(signport_local_path: Path) -> Iterator[Client]:
    """A ``Client`` on the ``local`` provider with a fresh store; closed after the test."""
    import signport

    with signport.connect("local", path=signport_local_path) as client:
        yield client


if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    @pytest_asyncio.fixture
    async def signport_local_async(signport_local_path: Path) -> AsyncIterator[AsyncClient]:
        """An ``AsyncClient`` on the ``local`` provider with a fresh store; closed after the test."""
        import signport

        async with signport.connect_async("local", path=signport_local_path) as client:
            yield client
