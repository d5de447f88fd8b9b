"""Executed PDFs and audit trails, drawn with reportlab and merged with pypdf.

Coordinates follow the neutral rule: PDF points, pages 1-based, origin at the
bottom-left of the page *as a reader sees it* (after ``/Rotate``, inside the crop
box). ``PageBox.matrix`` turns such a position into the page's own user space.

Everything here is pure file work with no knowledge of the store; the page
boxes come from ``signport.pdf``, which validation uses too.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import attrs
import pypdf
from pypdf.generic import ContentStream, NameObject

from signport.errors import ValidationError
from signport.pdf import PageBox, open_reader, page_box
from signport.states import FieldType
from signport.transport import atomic_file

#: Fonts registered once per process: Bitstream Vera (inside reportlab) for text, and Dancing Script
#: (shipped in ``fonts/``, SIL Open Font License) for signatures and initials.
FONT_TEXT = "SignportVera"
FONT_BOLD = "SignportVeraBold"
FONT_SCRIPT = "SignportScript"
SCRIPT_FONT_FILE = Path(__file__).resolve().with_name("fonts") / "DancingScript-Regular.ttf"
_FONT_FILES = {FONT_TEXT: "Vera.ttf", FONT_BOLD: "VeraBd.ttf", FONT_SCRIPT: str(SCRIPT_FONT_FILE)}
_fonts_lock = threading.Lock()
_fonts_ready = False

INK = (0.05, 0.16, 0.52)
GREY = (0.35, 0.35, 0.35)


# --- what to draw ------------------------------------------------------------------------------
@attrs.frozen(slots=True)
class Stamp:
    """One filled field: where (visible coordinates, 1-based page), what kind, and what to draw.

    ``text`` is the main line (a name, initials, a date, a value); ``note`` an optional small
    line under a signature (the signing time); ``checked`` is for checkboxes; ``image`` a drawn
    signature or initials (a PNG), drawn instead of ``text``.
    """

    page: int
    x: float
    y: float
    width: float
    height: float
    type: FieldType
    text: str = ""
    note: str | None = None
    checked: bool = True
    image: Path | None = None


@attrs.frozen(slots=True)
class SignatureLine:
    """A signer listed on an appended signature page (a signer without a field on the document)."""

    name: str
    email: str | None
    signed_at: datetime


@attrs.frozen(slots=True)
class AuditDocument:
    """A document as the audit trail lists it."""

    name: str
    id: str
    pages: int
    sha256: str
    executed_sha256: str | None = None


@attrs.frozen(slots=True)
class AuditSigner:
    """A signer as the audit trail lists it."""

    name: str
    email: str | None
    phone: str | None
    status: str
    signed_at: datetime | None = None
    declined_at: datetime | None = None
    decline_reason: str | None = None


@attrs.frozen(slots=True)
class AuditEntry:
    """One line of the trail: when, what, who (name and contact), and any detail (a reason)."""

    at: datetime
    what: str
    who: str | None = None
    detail: str | None = None


@attrs.frozen(slots=True)
class AuditTrail:
    """Everything an audit-trail PDF shows."""

    envelope_id: str
    subject: str
    status: str
    order: str
    created_at: datetime
    documents: Sequence[AuditDocument]
    signers: Sequence[AuditSigner]
    entries: Sequence[AuditEntry]
    generated_at: datetime


def timestamp(value: datetime) -> str:
    """``2030-01-01 12:00:00 UTC``."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def initials(name: str) -> str:
    """``Ann Lee`` -> ``A.L.``."""
    return "".join(f"{part[0].upper()}." for part in name.split() if part)


# --- drawing -----------------------------------------------------------------------------------
def _ensure_fonts() -> None:
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for name, filename in _FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, filename))
        _fonts_ready = True


def _string_width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase import pdfmetrics

    return float(pdfmetrics.stringWidth(text, font, size))


def _fit_size(text: str, font: str, width: float, height: float, largest: float) -> float:
    """The largest font size (at most ``largest``) at which ``text`` fits the box."""
    size = min(largest, height * 0.72)
    natural = _string_width(text, font, 1.0)
    if natural > 0:
        size = min(size, width / natural)
    return max(size, 3.0)


def _draw_text_in(canvas: Any, text: str, font: str, x: float, y: float, width: float, height: float,
                  *, largest: float, color: tuple[float, float, float] = INK) -> None:
    if not text:
        return
    pad = min(2.0, width * 0.05)
    size = _fit_size(text, font, width - 2 * pad, height, largest)
    canvas.setFillColorRGB(*color)
    canvas.setFont(font, size)
    baseline = y + (height - size * 0.72) / 2.0
    canvas.drawString(x + pad, baseline, text)


def _draw_image_in(canvas: Any, image: Path, x: float, y: float, width: float, height: float) -> None:
    """A PNG scaled to fit the box (aspect kept), centred, its transparency kept."""
    from reportlab.lib.utils import ImageReader

    reader = ImageReader(str(image))
    iw, ih = reader.getSize()
    if iw <= 0 or ih <= 0:
        return
    scale = min(width / iw, height / ih)
    dw, dh = iw * scale, ih * scale
    canvas.drawImage(reader, x + (width - dw) / 2.0, y + (height - dh) / 2.0, dw, dh, mask="auto")


def _draw_stamp(canvas: Any, stamp: Stamp) -> None:
    x, y, w, h = stamp.x, stamp.y, stamp.width, stamp.height
    canvas.saveState()
    path = canvas.beginPath()
    path.rect(x, y, w, h)
    canvas.clipPath(path, stroke=0, fill=0)
    if stamp.type is FieldType.CHECKBOX:
        if stamp.checked:
            side = min(w, h)
            cx, cy = x + (w - side) / 2.0, y + (h - side) / 2.0
            canvas.setStrokeColorRGB(*INK)
            canvas.setLineWidth(max(0.8, side * 0.12))
            tick = canvas.beginPath()
            tick.moveTo(cx + side * 0.18, cy + side * 0.52)
            tick.lineTo(cx + side * 0.42, cy + side * 0.24)
            tick.lineTo(cx + side * 0.84, cy + side * 0.82)
            canvas.drawPath(tick, stroke=1, fill=0)
    elif stamp.type in (FieldType.SIGNATURE, FieldType.INITIALS):
        note_h = 0.0
        if stamp.note and h >= 24:
            note_h = min(10.0, h * 0.28)
            _draw_text_in(canvas, stamp.note, FONT_TEXT, x, y, w, note_h, largest=7, color=GREY)
        if stamp.image is not None:
            _draw_image_in(canvas, stamp.image, x, y + note_h, w, h - note_h)
        else:
            _draw_text_in(canvas, stamp.text, FONT_SCRIPT, x, y + note_h, w, h - note_h, largest=40)
        canvas.setStrokeColorRGB(*GREY)
        canvas.setLineWidth(0.4)
        canvas.line(x + 1, y + note_h + 0.8, x + w - 1, y + note_h + 0.8)
    else:
        _draw_text_in(canvas, stamp.text, FONT_TEXT, x, y, w, h, largest=14)
    canvas.restoreState()


def _overlay(boxes: Sequence[PageBox], stamps: Sequence[Sequence[Stamp]]) -> pypdf.PdfReader:
    """One overlay page for each box with its stamps, already in that page's user space."""
    from reportlab.pdfgen.canvas import Canvas

    _ensure_fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, pageCompression=1, invariant=1)
    for box, on_page in zip(boxes, stamps, strict=True):
        raw_w, raw_h = (box.height, box.width) if box.rotation in (90, 270) else (box.width, box.height)
        canvas.setPageSize((box.left + raw_w, box.bottom + raw_h))
        canvas.transform(*box.matrix)
        for stamp in on_page:
            _draw_stamp(canvas, stamp)
        canvas.showPage()
    canvas.save()
    buf.seek(0)
    return pypdf.PdfReader(buf)


def _signature_page(width: float, height: float, document_name: str,
                    lines: Sequence[SignatureLine]) -> pypdf.PdfReader:
    """Pages listing signers who have no field on a document, so their names are on it."""
    from reportlab.pdfgen.canvas import Canvas

    _ensure_fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(width, height), pageCompression=1, invariant=1)
    margin = min(56.0, width * 0.1)
    usable = width - 2 * margin
    row = 64.0
    top = height - margin
    y = top

    def header() -> float:
        canvas.setFillColorRGB(0, 0, 0)
        _draw_text_in(canvas, "Signatures", FONT_BOLD, margin, top - 22, usable, 22, largest=16,
                      color=(0, 0, 0))
        _draw_text_in(canvas, document_name, FONT_TEXT, margin, top - 40, usable, 14, largest=10,
                      color=GREY)
        return top - 56

    y = header()
    for line in lines:
        if y - row < margin:
            canvas.showPage()
            y = header()
        _draw_text_in(canvas, line.name, FONT_SCRIPT, margin, y - 34, min(usable, 300), 34, largest=26)
        canvas.setStrokeColorRGB(*GREY)
        canvas.setLineWidth(0.5)
        canvas.line(margin, y - 36, margin + min(usable, 300), y - 36)
        contact = f"{line.name} <{line.email}>" if line.email else line.name
        _draw_text_in(canvas, f"{contact}, signed {timestamp(line.signed_at)}", FONT_TEXT,
                      margin, y - 52, usable, 13, largest=9, color=GREY)
        y -= row
    canvas.showPage()
    canvas.save()
    buf.seek(0)
    return pypdf.PdfReader(buf)


def _own_contents(page: pypdf.PageObject) -> None:
    """Give ``page`` a content stream of its own: pages may share one, and a merge must not leak."""
    contents = page.get_contents()
    if NameObject("/Contents") in page:
        del page[NameObject("/Contents")]
    if contents is not None:
        page.replace_contents(ContentStream(contents, page.pdf))


@contextlib.contextmanager
def room_for(*sources: Path) -> Iterator[None]:
    """pypdf's limits made big enough for ``sources``: what ``send`` accepted can always be stamped.

    pypdf refuses a stream declared longer than ``maximum_declared_stream_length`` (75 MB by default)
    to guard against a forged ``/Length``; validation at ``send`` reads only the pages, so a valid PDF
    carrying a large attachment was accepted and then failed every signature. No stream can be longer
    than the files holding it, so the limit is raised to their size: the guard still holds.
    """
    size = sum(source.stat().st_size for source in sources)
    if size <= pypdf.get_configuration().maximum_declared_stream_length:
        yield
        return
    with pypdf.apply_configuration(maximum_declared_stream_length=size):
        yield


class SourcePdf:
    """A stored PDF opened for one operation (see ``opened``): its pages' boxes, and stamped copies of it.

    Every copy is cloned from the same reader, so the file is parsed once however many copies are made.
    """

    def __init__(self, reader: pypdf.PdfReader) -> None:
        self.reader = reader
        self._boxes: dict[int, PageBox] = {}

    @property
    def pages(self) -> int:
        """How many pages the document has."""
        return len(self.reader.pages)

    def box(self, number: int) -> PageBox:
        """Page ``number``'s visible box (1-based)."""
        if number not in self._boxes:
            self._boxes[number] = page_box(number, self.reader.pages[number - 1])
        return self._boxes[number]

    def stamped(self, stamps: Sequence[Stamp], signature_lines: Sequence[SignatureLine] = (), *,
                name: str = "") -> pypdf.PdfWriter:
        """A copy with ``stamps`` drawn on it (one overlay, one merge per stamped page) and a signature
        page for ``signature_lines``. Form fields, annotations and metadata (PDF/A included) are kept."""
        pages = self.pages
        by_page: dict[int, list[Stamp]] = {}
        for stamp in stamps:
            if not 1 <= stamp.page <= pages:
                raise ValidationError(f"page {stamp.page} is past the end of the document "
                                      f"({pages} pages)", path="placement.page")
            by_page.setdefault(stamp.page, []).append(stamp)
        writer = pypdf.PdfWriter(clone_from=self.reader)
        if by_page:
            overlay = _overlay([self.box(n) for n in by_page], list(by_page.values()))
            for overlay_page, number in zip(overlay.pages, by_page, strict=True):
                page = writer.pages[number - 1]
                _own_contents(page)
                page.merge_page(overlay_page)
        if signature_lines:
            last = self.box(pages)
            for page in _signature_page(last.width, last.height, name, signature_lines).pages:
                writer.add_page(page)
        return writer


@contextlib.contextmanager
def opened(source: Path) -> Iterator[SourcePdf]:
    """``source`` opened once (with ``room_for`` it), for as many stamped copies as needed."""
    with room_for(source), source.open("rb") as fh:
        yield SourcePdf(open_reader(fh, "document"))


class _Digesting:
    """A binary file that hashes what is written to it (SHA-256)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.out.write(data)

    def tell(self) -> int:
        return self.out.tell()

    def flush(self) -> None:
        self.out.flush()


def write_pdf(pdf: pypdf.PdfWriter, out: IO[bytes]) -> str:
    """Write ``pdf`` to ``out``; returns the SHA-256 of what was written (no need to read it back)."""
    digesting = _Digesting(out)
    pdf.write(cast(IO[bytes], digesting))
    return digesting.digest.hexdigest()


def stamp_pdf(source: Path, dest: Path, stamps: Sequence[Stamp],
              signature_lines: Sequence[SignatureLine] = (), *, name: str = "") -> str:
    """Write ``source`` with ``stamps`` drawn on it (and a signature page for ``signature_lines``) to ``dest``,
    which appears only once complete; returns its SHA-256."""
    with opened(source) as pdf, atomic_file(dest, durable=True) as out:
        return write_pdf(pdf.stamped(stamps, signature_lines, name=name), out)


def render_audit(trail: AuditTrail, dest: Path) -> None:
    """Write the audit-trail PDF (who, what, when, document hashes) to ``dest``."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    _ensure_fonts()
    width, height = A4
    margin = 50.0
    usable = width - 2 * margin
    with atomic_file(dest, durable=True) as out:
        canvas = Canvas(out, pagesize=A4, pageCompression=1, invariant=1)
        canvas.setTitle(f"Audit trail: {trail.subject}")
        canvas.setAuthor("signport local")
        canvas.setSubject(trail.envelope_id)
        page = 1
        y = height - margin

        def footer() -> None:
            canvas.setFont(FONT_TEXT, 7)
            canvas.setFillColorRGB(*GREY)
            canvas.drawString(margin, margin / 2,
                              f"Envelope {trail.envelope_id} - audit trail generated "
                              f"{timestamp(trail.generated_at)} - page {page}")

        def write(text: str, *, font: str = FONT_TEXT, size: float = 9.0, indent: float = 0.0,
                  gap: float = 2.0, color: tuple[float, float, float] = (0, 0, 0)) -> None:
            nonlocal y, page
            for part in simpleSplit(text, font, size, usable - indent) or [""]:
                if y - size < margin:
                    footer()
                    canvas.showPage()
                    page += 1
                    y = height - margin
                canvas.setFont(font, size)
                canvas.setFillColorRGB(*color)
                canvas.drawString(margin + indent, y - size, part)
                y -= size + gap

        write("Audit trail", font=FONT_BOLD, size=18, gap=8)
        write(f"Subject: {trail.subject}", size=11)
        write(f"Envelope id: {trail.envelope_id}")
        write(f"Status: {trail.status}    Signing order: {trail.order}")
        write(f"Created: {timestamp(trail.created_at)}", gap=10)

        write("Documents", font=FONT_BOLD, size=12, gap=4)
        for doc in trail.documents:
            write(f"{doc.name} ({doc.pages} page{'s' if doc.pages != 1 else ''}, id {doc.id})", indent=8)
            write(f"SHA-256 original: {doc.sha256}", indent=16, size=8, color=GREY)
            if doc.executed_sha256:
                write(f"SHA-256 executed: {doc.executed_sha256}", indent=16, size=8, color=GREY)
        y -= 6

        write("Signers", font=FONT_BOLD, size=12, gap=4)
        for signer in trail.signers:
            contact = ", ".join(c for c in (signer.email, signer.phone) if c)
            write(f"{signer.name}" + (f" <{contact}>" if contact else "") + f": {signer.status}", indent=8)
            if signer.signed_at:
                write(f"signed {timestamp(signer.signed_at)}", indent=16, size=8, color=GREY)
            if signer.declined_at:
                reason = f": {signer.decline_reason}" if signer.decline_reason else ""
                write(f"declined {timestamp(signer.declined_at)}{reason}", indent=16, size=8, color=GREY)
        y -= 6

        write("Events", font=FONT_BOLD, size=12, gap=4)
        for entry in trail.entries:
            line = f"{timestamp(entry.at)}  {entry.what}"
            if entry.who:
                line += f" - {entry.who}"
            if entry.detail:
                line += f" ({entry.detail})"
            write(line, indent=8)
        footer()
        canvas.showPage()
        canvas.save()
