"""Executed PDFs, audit trails and PDF checks, on the real-world PDFs in tests/data/pdfs."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest

import signport
from signport import Document, DocumentKind, Envelope, Field, FieldType, Placement, Signer, SigningOrder
from signport.pdf import PageBox, pdf_pages
from signport.provider import run_pure
from signport.validation import validate_envelope
from signport_local import stamping
from signport_local.provider import LocalProvider
from signport_local.stamping import Stamp

from ...samples import SHARED_PDFS, ann, bob, make_pdf

HABIBI = SHARED_PDFS / "habibi-rotated.pdf"
FOUR_PAGES = SHARED_PDFS / "pdflatex-4-pages.pdf"
PDFA = SHARED_PDFS / "crazyones-pdfa.pdf"
FORMS = SHARED_PDFS / "pdflatex-forms.pdf"
ANNOTATED = SHARED_PDFS / "annotated_pdf.pdf"
ENCRYPTED = SHARED_PDFS / "libreoffice-writer-password.pdf"
DAMAGED = SHARED_PDFS / "unreadablemetadata.pdf"
A4 = (595.275591, 841.889764)


def box(**kw: float) -> Placement:
    return Placement(**kw)  # type: ignore[arg-type]


def texts(page: pypdf.PageObject) -> list[tuple[str, float, float, float, float]]:
    """Text runs as a reader sees them: (text, x, y, dx, dy) in visible coordinates, (dx, dy) the
    direction of the text's baseline. pypdf's own ``transfer_rotation_to_content`` turns the page."""
    writer = pypdf.PdfWriter()
    writer.add_page(page)
    turned = writer.pages[0]
    turned.transfer_rotation_to_content()
    left, bottom = float(turned.cropbox.left), float(turned.cropbox.bottom)
    found: list[tuple[str, float, float, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4] - left
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5] - bottom
            dx = tm[0] * cm[0] + tm[1] * cm[2]
            dy = tm[0] * cm[1] + tm[1] * cm[3]
            found.append((text.strip(), x, y, dx, dy))

    turned.extract_text(visitor_text=visit)
    return found


def assert_upright_inside(page: pypdf.PageObject, text: str, where: Placement) -> None:
    runs = [r for r in texts(page) if r[0] == text]
    assert runs, f"{text!r} not on the page: {texts(page)}"
    _, x, y, dx, dy = runs[0]
    assert where.x <= x <= where.x + where.width, (text, x, where)
    assert where.y <= y <= where.y + where.height, (text, y, where)
    assert dx > 0, "text runs backwards for the reader"
    assert abs(dy) < 1e-6 * dx, "text is not level for the reader"


def all_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(path).pages)


def complete(client: signport.Client, env: Envelope, values: dict[str, Any] | None = None) -> signport.Envelope:
    sent = client.send(env)
    provider = client.provider
    assert isinstance(provider, LocalProvider)
    for signer in sent.signers:
        provider.sign(sent.id or "", signer.id or "", values)
    return client.get(sent.id or "")


# --- pdf_pages -----------------------------------------------------------------------------------
def test_pdf_pages_sizes_and_rotation() -> None:
    pages = pdf_pages(HABIBI)
    assert [p.rotation for p in pages] == [90, 180, 270, 0]
    assert [(round(p.width, 2), round(p.height, 2)) for p in pages] == [
        (841.89, 595.28), (595.28, 841.89), (841.89, 595.28), (595.28, 841.89)]
    assert [(p.width, p.height) for p in pdf_pages(SHARED_PDFS / "google-doc-document.pdf")] == [(596, 842)]
    assert [(p.width, p.height) for p in pdf_pages(PDFA)] == [(612, 792)]
    assert len(pdf_pages(FOUR_PAGES)) == 4
    data = FOUR_PAGES.read_bytes()
    assert len(pdf_pages(data)) == len(pdf_pages(io.BytesIO(data))) == len(
        pdf_pages(Document(name="x.pdf", content=data))) == 4


@pytest.mark.parametrize(("rotation", "expected"), [
    (0, (50.0, 60.0)), (90, (A4[0] - 60, 50.0)), (180, (A4[0] - 50, A4[1] - 60)), (270, (60.0, A4[1] - 50))])
def test_visible_point_to_user_space(rotation: int, expected: tuple[float, float]) -> None:
    w, h = (A4[1], A4[0]) if rotation in (90, 270) else A4
    page = PageBox(number=1, width=w, height=h, rotation=rotation)
    assert page.to_user(50, 60) == pytest.approx(expected)
    shifted = PageBox(number=1, width=w, height=h, rotation=rotation, left=10, bottom=20)
    assert shifted.to_user(50, 60) == pytest.approx((expected[0] + 10, expected[1] + 20))


@pytest.mark.parametrize(("path", "words"), [(ENCRYPTED, "encrypted"), (DAMAGED, "damaged")])
def test_pdf_pages_refuses_unreadable(path: Path, words: str) -> None:
    with pytest.raises(signport.ValidationError, match=words) as info:
        pdf_pages(path, path="documents[0]")
    assert info.value.path == "documents[0]"


def test_pdf_pages_refuses_garbage() -> None:
    with pytest.raises(signport.ValidationError):
        pdf_pages(b"%PDF-1.4\nnot really a pdf")


# --- placement on rotated pages ------------------------------------------------------------------
def test_stamps_land_where_a_reader_sees_them(tmp_path: Path) -> None:
    where = box(page=1, x=50, y=60, width=220, height=40)
    stamps = [Stamp(page=n, x=where.x, y=where.y, width=where.width, height=where.height,
                    type=FieldType.NAME, text=f"Mark{n}") for n in range(1, 5)]
    out = tmp_path / "out.pdf"
    stamping.stamp_pdf(HABIBI, out, stamps)
    reader = pypdf.PdfReader(out)
    assert [p.rotation % 360 for p in reader.pages] == [90, 180, 270, 0]
    for n, page in enumerate(reader.pages, start=1):
        assert_upright_inside(page, f"Mark{n}", where)
        others = {f"Mark{m}" for m in range(1, 5)} - {f"Mark{n}"}
        assert not others & {t[0] for t in texts(page)}, "a stamp leaked onto another page"


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_crop_box_offset_and_rotation(tmp_path: Path, rotation: int) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf(1))))
    page = writer.pages[0]
    page.cropbox = pypdf.generic.RectangleObject([50, 100, 450, 700])  # 400 x 600 inside the media box
    page.rotate(rotation)
    source = tmp_path / "cropped.pdf"
    with source.open("wb") as fh:
        writer.write(fh)
    [seen] = pdf_pages(source)
    assert (seen.width, seen.height) == ((600, 400) if rotation in (90, 270) else (400, 600))
    assert (seen.left, seen.bottom) == (50, 100)
    where = box(page=1, x=10, y=12, width=150, height=30)
    stamping.stamp_pdf(source, tmp_path / "out.pdf", [Stamp(page=1, x=10, y=12, width=150, height=30,
                                                             type=FieldType.NAME, text="Cropped")])
    assert_upright_inside(pypdf.PdfReader(tmp_path / "out.pdf").pages[0], "Cropped", where)


def test_signature_fields_on_rotated_pages_through_the_provider(client: signport.Client,
                                                                tmp_path: Path) -> None:
    places = [box(page=1, x=700, y=500, width=120, height=60),   # only fits the 841-wide visible page
              box(page=2, x=20, y=20, width=200, height=50),
              box(page=3, x=400, y=300, width=200, height=50),
              box(page=4, x=300, y=700, width=200, height=50)]
    env = Envelope(subject="Rotated", documents=[Document.from_path(HABIBI)], signers=[ann()],
                   fields=[Field(type=FieldType.SIGNATURE, signer=0, placement=p) for p in places])
    done = complete(client, env)
    [path] = client.download(done.id or "", to=tmp_path / "out", kind=DocumentKind.EXECUTED)
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 4  # Ann has a field: no signature page
    for page, where in zip(reader.pages, places, strict=True):
        assert_upright_inside(page, "Ann Lee", where)


def test_placement_is_checked_against_the_visible_page(client: signport.Client,
                                                       provider: LocalProvider) -> None:
    wide = box(page=2, x=700, y=500, width=120, height=60)  # page 2 is 595 wide as seen
    env = Envelope(subject="Rotated", documents=[Document.from_path(HABIBI)], signers=[ann()],
                   fields=[Field(type=FieldType.SIGNATURE, signer=0, placement=wide)])
    with pytest.raises(signport.ValidationError) as info:
        validate_envelope(env)
    assert info.value.path == "fields[0].placement"
    with pytest.raises(signport.ValidationError):
        client.send(env)
    tall = box(page=1, x=10, y=700, width=50, height=50)  # page 1 is 595 tall as seen
    with pytest.raises(signport.ValidationError):
        validate_envelope(Envelope(subject="R", documents=[Document.from_path(HABIBI)], signers=[ann()],
                                   fields=[Field(type=FieldType.SIGNATURE, signer=0, placement=tall)]))


# --- refusals: encrypted, damaged, out-of-range page ----------------------------------------------
@pytest.mark.parametrize(("path", "words"), [(ENCRYPTED, "encrypted"), (DAMAGED, "damaged")])
def test_unreadable_pdfs_refused_before_anything_is_stored(client: signport.Client, provider: LocalProvider,
                                                          store_path: Path, path: Path, words: str) -> None:
    env = Envelope(subject="Bad", documents=[Document.from_path(path)], signers=[ann()])
    with pytest.raises(signport.ValidationError, match=words) as info:
        client.send(env)
    assert (info.value.path or "").startswith("documents[0]")
    with pytest.raises(signport.ValidationError, match=words):
        validate_envelope(env)
    with pytest.raises(signport.ValidationError, match=words):  # the flow alone refuses too
        run_pure(provider.create(env, send=True, extras={}))
    assert list(client.list()) == []
    assert list((store_path / "envelopes").iterdir()) == []


def test_unreadable_pdf_refused_in_update_draft(client: signport.Client, store_path: Path) -> None:
    draft = client.create_draft(Envelope(subject="D", documents=[Document(name="a.pdf", content=make_pdf(1))],
                                         signers=[ann()]))
    with pytest.raises(signport.ValidationError, match="encrypted"):
        run_pure(client.provider.update_draft(draft.id or "", signport.DraftUpdate(
            add_documents=[Document.from_path(ENCRYPTED)]), {}))
    assert len(list((store_path / "envelopes" / (draft.id or "")).iterdir())) == 1
    assert len(client.get(draft.id or "").documents) == 1


def test_field_on_page_five_of_four_refused(client: signport.Client, provider: LocalProvider,
                                            store_path: Path) -> None:
    env = Envelope(subject="Pages", documents=[Document.from_path(FOUR_PAGES)], signers=[ann()],
                   fields=[Field(type=FieldType.SIGNATURE, signer=0,
                                 placement=box(page=5, x=100, y=100, width=100, height=30))])
    with pytest.raises(signport.ValidationError) as info:
        client.send(env)
    assert info.value.path == "fields[0].placement.page"
    with pytest.raises(signport.ValidationError) as info:
        run_pure(provider.create(env, send=False, extras={}))
    assert info.value.path == "fields[0].placement.page"
    assert list((store_path / "envelopes").iterdir()) == []
    ok = Envelope(subject="Pages", documents=[Document.from_path(FOUR_PAGES)], signers=[ann()],
                  fields=[Field(type=FieldType.SIGNATURE, signer=0,
                                placement=box(page=4, x=100, y=100, width=100, height=30))])
    assert client.send(ok).fields[0].placement.page == 4


# --- what survives stamping ----------------------------------------------------------------------
def test_pdfa_stays_readable_and_identified(client: signport.Client, tmp_path: Path) -> None:
    original = pypdf.PdfReader(PDFA)
    before = original.pages[0].extract_text()
    env = Envelope(subject="PDF/A", documents=[Document.from_path(PDFA)], signers=[ann()],
                   fields=[Field(type=FieldType.SIGNATURE, signer=0,
                                 placement=box(page=1, x=300, y=40, width=200, height=50))])
    done = complete(client, env)
    [path] = client.download(done.id or "", to=tmp_path / "out", kind=DocumentKind.EXECUTED)
    reader = pypdf.PdfReader(path, strict=True)
    root = reader.trailer["/Root"]
    assert b"pdfaid" in root["/Metadata"].get_object().get_data()
    assert "/OutputIntents" in root
    after = reader.pages[0].extract_text()
    assert before.split()[:5] == after.split()[:5]
    assert "Ann Lee" in after


def test_forms_and_annotations_survive(client: signport.Client, tmp_path: Path) -> None:
    for source in (FORMS, ANNOTATED):
        original = pypdf.PdfReader(source)
        fields_before = sorted(original.get_fields() or {})
        annots_before = [a.get_object()["/Subtype"] for a in original.pages[0].get("/Annots", [])]
        env = Envelope(subject="Forms", documents=[Document.from_path(source)], signers=[ann()],
                       fields=[Field(type=FieldType.SIGNATURE, signer=0,
                                     placement=box(page=1, x=50, y=40, width=200, height=40))])
        done = complete(client, env)
        [path] = client.download(done.id or "", to=tmp_path / source.stem, kind=DocumentKind.EXECUTED)
        reader = pypdf.PdfReader(path)
        assert sorted(reader.get_fields() or {}) == fields_before
        assert [a.get_object()["/Subtype"] for a in reader.pages[0].get("/Annots", [])] == annots_before
        assert annots_before
        assert "Ann Lee" in reader.pages[0].extract_text()


# --- executed PDFs: every signer's name -----------------------------------------------------------
def test_executed_pdf_carries_both_signers_names(client: signport.Client, tmp_path: Path) -> None:
    env = Envelope(subject="NDA", documents=[Document.from_path(FOUR_PAGES)], signers=[ann(), bob()],
                   order=SigningOrder.SEQUENTIAL,
                   fields=[Field(type=FieldType.SIGNATURE, signer="ann",
                                 placement=box(page=2, x=100, y=200, width=200, height=50))])
    done = complete(client, env)
    [path] = client.download(done.id or "", to=tmp_path / "out", kind=DocumentKind.EXECUTED)
    text = all_text(path)
    assert "Ann Lee" in text
    assert "Bob Ray" in text
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 5  # Bob has no field: a signature page is added
    last = reader.pages[-1].extract_text()
    assert "Bob Ray" in last
    assert "bob@example.com" in last
    assert "Ann Lee" not in last
    assert_upright_inside(reader.pages[1], "Ann Lee", box(page=2, x=100, y=200, width=200, height=50))
    bob_signed = done.signers[1].signed_at
    assert bob_signed is not None
    assert stamping.timestamp(bob_signed) in last


def test_every_field_type_is_drawn(client: signport.Client, tmp_path: Path) -> None:
    kinds = [FieldType.SIGNATURE, FieldType.INITIALS, FieldType.DATE, FieldType.NAME, FieldType.TEXT,
             FieldType.CHECKBOX]
    places = {k: box(page=1, x=60, y=80 + 90 * i, width=220, height=40) for i, k in enumerate(kinds)}
    env = Envelope(subject="Types", documents=[Document(name="t.pdf", content=make_pdf(1))], signers=[ann()],
                   fields=[Field(type=k, signer=0, placement=p) for k, p in places.items()])
    sent = client.send(env)
    field_ids = {k: sent.fields[i].id or "" for i, k in enumerate(kinds)}
    provider = client.provider
    assert isinstance(provider, LocalProvider)
    with pytest.raises(signport.ValidationError):  # a typed signature is text
        provider.sign(sent.id or "", sent.signers[0].id or "", {field_ids[FieldType.SIGNATURE]: True})
    with pytest.raises(signport.ValidationError):
        provider.sign(sent.id or "", sent.signers[0].id or "", {"nope": "x"})
    done = provider.sign(sent.id or "", sent.signers[0].id or "",
                         {field_ids[FieldType.TEXT]: "ACME Corp", field_ids[FieldType.CHECKBOX]: True})
    [path] = client.download(done.id or "", to=tmp_path / "out", kind=DocumentKind.EXECUTED)
    page = pypdf.PdfReader(path).pages[0]
    signed_at = done.signers[0].signed_at
    assert signed_at is not None
    assert_upright_inside(page, "Ann Lee", places[FieldType.SIGNATURE])
    assert_upright_inside(page, "A.L.", places[FieldType.INITIALS])
    assert_upright_inside(page, signed_at.astimezone(UTC).strftime("%Y-%m-%d"), places[FieldType.DATE])
    assert_upright_inside(page, "ACME Corp", places[FieldType.TEXT])
    assert [t[0] for t in texts(page)].count("Ann Lee") == 2  # signature and name fields
    assert any(t[0] == f"signed {stamping.timestamp(signed_at)}" for t in texts(page))
    assert page.get_contents() is not None
    assert len(pypdf.PdfReader(path).pages) == 1


def test_many_signers_without_fields_fill_several_pages(tmp_path: Path) -> None:
    when = datetime(2030, 1, 1, tzinfo=UTC)
    lines = [stamping.SignatureLine(f"Signer{i} Person", f"s{i}@example.com", when) for i in range(25)]
    source = tmp_path / "in.pdf"
    source.write_bytes(make_pdf(1))
    stamping.stamp_pdf(source, tmp_path / "out.pdf", [], lines, name="in.pdf")
    reader = pypdf.PdfReader(tmp_path / "out.pdf")
    assert len(reader.pages) > 2
    text = all_text(tmp_path / "out.pdf")
    assert all(f"Signer{i} Person <s{i}@example.com>" in text for i in range(25))


# --- audit trail and combined --------------------------------------------------------------------
def test_audit_trail_of_a_completed_envelope(client: signport.Client, tmp_path: Path) -> None:
    pdf = make_pdf(2)
    env = Envelope(subject="Audit me", documents=[Document(name="deal.pdf", content=pdf)],
                   signers=[ann(), bob()], order=SigningOrder.SEQUENTIAL)
    done = complete(client, env)
    [audit] = client.download(done.id or "", to=tmp_path / "out", kind=DocumentKind.AUDIT)
    text = all_text(audit)
    for needle in ("Audit trail", "Audit me", done.id or "", "deal.pdf", "ann@example.com", "bob@example.com",
                   "Envelope created", "Sent for signature", "Signed - Ann Lee", "Signed - Bob Ray",
                   "Envelope completed", hashlib.sha256(pdf).hexdigest()):
        assert needle in text, needle
    [executed] = client.download(done.id or "", to=tmp_path / "out", kind=DocumentKind.EXECUTED)
    assert hashlib.sha256(executed.read_bytes()).hexdigest() in text
    for signer in done.signers:
        assert signer.signed_at is not None
        assert stamping.timestamp(signer.signed_at) in text
    [combined] = client.download(done.id or "", to=tmp_path / "out", kind=DocumentKind.COMBINED)
    # COMBINED is the executed documents in one file; the audit trail is a kind of its own.
    pages = [page.extract_text() for page in pypdf.PdfReader(combined).pages]
    assert pages == [page.extract_text() for page in pypdf.PdfReader(executed).pages]
    assert not any("Audit trail" in text for text in pages)


def test_audit_trail_of_declined_and_voided(client: signport.Client, tmp_path: Path) -> None:
    provider = client.provider
    assert isinstance(provider, LocalProvider)
    env = Envelope(subject="No deal", documents=[Document(name="a.pdf", content=make_pdf(1))],
                   signers=[ann(), Signer(first_name="Bob", last_name="Ray", email="bob@example.com")])
    declined = client.send(env)
    provider.decline(declined.id or "", declined.signers[1].id or "", "Price too high")
    [audit] = client.download(declined.id or "", to=tmp_path / "d", kind=DocumentKind.AUDIT)
    text = all_text(audit)
    assert "Declined - Bob Ray <bob@example.com> (Price too high)" in text
    assert "Envelope declined" in text
    voided = client.send(env)
    client.void(voided.id or "", reason="Wrong party")
    [audit] = client.download(voided.id or "", to=tmp_path / "v", kind=DocumentKind.AUDIT)
    assert "Envelope voided (Wrong party)" in all_text(audit)


def test_long_audit_trail_paginates(tmp_path: Path) -> None:
    when = datetime(2030, 1, 1, tzinfo=UTC)
    trail = stamping.AuditTrail(
        envelope_id="e" * 32, subject="Long " * 40, status="completed", order="parallel", created_at=when,
        documents=[stamping.AuditDocument(name="a.pdf", id="d", pages=1, sha256="0" * 64)],
        signers=[stamping.AuditSigner(name="Ann Lee", email="ann@example.com", phone=None, status="signed",
                                      signed_at=when)],
        entries=[stamping.AuditEntry(at=when, what=f"Event {i}", who="Ann Lee <ann@example.com>")
                 for i in range(120)],
        generated_at=when)
    stamping.render_audit(trail, tmp_path / "audit.pdf")
    reader = pypdf.PdfReader(tmp_path / "audit.pdf")
    assert len(reader.pages) >= 2
    text = all_text(tmp_path / "audit.pdf")
    assert "Event 0 " in text
    assert "Event 119 " in text
    assert "page 2" in reader.pages[1].extract_text()


def test_signer_copies_carry_only_that_signers_signature(client: signport.Client, tmp_path: Path) -> None:
    env = Envelope(subject="Copies", signers=[ann(), bob()],
                   documents=[Document(name="deal.pdf", content=make_pdf(2)),
                              Document(name="annex.pdf", content=make_pdf(1))],
                   fields=[Field(type=FieldType.SIGNATURE, signer="ann", document=0,
                                 placement=Placement(page=1, x=72, y=72, width=200, height=40))])
    done = complete(client, env)
    copies = client.download(done, to=tmp_path / "out", kind=DocumentKind.SIGNER_COPIES)
    assert [p.name for p in copies] == ["deal-Ann Lee.pdf", "deal-Bob Ray.pdf", "annex-Ann Lee.pdf",
                                        "annex-Bob Ray.pdf"]
    # Ann signs deal.pdf in her field (no extra page); everyone else gets a signature page.
    assert [len(pypdf.PdfReader(p).pages) for p in copies] == [2, 3, 2, 2]
    texts = [all_text(p) for p in copies]
    assert "Ann Lee" in texts[0]
    assert "Bob Ray" not in texts[0]
    assert "Bob Ray" in texts[1]
    assert "Ann Lee" not in texts[1]
    assert "Bob Ray" not in texts[2]
    assert "Ann Lee" not in texts[3]
