"""A send parses each document once and reads only the pages fields are placed on (issue 10).

Counted, never timed: the pypdf readers made on the test's own thread (the fakes serve from their own
threads and read uploads with pypdf too), the page boxes read, the objects each reader parsed, and
whether anything of a reader outlives the call.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import tracemalloc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

import signport
import signport.pdf
from signport import Document, Envelope, Field, FieldType, Placement
from signport.pdf import PageBox, page_box, pdf_info, pdf_pages, read_pdf
from signport.validation import validate_envelope

from ..samples import SHARED_PDFS, ann, bob, make_pdf

FOUR_PAGES = SHARED_PDFS / "pdflatex-4-pages.pdf"
ENCRYPTED = SHARED_PDFS / "libreoffice-writer-password.pdf"
DAMAGED = SHARED_PDFS / "unreadablemetadata.pdf"
READABLE = sorted(p for p in SHARED_PDFS.glob("*.pdf") if p not in (ENCRYPTED, DAMAGED))


class Reads:
    """What the PDF code did: readers made (weakly held), objects each parsed, page boxes read."""

    def __init__(self) -> None:
        self.readers: list[weakref.ref[pypdf.PdfReader]] = []
        self.parsed: list[set[int]] = []  # object numbers each reader had parsed when it was closed
        self.pages: list[int] = []

    def alive(self) -> list[pypdf.PdfReader]:
        return [r for ref in self.readers if (r := ref()) is not None]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    seen = Reads()
    here = threading.get_ident()
    real_box = signport.pdf.page_box

    class CountingReader(pypdf.PdfReader):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if threading.get_ident() == here:
                seen.readers.append(weakref.ref(self))
            super().__init__(*args, **kwargs)

        def close(self) -> None:
            if threading.get_ident() == here:
                seen.parsed.append({idnum for _, idnum in self.resolved_objects})
            super().close()

    def counting_box(number: int, page: pypdf.PageObject) -> PageBox:
        seen.pages.append(number)
        return real_box(number, page)

    monkeypatch.setattr(pypdf, "PdfReader", CountingReader)
    monkeypatch.setattr(signport.pdf, "page_box", counting_box)
    return seen


@pytest.fixture
def no_gc() -> Iterator[None]:
    """Objects must go when their last reference does, not when the collector finds a cycle."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def signature(signer: str, page: int, document: int = 0) -> Field:
    return Field(type=FieldType.SIGNATURE, signer=signer, document=document,
                 placement=Placement(page=page, x=72, y=72, width=150, height=40))


def two_documents(fields: list[Field]) -> Envelope:
    return Envelope(subject="Two documents",
                    documents=[Document(name="a.pdf", content=make_pdf(3)), Document.from_path(FOUR_PAGES)],
                    signers=[ann(), bob()], fields=fields)


def tree_pdf() -> bytes:
    """Four pages in a two-level page tree, boxes and rotation inherited from the /Pages nodes."""
    objects = {
        1: "<< /Type /Catalog /Pages 2 0 R >>",
        2: "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 4 /MediaBox [0 0 200 300] /Rotate 90 >>",
        3: "<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 >>",
        4: "<< /Type /Pages /Parent 2 0 R /Kids [7 0 R 8 0 R] /Count 2 /MediaBox [0 0 400 500] "
           "/CropBox [10 20 390 480] >>",
        5: "<< /Type /Page /Parent 3 0 R >>",
        6: "<< /Type /Page /Parent 3 0 R /Rotate 0 >>",
        7: "<< /Type /Page /Parent 4 0 R >>",
        8: "<< /Type /Page /Parent 4 0 R /MediaBox [0 0 600 800] /Rotate 180 >>",
    }
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    start = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in sorted(objects))
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{start}\n%%EOF\n".encode()
    return bytes(out)


def flattened_boxes(source: Path | bytes) -> list[PageBox]:
    """The boxes through pypdf's own page list (which flattens the whole tree): the reference."""
    import io

    reader = pypdf.PdfReader(source if isinstance(source, Path) else io.BytesIO(source))
    return [page_box(n, page) for n, page in enumerate(reader.pages, start=1)]


# --- validation --------------------------------------------------------------------------------------
def test_validation_reads_no_page_when_no_field_is_placed(reads: Reads) -> None:
    document = Document(name="long.pdf", content=make_pdf(100))
    validate_envelope(Envelope(subject="s", documents=[document], signers=[ann()]))
    assert len(reads.readers) == 1
    assert reads.pages == []
    # The catalog and the page-tree root: none of the 100 page objects.
    assert len(reads.parsed[0]) <= 3, reads.parsed


def test_validation_reads_only_the_pages_fields_are_on(reads: Reads) -> None:
    env = Envelope(subject="s", documents=[Document.from_path(FOUR_PAGES)], signers=[ann(), bob()],
                   fields=[signature("ann", 2), signature("bob", 4), signature("ann", 4)])
    validate_envelope(env)
    assert len(reads.readers) == 1
    assert sorted(reads.pages) == [2, 4]


def test_a_page_past_the_end_is_refused_without_reading_any_page(reads: Reads) -> None:
    env = Envelope(subject="s", documents=[Document.from_path(FOUR_PAGES)], signers=[ann()],
                   fields=[signature("ann", 5)])
    with pytest.raises(signport.ValidationError, match=r"past the end of the document \(4 pages\)"):
        validate_envelope(env)
    assert reads.pages == []


# --- a whole send, per provider ----------------------------------------------------------------------
@pytest.mark.parametrize(("provider", "fields", "pages"), [
    ("iinked", [], []),                                                   # no field placement at all
    ("easyink", [signature("ann", 2), signature("bob", 3, document=1)], [2, 3]),
    ("docusign", [signature("ann", 2), signature("bob", 3, document=1)], [2, 3]),
    ("docusign", [], []),
    ("local", [signature("ann", 2), signature("bob", 3, document=1)], [2, 3]),
    ("local", [], []),
])
def test_a_send_parses_each_document_once(request: pytest.FixtureRequest, provider: str, fields: list[Field],
                                          pages: list[int]) -> None:
    client: signport.Client = (request.getfixturevalue("signport_local") if provider == "local" else
                               request.getfixturevalue(f"signport_{provider}_fake").client)
    reads = request.getfixturevalue("reads")
    sent = client.send(two_documents(fields))
    assert len(sent.documents) == 2
    assert len(reads.readers) == 2  # one per document
    assert sorted(reads.pages) == pages


# --- the reader does not outlive the call --------------------------------------------------------------
@pytest.mark.parametrize("kind", ["bytes", "document", "path"])
def test_nothing_of_the_reader_outlives_the_call(reads: Reads, no_gc: None, kind: str) -> None:
    sources: dict[str, bytes | Document | Path] = {
        "bytes": FOUR_PAGES.read_bytes(), "path": FOUR_PAGES,
        "document": Document(name="d.pdf", content=FOUR_PAGES.read_bytes())}
    source = sources[kind]
    info = read_pdf(source, pages=[1, 3])
    assert (info.page_count, sorted(info.boxes)) == (4, [1, 3])
    assert len(reads.readers) == 1
    assert reads.alive() == []


@pytest.mark.parametrize(("path", "words"), [(ENCRYPTED, "encrypted"), (DAMAGED, "damaged")])
def test_a_refusal_keeps_neither_the_content_nor_a_reader(reads: Reads, no_gc: None, path: Path,
                                                         words: str) -> None:
    content = path.read_bytes()
    held = sys.getrefcount(content)
    with pytest.raises(signport.ValidationError, match=words) as info:
        read_pdf(content, pages=[1])
    assert info.value.__context__ is None  # no pypdf error (and its traceback's objects) rides along
    del info  # the error's traceback holds the calls' arguments, as any error's does
    assert sys.getrefcount(content) == held  # and nothing else: the file over the bytes was closed
    assert reads.readers, "a reader was made"
    # A reader pypdf could not finish building (the damaged file) is a small cycle the collector frees.
    gc.collect()
    assert reads.alive() == []


def test_an_encrypted_pdfs_reader_goes_at_once(reads: Reads, no_gc: None) -> None:
    with pytest.raises(signport.ValidationError, match="encrypted") as info:
        read_pdf(ENCRYPTED)
    assert info.value.path == "document"
    assert reads.alive() == []


def test_content_given_as_bytes_is_not_copied(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(FOUR_PAGES))
    writer.add_attachment("padding.bin", os.urandom(16 * 2**20))
    with (tmp_path / "big.pdf").open("wb") as fh:
        writer.write(fh)
    content = (tmp_path / "big.pdf").read_bytes()
    assert len(content) > 16 * 2**20
    document = Document(name="big.pdf", content=content)
    tracemalloc.start()
    try:
        info = read_pdf(document, pages=[4])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.page_count == 4
    assert peak < 2**20, f"peak {peak / 2**20:.1f} MiB while reading a {len(content) / 2**20:.0f} MiB PDF"


# --- the page tree ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_boxes_match_pypdfs_own_page_list(path: Path) -> None:
    expected = flattened_boxes(path)
    assert pdf_pages(path) == expected
    info = read_pdf(path, pages=range(1, len(expected) + 1))
    assert info.page_count == len(expected)
    assert [info.boxes[n] for n in range(1, len(expected) + 1)] == expected


def test_inherited_boxes_and_rotation_in_a_page_tree(reads: Reads) -> None:
    content = tree_pdf()
    expected = flattened_boxes(content)
    assert [(b.width, b.height, b.rotation) for b in expected] == [
        (300, 200, 90), (200, 300, 0), (460, 380, 90), (380, 460, 180)]
    assert pdf_pages(content) == expected
    for number in range(1, 5):
        assert read_pdf(content, pages=[number]).boxes == {number: expected[number - 1]}
    reads.parsed.clear()
    assert read_pdf(content, pages=[4]) == signport.pdf.PdfInfo(page_count=4, boxes={4: expected[3]})
    # Catalog, root, the /Pages node holding pages 3 and 4, page 4: nothing of pages 1 to 3.
    assert reads.parsed[-1] == {1, 2, 4, 8}


def test_the_last_page_of_a_long_document_costs_one_page_object(reads: Reads) -> None:
    env = Envelope(subject="s", documents=[Document(name="long.pdf", content=make_pdf(100))], signers=[ann()],
                   fields=[signature("ann", 100)])
    validate_envelope(env)
    assert reads.pages == [100]
    assert len(reads.parsed[0]) <= 4, reads.parsed  # catalog, page-tree root, page 100 (and its box)


def test_a_page_tree_without_counts_is_walked_in_full() -> None:
    content = tree_pdf().replace(b"/Kids [5 0 R 6 0 R] /Count 2", b"/Kids [5 0 R 6 0 R]         ")
    expected = flattened_boxes(content)
    assert read_pdf(content, pages=[1, 2, 3, 4]).boxes == dict(enumerate(expected, start=1))


def test_a_page_tree_shorter_than_its_count_is_damaged() -> None:
    content = tree_pdf().replace(b"/Kids [7 0 R 8 0 R] /Count 2", b"/Kids []            /Count 2")
    assert read_pdf(content).page_count == 4  # no page read: the count is what the file says
    with pytest.raises(signport.ValidationError, match="damaged"):
        read_pdf(content, pages=[4])


# --- what a send remembers ---------------------------------------------------------------------------------
def test_asking_again_reads_nothing_and_a_new_page_reads_once_more(reads: Reads) -> None:
    document = Document.from_path(FOUR_PAGES)
    assert sorted(pdf_info(document, pages=[1]).boxes) == [1]
    assert sorted(pdf_info(document, pages=[1]).boxes) == [1]
    assert pdf_info(document).page_count == 4
    assert len(reads.readers) == 1
    assert sorted(pdf_info(document, pages=[2]).boxes) == [1, 2]
    assert sorted(pdf_info(document, pages=[2, 1, 9]).boxes) == [1, 2]  # 9 is past the end
    assert len(reads.readers) == 2


def test_a_changed_file_is_read_again(reads: Reads, tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(make_pdf(2))
    document = Document.from_path(path)
    assert pdf_info(document).page_count == 2
    path.write_bytes(make_pdf(3))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert pdf_info(document).page_count == 3
    assert len(reads.readers) == 2


def test_what_is_remembered_does_not_keep_the_document(no_gc: None) -> None:
    document = Document(name="a.pdf", content=make_pdf(2))
    assert pdf_info(document, pages=[1]).page_count == 2
    gone = weakref.ref(document)
    del document
    assert gone() is None
