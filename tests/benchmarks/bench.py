"""Benchmarks: each prints a ratio against a baseline measured in the same run (no absolute timings).

    .venv/bin/python -m tests.benchmarks.bench [--pairs N] [--quick] [--json FILE]

First the rows of the performance table (docs/performance.md), each next to its goal: fakes run in
processes of their own on 127.0.0.1, baselines are raw httpx sending exactly the requests signport
sent (asserted). ``--quick`` shrinks the long rows (1,000 concurrent gets, 1 GiB download, 200 MiB
upload) for a fast look. Then the older micro-benchmarks:

* driver overhead: ``client.get`` (validation, flow, retry context, parsing) vs a bare
  ``httpx.Client.send`` of the same request on the same in-memory transport;
* download memory: peak Python allocations while streaming a large document to disk, as a
  fraction of the document's size (a download must never hold the whole document);
* parsing: ``parse_envelope`` on the vendors' documented status payloads vs ``json.loads`` of them;
* fake round trip: a full iinked ``send`` against the fake on loopback vs a bare GET to the same fake.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx

import signport
from signport.client import Client
from signport.fakeserver import serve

from ..samples import VENDOR_EXAMPLES, envelope
from ..unit.toy import ToyProvider, ToySettings

EXAMPLES = VENDOR_EXAMPLES


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


def parsing() -> str:
    lines = []
    for provider, name, settings in [("iinked", "packages-status.response.json", {"api_key": "k"}),
                                     ("easyink", "session-get.response.json", {"access_token": "t"})]:
        path = EXAMPLES / provider / name
        if not path.exists():
            continue
        text = path.read_text("utf-8")
        with signport.connect(provider, **settings) as client:
            baseline = per_call(lambda t=text: json.loads(t), 0.3)
            ours = per_call(lambda t=text, p=client.provider: p.parse_envelope(json.loads(t)), 0.3)
        lines.append(f"parsing {provider}: json.loads + parse_envelope / json.loads = {ours / baseline:.1f}x")
    return "\n".join(lines)


def fake_round_trip() -> str:
    import stamina

    from signport_iinked.fake import create_app

    stamina.set_testing(True, attempts=1)
    with serve(create_app(api_keys={"k"})) as url:
        bare = httpx.Client(base_url=url, headers={"api_key": "k"})
        baseline = per_call(lambda: bare.get("/api/v1/packages/none/status"), 0.5)
        with signport.connect("iinked", api_key="k", base_url=f"{url}/api/v1") as client:
            env = envelope(client.capabilities)
            ours = per_call(lambda: client.send(env), 1.0)
        bare.close()
    return (f"iinked send against the fake / one bare request = {ours / baseline:.1f}x "
            "(a send is an upload, an add and two reads)")


def table(pairs: int, quick: bool) -> list[Any]:
    from . import table as rows
    from .fakes import fake_process
    from .local import local_row

    out = [rows.import_row(pairs), rows.help_row(pairs), local_row(pairs)]
    for row in out:
        print(row.line(), flush=True)
    with fake_process("iinked", rows.KEY) as url:
        for step in (lambda: rows.flow_rows(url, pairs),
                     lambda: rows.concurrency_rows(url, 200 if quick else 1000, max(pairs // 2, 1)),
                     lambda: rows.memory_rows(url, 64 if quick else 1024, 32 if quick else 200)):
            for row in step():
                print(row.line(), flush=True)
                out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench")
    parser.add_argument("--pairs", type=int, default=5, help="pairs per row (the median is reported)")
    parser.add_argument("--quick", action="store_true", help="smaller long rows (200 gets, 64/32 MiB)")
    parser.add_argument("--json", metavar="FILE", help="also write the table's figures to FILE")
    parser.add_argument("--no-micro", action="store_true", help="only the table")
    args = parser.parse_args()
    rows = table(args.pairs, args.quick)
    if args.json:
        Path(args.json).write_text(json.dumps([attrs.asdict(r) for r in rows], indent=2) + "\n", "utf-8")
    if not args.no_micro:
        for bench in (driver_overhead, download_memory, parsing, fake_round_trip):
            print(bench())


if __name__ == "__main__":
    main()
