"""A row of the performance table and how it is timed: alternating pairs of batches, ours vs a baseline.

Each pair runs the baseline, then ours, each as a batch of repetitions lasting at least
``BATCH_SECONDS``, and keeps ``time(ours) / time(baseline)``; a row reports the median of the
pairs with their spread (min..max). The rows that need no vendor fake live here too (import,
``--help``, memory); the others are in ``flows``, ``parsing`` and ``local``.
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
#: Each side of a pair is a batch of repetitions lasting at least this long, so that a pair's ratio
#: does not hang on one scheduler hiccup (a single send -> get is a few milliseconds).
BATCH_SECONDS = 0.05

Stats = tuple[float, float, float]
Batch = Callable[[int], float]


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

    def line(self) -> str:
        mark = "met" if self.met else "NOT met"
        text = (f"{self.figure:<78} {self.ratio:6.2f}x  (pairs {self.low:.2f}..{self.high:.2f})  "
                f"goal {self.goal:<13} {mark}")
        return f"{text}  [{self.note}]" if self.note else text


def stats(ratios: list[float]) -> Stats:
    """Median, lowest and highest of the pair ratios."""
    return statistics.median(ratios), min(ratios), max(ratios)


def batch(fn: Callable[[], object]) -> Batch:
    """``reps -> seconds`` for ``reps`` calls of ``fn`` in a row."""
    def run(reps: int) -> float:
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        return time.perf_counter() - start
    return run


def abatch(runner: asyncio.Runner, fn: Callable[[], Awaitable[object]]) -> Batch:
    """``reps -> seconds`` for ``reps`` awaited calls of ``fn`` on ``runner``'s event loop."""
    async def run(reps: int) -> float:
        start = time.perf_counter()
        for _ in range(reps):
            await fn()
        return time.perf_counter() - start
    return lambda reps: runner.run(run(reps))


def ratios(ours: Batch, base: Batch, n: int) -> list[float]:
    """``n`` ratios time(ours) / time(baseline), the baseline first in each pair, after a warm-up of each.

    The batch size is set once, from one timed call of each after the warm-up (unless the warm-up calls
    were long already): enough repetitions for the faster side to last ``BATCH_SECONDS``.
    """
    fastest = min(ours(1), base(1))
    if fastest < 4 * BATCH_SECONDS:  # first calls may pay for imports and connections: time again
        fastest = min(ours(1), base(1))
    reps = max(1, math.ceil(BATCH_SECONDS / max(fastest, 1e-9)))
    out = []
    for _ in range(n):
        baseline = base(reps)
        out.append(ours(reps) / baseline)
    return out


def pairs(ours: Callable[[], object], base: Callable[[], object], n: int) -> Stats:
    """Median, min and max of ``time(ours) / time(base)`` over ``n`` alternating pairs of batches."""
    return stats(ratios(batch(ours), batch(base), n))


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
    return f"download {mib} MiB: peak RSS growth (MiB, not a ratio)"


def upload_name(mib: int) -> str:
    return f"{mib} MiB upload from bytes: peak RSS growth vs raw httpx"


def download_row(mib: int) -> Row:
    """Kernel-measured peak growth while a streamed body of ``mib`` MiB goes to disk (one fresh process)."""
    from .memory import measure

    growth = measure("download", str(mib)) / 2**20
    return Row(download_name(mib), growth, growth, growth, "≤ 20 MiB", growth <= 20, "one run")


def upload_row(url: str, mib: int) -> Row:
    """``send`` of one ``mib`` MiB document held as bytes vs raw httpx posting it, to the iinked fake at ``url``."""
    from .memory import measure

    raw = measure("upload", str(mib), url, KEY, "raw")
    ours = measure("upload", str(mib), url, KEY, "signport")
    return _row(upload_name(mib), (ours / raw, ours / raw, ours / raw), 1.05,
                note=f"{ours / 2**20:.0f} vs {raw / 2**20:.0f} MiB, one run each")
