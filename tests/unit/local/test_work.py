"""How much PDF work the local provider does: each original read once per operation, all the stamps of a
document merged from one overlay, the executed files never read back. Counted, never timed."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

import signport
from signport import Document, DocumentKind, Envelope, Field, FieldType, Placement, SigningOrder
from signport_local.provider import LocalProvider

from ...samples import ann, bob, make_pdf


class Reads:
    """Every pypdf reader made (by the name of the file it reads, ``None`` for one in memory) and every
    file opened for reading through ``Path.open``."""

    def __init__(self) -> None:
        self.readers: list[str | None] = []
        self.opened: list[Path] = []

    def files(self) -> list[str]:
        return sorted(name for name in self.readers if name is not None)

    def in_memory(self) -> int:
        return sum(name is None for name in self.readers)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    seen = Reads()
    real_reader, real_open = pypdf.PdfReader.__init__, Path.open

    def reader(self: pypdf.PdfReader, stream: Any, *args: Any, **kwargs: Any) -> None:
        name = stream if isinstance(stream, str | Path) else getattr(stream, "name", None)
        seen.readers.append(Path(name).name if isinstance(name, str | Path) else None)
        real_reader(self, stream, *args, **kwargs)

    def path_open(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "r" in mode:
            seen.opened.append(self)
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(pypdf.PdfReader, "__init__", reader)
    monkeypatch.setattr(Path, "open", path_open)
    return seen


@pytest.fixture
def local(tmp_path: Path) -> Iterator[tuple[signport.Client, LocalProvider]]:
    """A local client on a fresh store, with its provider."""
    with signport.connect("local", path=tmp_path / "store") as client:
        provider = client.provider
        assert isinstance(provider, LocalProvider)
        yield client, provider


def signature(signer: str, document: str, page: int, x: float = 72) -> Field:
    return Field(type=FieldType.SIGNATURE, signer=signer, document=document,
                 placement=Placement(page=page, x=x, y=90, width=200, height=50))


def two_documents() -> Envelope:
    """Two documents, both signers with a field on each (on different pages)."""
    return Envelope(subject="Deal", order=SigningOrder.PARALLEL,
                    documents=[Document(name="nda.pdf", content=make_pdf(3, "NDA"), key="nda"),
                               Document(name="terms.pdf", content=make_pdf(2, "Terms"), key="terms")],
                    signers=[ann(), bob()],
                    fields=[signature("ann", "nda", 1), signature("bob", "nda", 3, 300),
                            signature("ann", "terms", 1), signature("bob", "terms", 2, 300)])


def stored_names(provider: LocalProvider, envelope_id: str) -> list[str]:
    return sorted(f"{d.id}.pdf" for d in provider.record(envelope_id).documents)


def text(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def test_completing_reads_each_original_once_and_no_executed_file(
        tmp_path: Path, reads: Reads, local: tuple[signport.Client, LocalProvider]) -> None:
    client, provider = local
    sent = client.send(two_documents())
    client.local.sign(sent, "ann")
    reads.readers.clear()
    reads.opened.clear()
    client.local.sign(sent, "bob")  # the last signature writes the executed documents
    assert reads.files() == stored_names(provider, sent.id)  # each original once
    assert reads.in_memory() == 2  # one overlay per document, all its stamped pages in it
    executed_dir = provider.store.executed_dir(sent.id)
    assert not [p for p in reads.opened if p.parent == executed_dir], "an executed file was read back"

    record = provider.record(sent.id)
    for document in record.documents:  # hashed as written, and the hash is the file's
        written = (executed_dir / f"{document.id}.pdf").read_bytes()
        assert document.executed_sha256 == hashlib.sha256(written).hexdigest()
    executed = client.download(sent, to=tmp_path / "executed", kind=DocumentKind.EXECUTED)
    [combined] = client.download(sent, to=tmp_path / "combined", kind=DocumentKind.COMBINED)
    assert text(combined) == text(executed[0]) + text(executed[1])
    assert "Ann Lee" in text(combined)[0]
    assert "Bob Ray" in text(combined)[4]


def test_one_documents_combined_pdf_is_its_executed_pdf(
        tmp_path: Path, reads: Reads, local: tuple[signport.Client, LocalProvider]) -> None:
    client, _ = local
    sent = client.send(Envelope(subject="NDA", documents=[Document(name="nda.pdf", content=make_pdf(2))],
                                signers=[ann(), bob()], fields=[signature("ann", 0, 1), signature("bob", 0, 2)]))
    client.local.sign(sent, "ann")
    reads.readers.clear()
    client.local.sign(sent, "bob")
    assert len(reads.files()) == 1
    assert reads.in_memory() == 1
    [executed] = client.download(sent, to=tmp_path / "out", kind=DocumentKind.EXECUTED)
    [combined] = client.download(sent, to=tmp_path / "out", kind=DocumentKind.COMBINED)
    assert combined.read_bytes() == executed.read_bytes()


def completed(client: signport.Client) -> signport.StoredEnvelope:
    """``two_documents`` sent and signed by both signers."""
    sent = client.send(two_documents())
    client.local.sign(sent, "ann")
    client.local.sign(sent, "bob")
    return sent


def test_downloads_of_a_completed_envelope_parse_nothing(
        tmp_path: Path, reads: Reads, local: tuple[signport.Client, LocalProvider]) -> None:
    client, _ = local
    sent = completed(client)
    reads.readers.clear()
    for kind in (DocumentKind.EXECUTED, DocumentKind.COMBINED, DocumentKind.AUDIT, DocumentKind.ORIGINAL):
        client.download(sent, to=tmp_path / kind.value, kind=kind)
    assert reads.readers == []


def test_signer_copies_read_each_original_once(
        tmp_path: Path, reads: Reads, local: tuple[signport.Client, LocalProvider]) -> None:
    client, provider = local
    sent = completed(client)
    reads.readers.clear()
    copies = client.download(sent, to=tmp_path / "copies", kind=DocumentKind.SIGNER_COPIES)
    assert reads.files() == stored_names(provider, sent.id)  # not once per signer
    assert [p.name for p in copies] == ["nda-Ann Lee.pdf", "nda-Bob Ray.pdf", "terms-Ann Lee.pdf",
                                        "terms-Bob Ray.pdf"]
    ann_nda, bob_nda = (text(p) for p in copies[:2])
    assert "Ann Lee" in ann_nda[0]
    assert "Bob Ray" not in "".join(ann_nda)
    assert "Bob Ray" in bob_nda[2]
    assert "Ann Lee" not in "".join(bob_nda)


def test_stamped_copies_of_one_source_are_independent(tmp_path: Path) -> None:
    from signport_local import stamping

    source = tmp_path / "in.pdf"
    source.write_bytes(make_pdf(1))
    stamp = stamping.Stamp(page=1, x=72, y=90, width=200, height=50, type=FieldType.NAME, text="First")
    with stamping.opened(source) as pdf:
        first = pdf.stamped([stamp])
        second = pdf.stamped([stamping.Stamp(page=1, x=72, y=300, width=200, height=50, type=FieldType.NAME,
                                             text="Second")])
    texts = []
    for copy in (first, second):
        out = io.BytesIO()
        stamping.write_pdf(copy, out)
        texts.append(pypdf.PdfReader(out).pages[0].extract_text())
    assert "First" in texts[0]
    assert "Second" not in texts[0]
    assert "Second" in texts[1]
    assert "First" not in texts[1]
