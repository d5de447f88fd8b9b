"""Durability: every file is written atomically; which ones are synced to disk (``fsync``) before they
are placed. The local store's files always are (they are the only copy); a download is when it replaces
a file or when the client asks for it (``durable_downloads``), then with its folder too."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

import signport
from signport import downloads, transport
from signport.client import AsyncClient, Client

from ..samples import envelope
from .test_downloads import NAMES, PDF, Server, ThreeFiles, listing, pdf
from .toy import ToyProvider, ToySettings


class Syncs:
    """Counts ``os.fsync`` calls, on files and on folders, while calling the real one."""

    def __init__(self) -> None:
        self.files = 0
        self.folders = 0

    def reset(self) -> None:
        self.files = self.folders = 0

    @property
    def counts(self) -> tuple[int, int]:
        return self.files, self.folders


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SIGNPORT_DURABLE_DOWNLOADS", raising=False)
    monkeypatch.chdir(tmp_path)  # no configuration file of the working directory


@pytest.fixture
def syncs(monkeypatch: pytest.MonkeyPatch) -> Syncs:
    seen = Syncs()
    real = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            seen.folders += 1
        else:
            seen.files += 1
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


async def download(mode: str, folder: Path, **kw: Any) -> list[Path]:
    """Download ``ThreeFiles`` (a.pdf, b.pdf, c.pdf) into ``folder``; ``durable_downloads`` goes to the client."""
    durable = kw.pop("durable_downloads", False)
    provider = ThreeFiles(ToySettings(token="t"))
    mock = httpx.MockTransport(Server(default=pdf()))
    if mode == "sync":
        with Client(provider, transport_=mock, durable_downloads=durable) as client:
            return client.download("e1", to=folder, **kw)
    async with AsyncClient(provider, transport_=mock, durable_downloads=durable) as aclient:
        return await aclient.download("e1", to=folder, **kw)


# --- the mechanism ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("durable", [True, False])
def test_atomic_file_syncs_only_when_durable(durable: bool, syncs: Syncs, tmp_path: Path) -> None:
    with transport.atomic_file(tmp_path / "x.bin", durable=durable) as fh:
        fh.write(b"data")
    assert (tmp_path / "x.bin").read_bytes() == b"data"
    assert syncs.counts == ((1, 0) if durable else (0, 0))
    assert listing(tmp_path) == ["x.bin"]


def test_atomic_file_that_fails_leaves_nothing_and_syncs_nothing(syncs: Syncs, tmp_path: Path) -> None:
    def interrupted() -> None:
        with transport.atomic_file(tmp_path / "x.bin", durable=True) as fh:
            fh.write(b"half")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        interrupted()
    assert listing(tmp_path) == []
    assert syncs.counts == (0, 0)


# --- downloads from a vendor --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("overwrite", [False, True])
async def test_a_new_download_is_not_synced(mode: str, overwrite: bool, syncs: Syncs, tmp_path: Path) -> None:
    paths = await download(mode, tmp_path, overwrite=overwrite)
    assert [p.read_bytes() for p in paths] == [PDF] * 3
    assert syncs.counts == (0, 0)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_download_that_replaces_a_file_is_synced(mode: str, syncs: Syncs, tmp_path: Path) -> None:
    (tmp_path / "b.pdf").write_bytes(b"old b")
    paths = await download(mode, tmp_path, overwrite=True)
    assert [p.read_bytes() for p in paths] == [PDF] * 3
    assert syncs.counts == (1, 0)  # b.pdf only: a.pdf and c.pdf are new
    assert listing(tmp_path) == list(NAMES)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_durable_downloads_syncs_every_file_and_the_folder(mode: str, syncs: Syncs, tmp_path: Path) -> None:
    (tmp_path / "b.pdf").write_bytes(b"old b")
    paths = await download(mode, tmp_path, overwrite=True, durable_downloads=True)
    assert [p.read_bytes() for p in paths] == [PDF] * 3
    assert syncs.counts == (3, 1)  # three files, their one folder once
    assert listing(tmp_path) == list(NAMES)


def test_durable_downloads_syncs_each_folder_once(syncs: Syncs, tmp_path: Path) -> None:
    class TwoFolders(ToyProvider):
        def download(self, envelope_id: str, kind: signport.DocumentKind, to: Path) -> Any:
            from signport.provider import save_to, saved_path

            paths = []
            for folder, name in ((to / "x", "a.pdf"), (to / "y", "b.pdf"), (to / "x", "c.pdf")):
                paths.append(saved_path(self.check((yield save_to(httpx.Request("GET", f"{self.base_url}/{name}"),
                                                                  folder, name)))))
            return paths

    with Client(TwoFolders(ToySettings(token="t")), transport_=httpx.MockTransport(Server(default=pdf())),
                durable_downloads=True) as client:
        client.download("e1", to=tmp_path)
    assert syncs.counts == (3, 2)


def test_a_failed_durable_download_still_removes_what_it_wrote(syncs: Syncs, tmp_path: Path) -> None:
    server = Server(**{"a.pdf": pdf(), "b.pdf": pdf(), "c.pdf": lambda: httpx.Response(200, json={})})
    with Client(ThreeFiles(ToySettings(token="t")), transport_=httpx.MockTransport(server),
                durable_downloads=True) as client, pytest.raises(signport.ProviderError):
        client.download("e1", to=tmp_path)
    assert listing(tmp_path) == []
    assert syncs.counts == (2, 0)  # a and b were synced before they were placed; no folder sync for a failure


def test_a_folder_that_cannot_be_synced_fails_the_download_all_or_nothing(monkeypatch: pytest.MonkeyPatch,
                                                                          tmp_path: Path) -> None:
    (tmp_path / "b.pdf").write_bytes(b"old b")

    def broken(folder: Path) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(downloads, "sync_folder", broken)
    with Client(ThreeFiles(ToySettings(token="t")), transport_=httpx.MockTransport(Server(default=pdf())),
                durable_downloads=True) as client, pytest.raises(signport.ValidationError, match="cannot sync") as info:
        client.download("e1", to=tmp_path, overwrite=True)
    assert info.value.path == "to"
    assert listing(tmp_path) == ["b.pdf"]
    assert (tmp_path / "b.pdf").read_bytes() == b"old b"


@pytest.mark.skipif(os.name != "posix", reason="folders are synced on POSIX only")
@pytest.mark.parametrize(("code", "tolerated"), [(errno.EINVAL, True), (errno.EIO, False)])
def test_a_file_system_that_cannot_sync_a_folder_is_not_an_error(code: int, tolerated: bool,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    def fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", fsync)
    if tolerated:
        downloads.sync_folder(tmp_path)
    else:
        with pytest.raises(OSError, match=os.strerror(code)):
            downloads.sync_folder(tmp_path)


# --- the local provider: its store is synced, its downloads follow the download rule ------------------------
def test_local_store_writes_are_synced_and_its_downloads_follow_the_download_rule(
        syncs: Syncs, tmp_path: Path) -> None:
    with signport.connect("local", path=tmp_path / "store") as client:
        sent = client.send(envelope(client.capabilities))
        assert syncs.files >= len(sent.documents)  # the documents copied into the store
        syncs.reset()
        for signer in sent.signers:
            client.local.sign(sent, signer)
        assert syncs.files >= len(sent.documents) + 1  # executed PDFs and the audit trail
        out = tmp_path / "out"
        syncs.reset()
        first = client.download(sent.id, to=out)
        assert syncs.counts == (0, 0)
        client.download(sent.id, to=out, overwrite=True)
        assert syncs.counts == (len(first), 0)
        syncs.reset()
        client.download(sent.id, to=tmp_path / "copies", kind="signer_copies")  # stamped straight into the download
        assert syncs.counts == (0, 0)
    syncs.reset()
    with signport.connect("local", path=tmp_path / "store", durable_downloads=True) as client:
        client.download(sent.id, to=tmp_path / "durable")
        assert syncs.counts == (len(first), 1)
        syncs.reset()
        copies = client.download(sent.id, to=tmp_path / "durable", kind="signer_copies")
        assert syncs.counts == (len(copies), 1)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_local_durable_downloads(mode: str, syncs: Syncs, tmp_path: Path) -> None:
    store = tmp_path / "store"
    with signport.connect("local", path=store) as client:
        sent = client.send(envelope(client.capabilities))
    syncs.reset()
    if mode == "sync":
        with signport.connect("local", path=store, durable_downloads=True) as client:
            paths = client.download(sent.id, to=tmp_path / "out", kind="original")
    else:
        async with signport.connect_async("local", path=store, durable_downloads=True) as aclient:
            paths = await aclient.download(sent.id, to=tmp_path / "out", kind="original")
    assert syncs.counts == (len(paths), 1)
