"""A row of the performance table and how it is timed: pairs of batches, ours vs a baseline.

A pair is a batch of calls lasting at least ``BATCH_SECONDS`` per side, the baseline and ours
alternating call by call (so a burst of load from elsewhere falls on both), and its ratio is the
time ours spent over the time the baseline spent. A row reports the median of the pairs with their
spread (min..max). The rows that need no vendor fake live here too (import, ``--help``, memory);
the others are in ``flows``, ``parsing`` and ``local``.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import attrs

KEY = "bench-key-5c1d"
#: Each side of a pair is a batch of calls lasting at least this long in all, so that a pair's ratio
#: does not hang on one scheduler hiccup (a single send -> get is a few milliseconds).
BATCH_SECONDS = 0.2

Stats = tuple[float, float, float]
Timed = Callable[[], float]


@attrs.frozen
class Row:
    """One line of the table: the median ratio ours / baseline, its spread over the pairs and the goal."""

    figure: str
    ratio: float
    low: float
    high: float
    goal: str
    met: bool
    note: str = ""
    unit: str = "x"

    def line(self) -> str:
        mark = "met" if self.met else "NOT met"
        text = (f"{self.figure:<78} {self.ratio:6.2f}{self.unit:<4} (pairs {self.low:.2f}..{self.high:.2f})  "
                f"goal {self.goal:<13} {mark}")
        return f"{text}  [{self.note}]" if self.note else text


def stats(ratios: list[float]) -> Stats:
    """Median, lowest and highest of the pair ratios."""
    return statistics.median(ratios), min(ratios), max(ratios)


def timed(fn: Callable[[], object], before: Callable[[], object] | None = None) -> Timed:
    """One call of ``fn``, returning the seconds it took; ``before`` runs first, untimed."""
    def run() -> float:
        if before is not None:
            before()
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    return run


def atimed(runner: asyncio.Runner, fn: Callable[[], Awaitable[object]]) -> Timed:
    """One awaited call of ``fn`` on ``runner``'s event loop, returning the seconds it took (inside the loop)."""
    async def run() -> float:
        start = time.perf_counter()
        await fn()
        return time.perf_counter() - start
    return lambda: runner.run(run())


def ratios(ours: Timed, base: Timed, n: int, batch: float | None = None) -> list[float]:
    """``n`` pair ratios time(ours) / time(baseline), after a warm-up call of each.

    A pair makes ``reps`` calls of each side, alternating (baseline first). ``reps`` is set once, from
    a timed call of each after the warm-up (unless the warm-up calls were long already): enough for the
    faster side to add up to ``batch`` seconds (``BATCH_SECONDS`` unless given).
    """
    batch = BATCH_SECONDS if batch is None else batch
    fastest = min(ours(), base())
    if fastest < 4 * batch:  # first calls may pay for imports and connections: time again
        fastest = min(ours(), base())
    reps = max(1, math.ceil(batch / max(fastest, 1e-9)))
    out = []
    for _ in range(n):
        spent_ours = spent_base = 0.0
        for _ in range(reps):
            spent_base += base()
            spent_ours += ours()
        out.append(spent_ours / spent_base)
    return out


def pairs(ours: Callable[[], object], base: Callable[[], object], n: int, batch: float | None = None) -> Stats:
    """Median, min and max of ``time(ours) / time(base)`` over ``n`` pairs of batches of ``batch`` seconds."""
    return stats(ratios(timed(ours), timed(base), n, batch))


def _row(figure: str, values: Stats, goal: float, *, at_least: bool = False, note: str = "") -> Row:
    median, low, high = values
    met = median >= goal if at_least else median <= goal
    return Row(figure, median, low, high, ("≥ " if at_least else "≤ ") + f"{goal:g}x", met, note)


def _python(code: str) -> Callable[[], object]:
    return lambda: subprocess.run([sys.executable, "-c", code], check=True,  # noqa: S603
                                  stdout=subprocess.DEVNULL)


IMPORT = "import signport vs import httpx (fresh processes)"
HELP = "signport --help vs a trivial click app"


def import_row(n: int) -> Row:
    return _row(IMPORT, pairs(_python("import signport"), _python("import httpx"), n), 1.3)


def help_row(n: int) -> Row:
    trivial = ("import click\n@click.group()\ndef main():\n    'A trivial app.'\n"
               "@main.command()\ndef hello():\n    'Say hello.'\n"
               "try:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    ours = "from signport.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    return _row(HELP, pairs(_python(ours), _python(trivial), n), 2.0)


def download_name(mib: int) -> str:
    return f"download {mib} MiB: peak RSS growth"


def upload_name(mib: int) -> str:
    return f"{mib} MiB upload from bytes: peak RSS growth vs raw httpx"


def download_row(mib: int) -> Row:
    """Kernel-measured peak growth while a streamed body of ``mib`` MiB goes to disk (one fresh process)."""
    from .memory import measure

    growth = measure("download", str(mib)) / 2**20
    return Row(download_name(mib), growth, growth, growth, "≤ 20 MiB", growth <= 20, "one run", unit=" MiB")


def upload_row(url: str, mib: int) -> Row:
    """``send`` of one ``mib`` MiB document held as bytes vs raw httpx posting it, to the iinked fake at ``url``."""
    from .memory import measure

    raw = measure("upload", str(mib), url, KEY, "raw")
    ours = measure("upload", str(mib), url, KEY, "signport")
    return _row(upload_name(mib), (ours / raw, ours / raw, ours / raw), 1.05,
                note=f"{ours / 2**20:.0f} vs {raw / 2**20:.0f} MiB, one run each")
