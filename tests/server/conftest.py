"""Browser fixtures: Debian's Chromium driven by Playwright (one browser for the run), a signing server per test.

The browser is ``/usr/bin/chromium`` (``.ci/run`` installs it); Playwright's own browser download is
never used. A missing browser fails these tests: it is never a skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import signport
from signport_local.provider import LocalProvider
from signport_local.server import running

CHROMIUM = os.environ.get("SIGNPORT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    # Package scope: one browser for every browser test (they all live here), closed before the rest of
    # the suite runs, since Playwright's sync API keeps an event loop running while it is open.
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (the browser tests never skip)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@attrs.define
class Served:
    """A signing server on a fresh store, and a client of the same store that knows the server's URL."""

    url: str
    server: LocalProvider
    client: signport.Client
    path: Path

    def link(self, envelope_id: str, signer_id: str) -> str:
        return self.client.signing_url(envelope_id, signer_id)


def start(tmp_path: Path, **settings: Any) -> Iterator[Served]:
    path = tmp_path / "store"
    server_client = signport.connect("local", path=path, **settings)
    provider = server_client.provider
    assert isinstance(provider, LocalProvider)
    try:
        with running(provider) as url:
            client = signport.connect("local", path=path, server_url=url, **settings)
            try:
                yield Served(url=url, server=provider, client=client, path=path)
            finally:
                client.close()
    finally:
        server_client.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from start(tmp_path)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tests write screenshots: ``SIGNPORT_SCREENSHOTS`` if set, else a temporary folder."""
    folder = Path(os.environ["SIGNPORT_SCREENSHOTS"]) if os.environ.get("SIGNPORT_SCREENSHOTS") \
        else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
