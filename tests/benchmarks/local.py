"""The local provider's row: send, two signatures and the executed download of a 100-page PDF, against
the plain script a developer would write without signport (reportlab overlay, pypdf merge).

Both sides run in one process of their own, alternating (``row_in_process``: the row's garbage
collections then walk only its own objects, not what the rows before it left in the benchmark's
process). A pair is a batch of ``BATCH_SECONDS`` per side: one flow takes 60-100 ms of CPU and, on
the development machine, the same flow's CPU time varies by half from one run to the next on both
sides, so a batch of two or three flows per side (the other rows' 0.2 s) measured that swing.

The baseline opens the source once with pypdf, draws the two signers' stamps with reportlab (one
overlay page per stamped page, the same fonts, texts and places as the local provider), merges them
onto their pages and writes the executed PDF. Ours sends a new envelope (a new ``Document`` of the
same file) to a local store opened once for the row, signs it as both signers and downloads
EXECUTED.

    .venv/bin/python -m tests.benchmarks.local [--pairs N] [--pages N] [--row-json]

also prints the process CPU time of each operation (``time.process_time``), which a loaded machine
disturbs less than the wall-clock ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from .table import Row, _row, pairs

PAGES = 100
#: Seconds of flows per side in a pair (see the module docstring).
BATCH_SECONDS = 1.0
#: (page, x, y, width, height) of each signer's signature field, visible coordinates (US Letter).
FIELDS = ((1, 72.0, 90.0, 200.0, 50.0), (PAGES, 320.0, 90.0, 200.0, 50.0))
SIGNERS = (("Ann", "Lee", "ann@example.com"), ("Bob", "Ray", "bob@example.com"))


def source_pdf(pages: int = PAGES) -> bytes:
    """A ``pages``-page US-Letter agreement, some text on every page, made with reportlab."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=letter, invariant=1)
    for n in range(1, pages + 1):
        canvas.setFont("Helvetica-Bold", 14)
        canvas.drawString(72, 720, f"Services agreement, page {n} of {pages}")
        canvas.setFont("Helvetica", 10)
        for line in range(40):
            canvas.drawString(72, 690 - 14 * line, f"{n}.{line + 1} The parties agree to the terms set out in "
                                                   "this clause and in the schedules attached to it.")
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def baseline(source: Path, dest: Path, pages: int = PAGES) -> None:
    """The hand-written script: one pypdf read, one reportlab overlay, one merge per stamped page, one write."""
    import pypdf
    from reportlab.pdfgen.canvas import Canvas

    from signport_local.stamping import FONT_SCRIPT, FONT_TEXT, _ensure_fonts

    _ensure_fonts()  # the same fonts, registered once per process as any script would
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    fields = _fields(pages)
    with source.open("rb") as fh:
        reader = pypdf.PdfReader(fh)
        writer = pypdf.PdfWriter(clone_from=reader)
        buf = io.BytesIO()
        canvas = Canvas(buf, invariant=1)
        for (page, x, y, w, _h), (first, last, _) in zip(fields, SIGNERS, strict=True):
            box = reader.pages[page - 1].mediabox
            canvas.setPageSize((float(box.width), float(box.height)))
            canvas.setFillColorRGB(0.35, 0.35, 0.35)
            canvas.setFont(FONT_TEXT, 7)
            canvas.drawString(x + 2, y + 2, f"signed {now}")
            canvas.setFillColorRGB(0.05, 0.16, 0.52)
            canvas.setFont(FONT_SCRIPT, 28)
            canvas.drawString(x + 2, y + 14, f"{first} {last}")
            canvas.line(x + 1, y + 10.8, x + w - 1, y + 10.8)
            canvas.showPage()
        canvas.save()
        overlay = pypdf.PdfReader(io.BytesIO(buf.getvalue()))
        for (page, *_), stamp in zip(fields, overlay.pages, strict=True):
            writer.pages[page - 1].merge_page(stamp)
        with dest.open("wb") as out:
            writer.write(out)


def _fields(pages: int) -> tuple[tuple[int, float, float, float, float], ...]:
    return tuple((min(page, pages), x, y, w, h) for page, x, y, w, h in FIELDS)


def _envelope(source: Path, pages: int) -> Any:
    from signport import Document, Envelope, Field, FieldType, Placement, Signer

    return Envelope(
        subject="Services agreement",
        documents=[Document.from_path(source)],
        signers=[Signer(first_name=first, last_name=last, email=email) for first, last, email in SIGNERS],
        fields=[Field(type=FieldType.SIGNATURE, signer=i, document=0,
                      placement=Placement(page=page, x=x, y=y, width=w, height=h))
                for i, (page, x, y, w, h) in enumerate(_fields(pages))])


def ours(client: Any, source: Path, dest: Path, pages: int = PAGES) -> None:
    """signport: send to the local store of ``client``, both signers sign, download EXECUTED to ``dest``."""
    from signport import DocumentKind

    sent = client.send(_envelope(source, pages))  # a new Document, as a new envelope would have
    for signer in sent.signers:
        client.local.sign(sent.id, signer)
    [executed] = client.download(sent.id, to=dest.parent, kind=DocumentKind.EXECUTED, overwrite=True)
    executed.replace(dest)


def cpu_per_operation(client: Any, source: Path, folder: Path, pages: int = PAGES) -> dict[str, float]:
    """Process CPU seconds of each of our operations on one envelope, and of the baseline script."""
    from signport import DocumentKind

    cpu: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        start = time.process_time()
        result = fn()
        cpu[name] = time.process_time() - start
        return result

    sent = timed("send", lambda: client.send(_envelope(source, pages)))
    timed("sign (first)", lambda: client.local.sign(sent.id, sent.signers[0]))
    timed("sign (last: renders)", lambda: client.local.sign(sent.id, sent.signers[1]))
    timed("download executed", lambda: client.download(sent.id, to=folder / "cpu", kind=DocumentKind.EXECUTED,
                                                       overwrite=True))
    timed("baseline script", lambda: baseline(source, folder / "baseline.pdf", pages))
    return cpu


@contextlib.contextmanager
def _setup(pages: int) -> Iterator[tuple[Any, Path, Path]]:
    """A local client on a fresh store (connected once, as an application would), the source PDF, and a
    folder for the outputs."""
    import signport

    with tempfile.TemporaryDirectory(prefix="signport-bench-local-") as tmp, \
            signport.connect("local", path=Path(tmp) / "store") as client:
        folder = Path(tmp)
        source = folder / "agreement.pdf"
        source.write_bytes(source_pdf(pages))
        (folder / "ours").mkdir()
        yield client, source, folder


def local_row(n: int, pages: int = PAGES) -> Row:
    """Median ratio (ours / baseline) of ``n`` side-by-side pairs, with its spread."""
    with _setup(pages) as (client, source, folder):
        stats = pairs(lambda: ours(client, source, folder / "ours" / "executed.pdf", pages),
                      lambda: baseline(source, folder / "baseline.pdf", pages), n, BATCH_SECONDS)
    return _row(f"local: send + 2 signs + executed, {pages} pages, vs plain script", stats, 1.5,
                note=f"own process, {BATCH_SECONDS:g} s batches")


def row_in_process(n: int, pages: int = PAGES) -> Row:
    """``local_row`` measured in a fresh Python process (see the module docstring)."""
    out = subprocess.run([sys.executable, "-m", "tests.benchmarks.local", "--pairs", str(n),  # noqa: S603
                          "--pages", str(pages), "--row-json"], check=True, capture_output=True, text=True).stdout
    return Row(**json.loads(out.strip().splitlines()[-1]))


def cpu_report(runs: list[dict[str, float]]) -> str:
    """Median (and min..max) process CPU of each operation over ``runs``, and ours / baseline."""
    lines = [f"process CPU per operation, median of {len(runs)} envelopes (ms):"]
    for name in runs[0]:
        values = [r[name] * 1000 for r in runs]
        lines.append(f"  {name:<22} {statistics.median(values):7.1f}  ({min(values):.1f}..{max(values):.1f})")
    ratios = [sum(v for k, v in r.items() if k != "baseline script") / r["baseline script"] for r in runs]
    lines.append(f"  ours / baseline script: {statistics.median(ratios):.2f}x "
                 f"({min(ratios):.2f}..{max(ratios):.2f})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.local")
    parser.add_argument("--pairs", type=int, default=7, help="side-by-side pairs (the median is reported)")
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--cpu", type=int, default=5, help="envelopes whose CPU per operation is reported")
    parser.add_argument("--row-json", action="store_true", help="only the row, as one line of JSON")
    args = parser.parse_args()
    if args.row_json:
        print(json.dumps(attrs.asdict(local_row(args.pairs, args.pages))))
        return
    print(local_row(args.pairs, args.pages).line(), flush=True)
    with _setup(args.pages) as (client, source, folder):
        cpu_per_operation(client, source, folder, args.pages)  # warm-up
        print(cpu_report([cpu_per_operation(client, source, folder, args.pages) for _ in range(args.cpu)]))

if __name__ == "__main__":
    main()
