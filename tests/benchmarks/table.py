"""The rows of the performance table, each timed side by side with its baseline in the same run.

Run through ``python -m tests.benchmarks.bench``. Each row alternates ours and the baseline
(``pairs`` times) and reports the median ratio with its spread (min..max of the pair ratios).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import attrs
import httpx

KEY = "bench-key-5c1d"


@attrs.frozen
class Row:
    figure: str
    ratio: float
    low: float
    high: float
    goal: str
    met: bool

    def line(self) -> str:
        mark = "met" if self.met else "NOT met"
        return (f"{self.figure:<62} {self.ratio:6.2f}x  (pairs {self.low:.2f}..{self.high:.2f})  "
                f"goal {self.goal:<8} {mark}")


def pairs(ours: Callable[[], object], base: Callable[[], object], n: int) -> tuple[float, float, float]:
    """Median, min and max of ``time(ours) / time(base)`` over ``n`` alternating pairs (after a warm-up)."""
    ours(), base()
    ratios = []
    for _ in range(n):
        t0 = time.perf_counter()
        base()
        t1 = time.perf_counter()
        ours()
        t2 = time.perf_counter()
        ratios.append((t2 - t1) / (t1 - t0))
    return statistics.median(ratios), min(ratios), max(ratios)


def _row(figure: str, stats: tuple[float, float, float], goal: float, *, at_least: bool = False) -> Row:
    median, low, high = stats
    met = median >= goal if at_least else median <= goal
    return Row(figure, median, low, high, ("≥ " if at_least else "≤ ") + f"{goal:g}x", met)


def _python(code: str) -> Callable[[], object]:
    return lambda: subprocess.run([sys.executable, "-c", code], check=True,  # noqa: S603
                                  stdout=subprocess.DEVNULL)


def import_row(n: int) -> Row:
    return _row("import signport vs import httpx (fresh processes)",
                pairs(_python("import signport"), _python("import httpx"), n), 1.3)


def help_row(n: int) -> Row:
    trivial = ("import click\n@click.group()\ndef main():\n    'A trivial app.'\n"
               "@main.command()\ndef hello():\n    'Say hello.'\n"
               "try:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    ours = "from signport.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    return _row("signport --help vs a trivial click app", pairs(_python(ours), _python(trivial), n), 2.0)


class Recorder:
    """Keeps every request a client sent (a baseline replays exactly these)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        request.read()
        self.requests.append(request)


def _replay(http: httpx.Client, requests: list[httpx.Request]) -> list[tuple[str, str]]:
    seen = []
    for r in requests:
        response = http.send(httpx.Request(r.method, r.url, headers=r.headers, content=r.content))
        response.read()
        seen.append((r.method, r.url.path))
    return seen


async def _areplay(http: httpx.AsyncClient, requests: list[httpx.Request]) -> list[tuple[str, str]]:
    seen = []
    for r in requests:
        response = await http.send(httpx.Request(r.method, r.url, headers=r.headers, content=r.content))
        await response.aread()
        seen.append((r.method, r.url.path))
    return seen


def flow_rows(url: str, n: int) -> list[Row]:
    """send -> get vs raw httpx replaying the same requests (sync and async), and one get()."""
    import stamina

    import signport

    from ..samples import envelope

    stamina.set_testing(True, attempts=1)
    base = f"{url}/api/v1"
    rows = []
    with signport.connect("iinked", api_key=KEY, base_url=base) as client, httpx.Client() as raw:
        env = envelope(client.capabilities)
        recorder = Recorder()
        client._http.event_hooks["request"].append(recorder)  # type: ignore[union-attr]

        def ours() -> None:
            client.get(client.send(env))

        recorder.requests.clear()
        ours()
        sent = list(recorder.requests)
        seq = _replay(raw, sent)
        assert seq == [(r.method, r.url.path) for r in sent], "the baseline must send the same requests"
        rows.append(_row("iinked send -> get vs the same requests in raw httpx, sync",
                         pairs(ours, lambda: _replay(raw, sent), n), 1.10))

        env_id = client.send(env).id
        recorder.requests.clear()
        client.get(env_id)
        gets = list(recorder.requests)
        rows.append(_row("one get() over a real socket vs the same requests in raw httpx",
                         pairs(lambda: client.get(env_id), lambda: _replay(raw, gets), n * 4), 1.05))

    async def async_pair() -> tuple[float, float, float]:
        async with signport.connect_async("iinked", api_key=KEY, base_url=base) as aclient, \
                httpx.AsyncClient() as araw:
            ratios = []
            await aclient.get(await aclient.send(env))
            await _areplay(araw, sent)
            for _ in range(n):
                t0 = time.perf_counter()
                await _areplay(araw, sent)
                t1 = time.perf_counter()
                await aclient.get(await aclient.send(env))
                t2 = time.perf_counter()
                ratios.append((t2 - t1) / (t1 - t0))
            return statistics.median(ratios), min(ratios), max(ratios)

    rows.append(_row("same, async", asyncio.run(async_pair()), 1.10))
    return rows


def concurrency_rows(url: str, count: int, n: int) -> list[Row]:
    """``count`` concurrent async get(): bounded to 100 by the app, and unbounded, vs bounded raw httpx."""
    import stamina

    import signport

    from ..samples import envelope

    stamina.set_testing(True, attempts=1)
    base = f"{url}/api/v1"
    with signport.connect("iinked", api_key=KEY, base_url=base) as client:
        env_id = client.send(envelope(client.capabilities)).id
        recorder = Recorder()
        client._http.event_hooks["request"].append(recorder)  # type: ignore[union-attr]
        client.get(env_id)
        gets = list(recorder.requests)

    async def run(bound: int | None, raw: bool) -> float:
        gate = asyncio.Semaphore(bound or count)
        async with signport.connect_async("iinked", api_key=KEY, base_url=base) as aclient, \
                httpx.AsyncClient() as araw:

            async def one() -> Any:
                async with gate:
                    return await (_areplay(araw, gets) if raw else aclient.get(env_id))

            start = time.perf_counter()
            results = await asyncio.gather(*(one() for _ in range(count)))
            assert len(results) == count
            return time.perf_counter() - start

    bounded: list[float] = []
    unbounded: list[float] = []
    for _ in range(n):
        raw_time = asyncio.run(run(100, raw=True))
        bounded.append(raw_time / asyncio.run(run(100, raw=False)))
        unbounded.append(raw_time / asyncio.run(run(None, raw=False)))
    stats = [(statistics.median(r), min(r), max(r)) for r in (bounded, unbounded)]
    return [_row(f"{count} concurrent async get(), bound 100: throughput vs raw", stats[0], 0.95, at_least=True),
            _row(f"{count} concurrent async get(), no bound: throughput vs bounded raw", stats[1], 0.95,
                 at_least=True)]


def memory_rows(url: str, download_mib: int, upload_mib: int) -> list[Row]:
    from .memory import measure

    growth = measure("download", str(download_mib)) / 2**20
    download = Row(f"download {download_mib} MiB: peak RSS growth (MiB, not a ratio)", growth, growth, growth,
                   "≤ 20 MiB", growth <= 20)
    raw = measure("upload", str(upload_mib), url, KEY, "raw")
    ours = measure("upload", str(upload_mib), url, KEY, "signport")
    return [download, _row(f"{upload_mib} MiB upload from bytes: peak RSS growth vs raw httpx",
                           (ours / raw, ours / raw, ours / raw), 1.05)]
