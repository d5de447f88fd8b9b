"""Benchmarks: each row of the performance table, timed side by side with its baseline in the same run.

    .venv/bin/python -m tests.benchmarks.bench [--pairs N] [--quick] [--only TEXT] [--json FILE] [--no-micro]

Every row prints its median ratio (ours / baseline), the spread of its pairs, its goal and whether
the goal is met (docs/performance.md, "Method"). The vendor fakes run in processes of their own on
127.0.0.1, each started when a selected row first needs it. ``--only TEXT`` runs the rows whose
name contains TEXT (case-insensitive; e.g. ``EasyInk``, ``async``, ``parse``); ``--quick`` shrinks
the long rows (200 concurrent gets, a 64 MiB download, a 32 MiB upload). The exit status is 0
whether goals are met or not: this is a report, not a test.

Then two micro-benchmarks on an in-memory transport, no sockets:

* driver overhead: ``client.get`` (validation, flow, retry context, parsing) vs a bare
  ``httpx.Client.send`` of the same request on the same in-memory transport;
* download memory: peak Python allocations while streaming a large document to disk, as a
  fraction of the document's size (a download must never hold the whole document).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import attrs
import httpx

from signport.client import Client

from ..unit.toy import ToyProvider, ToySettings
from . import flows, local, parsing
from . import table as rows
from .fakes import fake_process
from .table import Row


def per_call(fn: Callable[[], object], seconds: float = 0.5) -> float:
    """Seconds per call, timed over roughly ``seconds``."""
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return (time.perf_counter() - start) / n


def driver_overhead() -> str:
    body = json.dumps({"id": "e1", "subject": "NDA"}).encode()
    mock = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    raw = httpx.Client(transport=mock)
    # The baseline builds its request too, as every flow does.
    baseline = per_call(lambda: raw.send(httpx.Request("GET", "https://toy.invalid/api/envelopes/e1")).read())
    with Client(ToyProvider(ToySettings(token="t")), transport_=mock) as client:
        ours = per_call(lambda: client.get("e1"))
    raw.close()
    return f"driver overhead: client.get / bare httpx send = {ours / baseline:.2f}x"


def download_memory(size: int = 64 * 1024 * 1024) -> str:
    chunk = b"%PDF-1.4\n" + b"x" * (64 * 1024 - 9)

    class Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for _ in range(size // len(chunk)):
                yield chunk

    mock = httpx.MockTransport(lambda r: httpx.Response(200, stream=Body()))
    with tempfile.TemporaryDirectory() as tmp, Client(ToyProvider(ToySettings()), transport_=mock) as client:
        tracemalloc.start()
        [path] = client.download("e1", to=tmp)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        written = path.stat().st_size
    return f"download memory: peak allocations / document size = {peak / written:.4f} ({written >> 20} MiB)"


class Fakes:
    """The vendor fakes (with ``auto_complete``), each started in its own process when first needed."""

    def __init__(self, stack: ExitStack) -> None:
        self.stack = stack
        self.urls: dict[str, str] = {}

    def url(self, provider: str) -> str:
        if provider not in self.urls:
            self.urls[provider] = self.stack.enter_context(fake_process(provider, rows.KEY, auto_complete=True))
        return self.urls[provider]


@attrs.frozen
class Step:
    """One row to measure: its name (what ``--only`` matches) and how."""

    name: str
    run: Callable[[], Row]


LOCAL = f"local: send + 2 signs + executed, {local.PAGES} pages, vs plain script"


def _on_fake(fakes: Fakes, name: str, vendor: flows.Vendor, row: Callable[[flows.Vendor, str], Row]) -> Step:
    """A row measured against ``vendor``'s fake (started when the row runs)."""
    return Step(name, lambda: row(vendor, fakes.url(vendor.name)))


def steps(fakes: Fakes, pairs: int, quick: bool) -> list[Step]:
    """Every row, in the order of the issue's table."""
    count = 200 if quick else 1000
    download_mib, upload_mib = (64, 32) if quick else (1024, 200)
    vendors = list(flows.VENDORS.values())
    out = [_on_fake(fakes, flows.flow_name(v, "sync"), v, lambda v, url: flows.flow_row(v, url, pairs))
           for v in vendors]
    out += [_on_fake(fakes, flows.flow_name(v, "async"), v, lambda v, url: flows.async_flow_row(v, url, pairs))
            for v in vendors]
    out += [_on_fake(fakes, flows.get_name(v), v, lambda v, url: flows.get_row(v, url, pairs)) for v in vendors]
    out += [Step(rows.IMPORT, lambda: rows.import_row(pairs)), Step(rows.HELP, lambda: rows.help_row(pairs)),
            Step(rows.upload_name(upload_mib), lambda: rows.upload_row(fakes.url("iinked"), upload_mib))]
    out += [_on_fake(fakes, flows.bounded_name(v, count), v,
                     lambda v, url: flows.concurrency_row(v, url, count, pairs, bound=True)) for v in vendors]
    out += [_on_fake(fakes, flows.unbounded_name(v, count), v,
                     lambda v, url: flows.concurrency_row(v, url, count, pairs, bound=False)) for v in vendors]
    out += [Step(LOCAL, lambda: local.row_in_process(pairs)),
            Step(rows.download_name(download_mib), lambda: rows.download_row(download_mib))]
    out += [Step(parsing.name(p), partial(parsing.parsing_row, p, pairs)) for p in flows.VENDORS]
    return out


def table(pairs: int, quick: bool, only: str | None = None) -> list[Row]:
    """Measure and print the selected rows; returns them."""
    out = []
    with ExitStack() as stack:
        selected = [s for s in steps(Fakes(stack), pairs, quick)
                    if only is None or only.casefold() in s.name.casefold()]
        if not selected:
            print(f"no row's name contains {only!r}", file=sys.stderr)
        for step in selected:
            row = step.run()
            print(row.line(), flush=True)
            out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench")
    parser.add_argument("--pairs", type=int, default=5, help="pairs per row (the median is reported)")
    parser.add_argument("--quick", action="store_true", help="smaller long rows (200 gets, 64/32 MiB)")
    parser.add_argument("--only", metavar="TEXT", help="only the rows whose name contains TEXT")
    parser.add_argument("--json", metavar="FILE", help="also write the table's figures to FILE")
    parser.add_argument("--no-micro", action="store_true", help="only the table")
    args = parser.parse_args()
    measured = table(args.pairs, args.quick, args.only)
    if args.json:
        Path(args.json).write_text(json.dumps([attrs.asdict(r) for r in measured], indent=2) + "\n", "utf-8")
    if not args.no_micro and args.only is None:
        for bench in (driver_overhead, download_memory):
            print(bench())


if __name__ == "__main__":
    main()
