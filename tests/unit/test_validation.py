"""Bad input is refused with a path-naming ValidationError before anything is stored or sent."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

import signport
from signport import Delivery, Document, Envelope, Field, FieldType, Placement, Signer
from signport.validation import validate_envelope

from ..samples import SHARED_PDFS, envelope, make_pdf

Change = Callable[[Envelope], Envelope]


def signer(i: int, **kw: object) -> Change:
    return lambda e: attrs.evolve(e, signers=[attrs.evolve(s, **kw) if n == i else s  # type: ignore[arg-type]
                                              for n, s in enumerate(e.signers)])


def field(i: int, **kw: object) -> Change:
    return lambda e: attrs.evolve(e, fields=[attrs.evolve(f, **kw) if n == i else f  # type: ignore[arg-type]
                                             for n, f in enumerate(e.fields)])


def placement(i: int, **kw: object) -> Change:
    return lambda e: attrs.evolve(e, fields=[
        attrs.evolve(f, placement=attrs.evolve(f.placement, **kw)) if n == i else f  # type: ignore[arg-type]
        for n, f in enumerate(e.fields)])


def document(i: int, **kw: object) -> Change:
    return lambda e: attrs.evolve(e, documents=[attrs.evolve(d, **kw) if n == i else d  # type: ignore[arg-type]
                                                for n, d in enumerate(e.documents)])


def top(**kw: object) -> Change:
    return lambda e: attrs.evolve(e, **kw)  # type: ignore[arg-type]


def shared(name: str) -> Path:
    return SHARED_PDFS / name


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


BAD: list[tuple[str, Change, str]] = [
    ("empty subject", top(subject=""), "subject"),
    ("blank subject", top(subject="   "), "subject"),
    ("subject too long", top(subject="x" * 501), "subject"),
    ("message too long", top(message="m" * 10_001), "message"),
    ("no documents", top(documents=[], fields=[]), "documents"),
    ("no signers", top(signers=[], fields=[]), "signers"),
    ("bad email", signer(1, email="bob@"), "signers[1].email"),
    ("email with space", signer(0, email="ann lee@example.com"), "signers[0].email"),
    ("email without domain dot", signer(0, email="ann@localhost"), "signers[0].email"),
    ("phone letters", signer(1, phone="555-CALL-NOW"), "signers[1].phone"),
    ("phone too short", signer(1, phone="12345"), "signers[1].phone"),
    ("sms without phone", signer(0, delivery={Delivery.SMS}), "signers[0].phone"),
    ("email delivery without email", signer(0, email=None), "signers[0].email"),
    ("no delivery", signer(0, delivery=set()), "signers[0].delivery"),
    ("empty first name", signer(0, first_name=""), "signers[0].first_name"),
    ("long last name", signer(1, last_name="R" * 101), "signers[1].last_name"),
    ("bad language", signer(0, language="English"), "signers[0].language"),
    ("duplicate signer key", signer(1, key="ann"), "signers[1].key"),
    ("field signer unknown key", field(0, signer="zed"), "fields[0].signer"),
    ("field signer index out of range", field(1, signer=7), "fields[1].signer"),
    ("field document out of range", field(0, document=3), "fields[0].document"),
    ("page zero", placement(0, page=0), "fields[0].placement.page"),
    ("page past the end", placement(1, page=3), "fields[1].placement.page"),
    ("negative x", placement(0, x=-1), "fields[0].placement.x"),
    ("nan y", placement(0, y=math.nan), "fields[0].placement.y"),
    ("infinite x", placement(0, x=math.inf), "fields[0].placement.x"),
    ("zero width", placement(0, width=0), "fields[0].placement.width"),
    ("negative height", placement(1, height=-5), "fields[1].placement.height"),
    ("outside the page", placement(0, x=600, width=100), "fields[0].placement"),
    ("naive sign_by", top(sign_by=datetime(2030, 1, 1)), "sign_by"),
    ("sign_by in the past", top(sign_by=datetime.now(UTC) - timedelta(days=1)), "sign_by"),
    ("empty document content", document(0, content=b""), "documents[0].content"),
    ("not a pdf", document(0, content=b"PK\x03\x04 docx inside"), "documents[0].content"),
    ("document without content", document(0, content=None), "documents[0].content"),
    ("empty document name", document(0, name=""), "documents[0].name"),
    ("damaged pdf", document(0, content=b"%PDF-1.4\ngarbage without xref"), "documents[0].content"),
    ("subject not text", top(subject=123), "subject"),
    ("email not text", signer(0, email=42), "signers[0].email"),
    ("phone as a number", signer(1, phone=5551234567), "signers[1].phone"),
    ("language not text", signer(0, language=1), "signers[0].language"),
    ("a file name instead of a Document", top(documents=["nda.pdf"]), "documents[0]"),
    ("a dict instead of a Signer", top(signers=[{"first_name": "Ann"}], fields=[]), "signers[0]"),
    ("placement as a dict", field(0, placement={"page": 1, "x": 1, "y": 1}), "fields[0].placement"),
    # None is no key: it must not pick the first signer that has no key.
    ("field signer None", lambda e: field(0, signer=None)(signer(0, key=None)(e)), "fields[0].signer"),
]


@pytest.mark.parametrize(("case", "change", "path"), BAD, ids=[b[0] for b in BAD])
def test_refused_with_path(case: str, change: Change, path: str) -> None:
    bad = change(envelope())
    with pytest.raises(signport.ValidationError) as info:
        validate_envelope(bad)
    assert info.value.path == path, info.value.errors
    assert path in str(info.value)


def test_at_least_25_distinct_cases() -> None:
    assert len({b[0] for b in BAD}) >= 25


def test_every_problem_is_reported() -> None:
    bad = signer(0, email="x")(signer(1, phone="1")(envelope()))
    with pytest.raises(signport.ValidationError) as info:
        validate_envelope(bad)
    assert [p for p, _ in info.value.errors] == ["signers[0].email", "signers[1].phone"]


def test_nothing_stored_when_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with signport.connect("local", path=store) as client:
        for _, change, _ in BAD:
            with pytest.raises(signport.ValidationError):
                client.send(change(envelope(client.capabilities)))
            with pytest.raises(signport.ValidationError):
                client.create_draft(change(envelope(client.capabilities)))
        assert list(client.list()) == []
    assert not [p for p in store.rglob("*.pdf")]


@pytest.mark.parametrize("make", [
    lambda d: d / "missing.pdf",
    lambda d: d,
    lambda d: write(d / "empty.pdf", b""),
    lambda d: write(d / "letter.pdf", b"PK\x03\x04word/document.xml"),
], ids=["missing", "directory", "zero bytes", "docx renamed pdf"])
def test_from_path_refuses(make: Callable[[Path], Path], tmp_path: Path) -> None:
    with pytest.raises(signport.ValidationError) as info:
        Document.from_path(make(tmp_path))
    assert info.value.path == "path"


def test_from_path_keeps_the_file_on_disk(tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(make_pdf(1))
    doc = Document.from_path(pdf)
    assert doc.content is None
    assert doc.path == pdf
    assert doc.name == "a.pdf"
    validate_envelope(Envelope(subject="s", documents=[doc], signers=[Signer("A", "B", email="a@b.co")]))


def test_encrypted_pdf_refused() -> None:
    doc = Document.from_path(shared("libreoffice-writer-password.pdf"))
    with pytest.raises(signport.ValidationError) as info:
        validate_envelope(Envelope(subject="s", documents=[doc], signers=[Signer("A", "B", email="a@b.co")]))
    assert info.value.path == "documents[0].content"
    assert "encrypted" in str(info.value)


def test_damaged_pdf_refused() -> None:
    doc = Document.from_path(shared("unreadablemetadata.pdf"))
    with pytest.raises(signport.ValidationError) as info:
        validate_envelope(Envelope(subject="s", documents=[doc], signers=[Signer("A", "B", email="a@b.co")]))
    assert "damaged" in str(info.value)


def test_page_out_of_range_on_a_real_pdf() -> None:
    doc = Document.from_path(shared("pdflatex-4-pages.pdf"))
    ok = Envelope(subject="s", documents=[doc], signers=[Signer("A", "B", email="a@b.co")],
                  fields=[Field(type=FieldType.SIGNATURE, signer=0, placement=Placement(4, 10, 10, 100, 30))])
    validate_envelope(ok)
    with pytest.raises(signport.ValidationError) as info:
        validate_envelope(placement(0, page=5)(ok))
    assert info.value.path == "fields[0].placement.page"


def test_rotated_page_uses_the_visible_size() -> None:
    doc = Document.from_path(shared("habibi-rotated.pdf"))
    # Page 1 is rotated 90 degrees: a reader sees it landscape (842 wide, 595 high).
    wide = Envelope(subject="s", documents=[doc], signers=[Signer("A", "B", email="a@b.co")],
                    fields=[Field(type=FieldType.SIGNATURE, signer=0, placement=Placement(1, 700, 10, 100, 30))])
    validate_envelope(wide)
    with pytest.raises(signport.ValidationError):
        validate_envelope(placement(0, x=10, y=700)(wide))


def test_good_envelope_passes() -> None:
    validate_envelope(envelope())
