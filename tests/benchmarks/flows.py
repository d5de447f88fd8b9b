"""The vendor rows, against a fake at ``url`` (in a process of its own): signport vs raw httpx.

* the full flow ``send -> get -> download``, sync and async: iinked downloads its EXECUTED documents;
  EasyInk has no executed download (capability matrix: ORIGINAL and SIGNER_COPIES), so it downloads
  each signer's copy, which also exists only once everybody signed;
* one ``get()``;
* ``count`` concurrent async ``get()``: bounded to 100 by the application, and not bounded at all,
  each against raw httpx bounded to 100 (throughput, so higher is better).

The baseline of each is the ``Script`` of the requests signport sent (see ``replay``). The fakes run
with ``auto_complete``: an envelope is complete as it is sent, so the flow can download at once.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from .replay import Recording, Script
from .table import KEY, Row, _row, atimed, ratios, stats, timed

if TYPE_CHECKING:
    from signport import AsyncClient, Client, DocumentKind, Envelope


@attrs.frozen
class Vendor:
    """A vendor as the rows use it: provider name, printed name, the full flow's download."""

    name: str
    title: str
    download: str  # a DocumentKind value
    download_label: str

    def settings(self, url: str) -> dict[str, Any]:
        if self.name == "iinked":
            return {"api_key": KEY, "base_url": f"{url}/api/v1"}
        return {"access_token": KEY, "base_url": url, "identity_url": url}

    def connect(self, url: str, **options: Any) -> Client:
        import signport

        return signport.connect(self.name, **options, **self.settings(url))

    def connect_async(self, url: str) -> AsyncClient:
        import signport

        return signport.connect_async(self.name, **self.settings(url))

    @property
    def kind(self) -> DocumentKind:
        from signport import DocumentKind

        return DocumentKind(self.download)


VENDORS = {"iinked": Vendor("iinked", "iinked", "executed", "executed"),
           "easyink": Vendor("easyink", "EasyInk", "signer_copies", "signer copies")}


def flow_name(vendor: Vendor, mode: str) -> str:
    return f"{vendor.title}: send -> get -> download {vendor.download_label} vs raw httpx, {mode}"


def get_name(vendor: Vendor) -> str:
    return f"{vendor.title}: one get() over a real socket vs raw httpx"


def bounded_name(vendor: Vendor, count: int) -> str:
    return f"{vendor.title}: {count:,} concurrent async get(), bound 100: throughput vs raw"


def unbounded_name(vendor: Vendor, count: int) -> str:
    return f"{vendor.title}: {count:,} concurrent async get(), no bound: throughput vs bounded raw"


def sample(client: Client) -> Envelope:
    """The tests' two-signer envelope, trimmed to what the vendor supports."""
    from ..samples import envelope

    return envelope(client.capabilities)


def _requests(script: Script) -> str:
    n = len(script.steps)
    return f"{n} request" if n == 1 else f"{n} requests"


def full_flow(client: Client, env: Envelope, kind: DocumentKind, folder: Path) -> None:
    """send -> get -> download ``kind`` into ``folder``."""
    client.download(client.get(client.send(env)), to=folder, kind=kind, overwrite=True)


async def afull_flow(client: AsyncClient, env: Envelope, kind: DocumentKind, folder: Path) -> None:
    """``full_flow`` with an ``AsyncClient``."""
    await client.download(await client.get(await client.send(env)), to=folder, kind=kind, overwrite=True)


def record(vendor: Vendor, url: str, flow: Callable[[Client], object]) -> Script:
    """The raw httpx script of what ``flow`` sends through a signport client."""
    recording = Recording()
    with vendor.connect(url, transport=recording) as client:
        flow(client)
    return Script(recording.take())


@contextmanager
def _folders() -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory(prefix="signport-bench-") as tmp:
        ours, base = Path(tmp, "ours"), Path(tmp, "raw")
        ours.mkdir()
        base.mkdir()
        yield ours, base


#: Seconds of flows per side in a pair of the full-flow rows. A flow is about 20 ms, half of it
#: creating files and waiting on the fake, and consecutive flows' times differ by a fifth or more on
#: the development machine on both sides: with the other rows' 0.2 s (about ten flows a side), one
#: run's median moved by as much as the gap it measures (1.03x, 1.06x and 1.10x for the same code).
FLOW_BATCH_SECONDS = 1.0


class Fresh:
    """A new folder per run under ``root``: each run sends a new envelope, so its documents are new
    files, as they are for an application. (Downloading over the previous run's files would time
    replacing them, which signport does atomically and durably; docs/performance.md gives that cost.)
    Both sides pay the same ``mkdir``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def __call__(self) -> Path:
        self.count += 1
        folder = self.root / str(self.count)
        folder.mkdir()
        return folder


def flow_row(vendor: Vendor, url: str, n: int) -> Row:
    """send -> get -> download, sync, vs the raw httpx script of the same requests."""
    kind = vendor.kind
    with _folders() as (ours_dir, raw_dir), vendor.connect(url) as client, httpx.Client() as raw:
        env = sample(client)
        script = record(vendor, url, lambda c: full_flow(c, env, kind, ours_dir))
        script.check(script.run(raw, raw_dir))
        ours_new, raw_new = Fresh(ours_dir), Fresh(raw_dir)
        values = stats(ratios(timed(lambda: full_flow(client, env, kind, ours_new())),
                              timed(lambda: script.run(raw, raw_new())), n, FLOW_BATCH_SECONDS))
    return _row(flow_name(vendor, "sync"), values, 1.10, note=_requests(script))


def async_flow_row(vendor: Vendor, url: str, n: int) -> Row:
    """The same with ``AsyncClient`` vs raw ``httpx.AsyncClient``, on one event loop."""
    kind = vendor.kind
    with _folders() as (ours_dir, raw_dir), asyncio.Runner() as runner:
        with vendor.connect(url) as probe:
            env = sample(probe)
        script = record(vendor, url, lambda c: full_flow(c, env, kind, ours_dir))
        stack = AsyncExitStack()
        try:
            client = runner.run(stack.enter_async_context(vendor.connect_async(url)))
            raw = runner.run(stack.enter_async_context(httpx.AsyncClient()))
            script.check(runner.run(script.arun(raw, raw_dir)))
            ours_new, raw_new = Fresh(ours_dir), Fresh(raw_dir)
            values = stats(ratios(atimed(runner, lambda: afull_flow(client, env, kind, ours_new())),
                                  atimed(runner, lambda: script.arun(raw, raw_new())), n, FLOW_BATCH_SECONDS))
        finally:
            runner.run(stack.aclose())
    return _row(flow_name(vendor, "async"), values, 1.10, note=_requests(script))


def _sent(vendor: Vendor, url: str) -> tuple[str, Script]:
    """An envelope sent to the fake, and the raw httpx script of one ``get()`` of it."""
    with vendor.connect(url) as client:
        sent = client.send(sample(client))
    assert sent.id is not None
    return sent.id, record(vendor, url, lambda c: c.get(sent.id))


def get_row(vendor: Vendor, url: str, n: int) -> Row:
    """One ``get()`` vs the raw httpx script of its requests, sync."""
    envelope_id, script = _sent(vendor, url)
    with _folders() as (_, raw_dir), vendor.connect(url) as client, httpx.Client() as raw:
        script.check(script.run(raw, raw_dir))
        values = stats(ratios(timed(lambda: client.get(envelope_id)), timed(lambda: script.run(raw, raw_dir)), n))
    return _row(get_name(vendor), values, 1.05, note=_requests(script))


#: A gather of 1,000 calls varies from run to run on both sides (which of httpx's connections are
#: kept alive, which are opened again): a pair's ratio spreads by a fifth or more, so these rows
#: take this many times the pairs for their median.
CONCURRENT_PAIRS = 3


def concurrency_row(vendor: Vendor, url: str, count: int, n: int, *, bound: bool) -> Row:
    """``count`` gathered ``get()`` (the application bounding them to 100, or not at all) vs raw httpx
    bounded to 100; each run opens its own client. Reported as throughput: time(raw) / time(ours),
    over ``CONCURRENT_PAIRS * n`` pairs."""
    envelope_id, script = _sent(vendor, url)

    async def gather(ours: bool, limit: int) -> None:
        gate = asyncio.Semaphore(limit)

        async def each(call: Callable[[], Awaitable[Any]]) -> list[Any]:
            async def one() -> Any:
                async with gate:
                    return await call()
            return await asyncio.gather(*(one() for _ in range(count)))

        if ours:
            async with vendor.connect_async(url) as client:
                await each(lambda: client.get(envelope_id))
        else:
            async with httpx.AsyncClient() as raw:
                for statuses in await each(lambda: script.arun(raw, raw_dir)):
                    script.check(statuses)

    with _folders() as (_, raw_dir):
        times = ratios(timed(lambda: asyncio.run(gather(True, 100 if bound else count))),
                       timed(lambda: asyncio.run(gather(False, 100))), CONCURRENT_PAIRS * n)
    name = bounded_name(vendor, count) if bound else unbounded_name(vendor, count)
    return _row(name, stats([1 / t for t in times]), 0.95, at_least=True, note="every get succeeded")

