"""Sample inputs shared by the test suites: generated PDFs and envelopes."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import signport
from signport import Delivery, Document, Envelope, Field, FieldType, Placement, Signer, SigningOrder

DATA = Path(__file__).resolve().parent / "data"
#: Real-world PDFs (CC-BY-SA-4.0, py-pdf/sample-files; see data/pdfs/README.md).
SHARED_PDFS = DATA / "pdfs"
#: Documented vendor example payloads (see each folder's README for the sources).
VENDOR_EXAMPLES = DATA / "vendor-examples"


def make_pdf(pages: int = 2, title: str = "Sample agreement") -> bytes:
    """A small, valid, deterministic PDF with ``pages`` US-Letter pages."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1)
    for n in range(1, pages + 1):
        c.setFont("Helvetica", 14)
        c.drawString(72, 720, f"{title}, page {n} of {pages}")
        c.showPage()
    c.save()
    return buf.getvalue()


def ann(**kw: object) -> Signer:
    return Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann", **kw)  # type: ignore[arg-type]


def bob(**kw: object) -> Signer:
    return Signer(first_name="Bob", last_name="Ray", email="bob@example.com", phone="5551234567", key="bob",
                  **kw)  # type: ignore[arg-type]


def envelope(caps: signport.Capabilities | None = None, *, order: SigningOrder = SigningOrder.PARALLEL,
             subject: str = "NDA", fields: bool = True, sign_by: bool = True, message: bool = True) -> Envelope:
    """A two-signer envelope, trimmed to what ``caps`` supports."""
    with_fields = fields and (caps is None or FieldType.SIGNATURE in caps.field_types)
    return Envelope(
        subject=subject,
        documents=[Document(name="nda.pdf", content=make_pdf(2))],
        signers=[ann(), bob(delivery={Delivery.EMAIL})],
        fields=[
            Field(type=FieldType.SIGNATURE, signer="ann", document=0,
                  placement=Placement(page=1, x=100, y=200, width=200, height=50)),
            Field(type=FieldType.SIGNATURE, signer="bob", document=0,
                  placement=Placement(page=2, x=100, y=200, width=200, height=50)),
        ] if with_fields else [],
        order=order,
        sign_by=(datetime.now(UTC) + timedelta(days=30)) if sign_by and (caps is None or caps.sign_by) else None,
        message="Please sign" if message and (caps is None or caps.message) else None,
    )
