"""Peak memory of a download or an upload, measured by the kernel in a fresh process.

    python -m tests.benchmarks.memory download MIB
    python -m tests.benchmarks.memory upload MIB URL KEY signport|raw

Each prints one number: the growth of the process's peak resident set (``VmHWM`` in
``/proc/self/status``, reset through ``/proc/self/clear_refs`` after warming up) in bytes.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx

MIB = 1024 * 1024


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> int:
    """Reset the peak to the current resident set; return the current resident set."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status("VmRSS")


def write_big_pdf(path: Path, size: int) -> None:
    """A valid one-page PDF of about ``size`` bytes (most of it one unreferenced stream), written in chunks."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"]
    offsets = []
    with path.open("wb") as fh:
        fh.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        for n, body in enumerate(objects, start=1):
            offsets.append(fh.tell())
            fh.write(b"%d 0 obj\n%s\nendobj\n" % (n, body))
        offsets.append(fh.tell())
        length = max(size - 1024, 0)
        fh.write(b"4 0 obj\n<< /Length %d >>\nstream\n" % length)
        chunk = bytes(range(256)) * 4096
        left = length
        while left:
            fh.write(chunk[:left])
            left -= min(left, len(chunk))
        fh.write(b"\nendstream\nendobj\n")
        xref = fh.tell()
        fh.write(b"xref\n0 5\n0000000000 65535 f \n")
        for offset in offsets:
            fh.write(b"%010d 00000 n \n" % offset)
        fh.write(b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)


def download_growth(size: int) -> int:
    """Peak growth while ``client.download`` streams ``size`` bytes to disk (a streamed fake body)."""
    import signport.client

    from ..unit.toy import ToyProvider, ToySettings

    chunk = b"%PDF-1.4\n" + b"x" * (64 * 1024 - 9)

    class Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for _ in range(size // len(chunk)):
                yield chunk

    mock = httpx.MockTransport(lambda r: httpx.Response(200, stream=Body()))
    with tempfile.TemporaryDirectory() as tmp, \
            signport.client.Client(ToyProvider(ToySettings()), transport_=mock) as client:
        Path(tmp, "warm").mkdir()
        client.download("e1", to=Path(tmp, "warm"))  # imports and first-use allocations, then the real one
        before = _reset_peak()
        [path] = client.download("e1", to=tmp)
        growth = _status("VmHWM") - before
        assert path.stat().st_size == size // len(chunk) * len(chunk)
    return growth


def upload_growth(size: int, url: str, key: str, mode: str) -> int:
    """Peak growth while sending one ``size``-byte document held as bytes: signport ``send`` or raw httpx."""
    import stamina

    import signport

    from ..samples import envelope

    stamina.set_testing(True, attempts=1)
    base = f"{url}/api/v1"
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp, "big.pdf")
        write_big_pdf(pdf, size)
        with signport.connect("iinked", api_key=key, base_url=base) as client, \
                httpx.Client(base_url=base, headers={"api_key": key}) as raw:
            small = envelope(client.capabilities)
            client.send(small)  # warm up both paths: imports, pools, first-use allocations
            raw.post("/files/upload", files={"file": ("nda.pdf", small.documents[0].content or b"")})
            before = _reset_peak()
            content = pdf.read_bytes()  # one allocation of the document's size
            if mode == "signport":
                doc = signport.Document(name="big.pdf", content=content)
                sent = client.send(attrs.evolve(envelope(client.capabilities, fields=False), documents=[doc]))
                assert sent.id
            else:
                response = raw.post("/files/upload", files={"file": ("big.pdf", content, "application/pdf")})
                assert response.is_success, response.status_code
            return _status("VmHWM") - before


def measure(*args: str) -> int:
    """Run one measurement in a fresh interpreter; the growth in bytes."""
    out = subprocess.run([sys.executable, "-m", "tests.benchmarks.memory", *args],  # noqa: S603
                         check=True, capture_output=True, text=True).stdout
    return int(out.split()[-1])


def main() -> None:
    kind, mib = sys.argv[1], int(sys.argv[2])
    if kind == "download":
        print(download_growth(mib * MIB))
    else:
        url, key, mode = sys.argv[3:6]
        print(upload_growth(mib * MIB, url, key, mode))


if __name__ == "__main__":
    main()
