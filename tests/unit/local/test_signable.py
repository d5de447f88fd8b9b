"""Local: a PDF that ``send`` accepts can always be signed and executed, and a failed signature leaves
the envelope as it was so the signer can sign again.

The measured failure was a valid 150 MB PDF with one embedded attachment: accepted at ``send``, then
every ``sign`` hit pypdf's 75 MB declared-stream limit. The test keeps CI small by lowering pypdf's
limit to 100 kB for its duration and attaching 300 kB: the same rule at 1/750 scale.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from pypdf.errors import LimitReachedError

import signport
from signport import Document, Envelope, SignerState, State
from signport_local import stamping

from ...samples import ann, bob, make_pdf

LIMIT = 100_000


@pytest.fixture
def low_limit() -> Iterator[None]:
    with pypdf.apply_configuration(maximum_declared_stream_length=LIMIT):
        yield


def with_attachment(size: int) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf(2))))
    writer.add_attachment("data.bin", os.urandom(size))  # random: no compression shrinks it
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_with_a_large_attachment_is_signable_once_accepted(low_limit: None, tmp_path: Path) -> None:
    big = with_attachment(3 * LIMIT)
    # The PDF trips the (lowered) limit when copied as stamping copies it: the test can fail.
    with pytest.raises(LimitReachedError):
        pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(big)))
    with signport.connect("local", path=tmp_path / "store") as client:
        sent = client.send(Envelope(subject="Big", documents=[Document(name="big.pdf", content=big)],
                                    signers=[ann(), bob()]))
        assert sent.state is State.SENT
        client.local.sign(sent, "ann")
        done = client.local.sign(sent, "bob")
        assert done.state is State.COMPLETED
        [executed] = client.download(sent, to=tmp_path / "out", kind="executed")
    with pypdf.apply_configuration(maximum_declared_stream_length=executed.stat().st_size):
        reader = pypdf.PdfReader(executed)
        assert list(reader.attachments) == ["data.bin"]
        assert len(reader.attachments["data.bin"][0]) == 3 * LIMIT
        assert "Bob Ray <bob@example.com>, signed" in "".join(page.extract_text() for page in reader.pages)


def test_the_limit_is_raised_only_to_the_files_size(low_limit: None, tmp_path: Path) -> None:
    small = tmp_path / "small.pdf"
    small.write_bytes(make_pdf(1))
    with stamping.room_for(small):
        assert pypdf.get_configuration().maximum_declared_stream_length == LIMIT  # small: unchanged
    big = tmp_path / "big.pdf"
    big.write_bytes(with_attachment(2 * LIMIT))
    with stamping.room_for(big, small):
        assert pypdf.get_configuration().maximum_declared_stream_length == big.stat().st_size + small.stat().st_size
    assert pypdf.get_configuration().maximum_declared_stream_length == LIMIT


def test_a_failed_signature_leaves_the_envelope_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = stamping.write_pdf
    failures = iter([True])

    def flaky(*args: Any, **kwargs: Any) -> str:
        if next(failures, False):
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(stamping, "write_pdf", flaky)
    with signport.connect("local", path=tmp_path / "store") as client:
        sent = client.send(Envelope(subject="NDA", documents=[Document(name="nda.pdf", content=make_pdf(1))],
                                    signers=[ann(), bob()]))
        client.local.sign(sent, "ann")
        before = client.get(sent)
        events = len(client.local.events(sent))
        with pytest.raises(signport.ProviderError, match="could not write the executed documents") as info:
            client.local.sign(sent, "bob")
        assert info.value.provider == "local"
        after = client.get(sent)
        assert after.state is before.state is State.IN_PROGRESS
        assert [s.state for s in after.signers] == [s.state for s in before.signers]
        assert after.signers[1].state is SignerState.NEXT  # still Bob's turn
        assert len(client.local.events(sent)) == events  # nothing recorded
        done = client.local.sign(sent, "bob")  # the signer retries
        assert done.state is State.COMPLETED
        assert [p.name for p in client.download(sent, to=tmp_path / "out", kind="executed")] == ["nda.pdf"]
