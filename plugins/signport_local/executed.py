"""The executed documents of a completed envelope: stamped PDFs, the audit trail, the combined PDF.

What to draw comes from the envelope's record and events; ``stamping.py`` draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pypdf

from signport.errors import ProviderError, SignportError
from signport.states import FieldType
from signport.transport import atomic_file

from . import stamping
from .documents import link_or_copy
from .states import AUDIT_TEXT
from .store import NAME, DocumentRecord, EnvelopeRecord, EventRecord, FieldRecord, SignerRecord, Store

AUDIT_FILE = "audit.pdf"
COMBINED_FILE = "combined.pdf"


def render_executed(store: Store, record: EnvelopeRecord, new_events: Sequence[EventRecord],
                    now: datetime) -> None:
    """Write every executed PDF, the audit trail and the combined PDF of a completed envelope.

    Each original is read once; each executed PDF is hashed as it is written (the audit trail lists
    the hashes); the combined PDF is built from the executed documents in memory, and for a single
    document it is that document's file.
    """
    folder = store.executed_dir(record.id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        combined = pypdf.PdfWriter() if len(record.documents) != 1 else None
        for document in record.documents:
            stamps, lines = document_stamps(store, record, document, record.signers, now)
            with stamping.opened(store.document_path(record.id, document.id)) as source:
                executed = source.stamped(stamps, lines, name=document.name)
                with atomic_file(folder / f"{document.id}.pdf", durable=True) as out:
                    document.executed_sha256 = stamping.write_pdf(executed, out)
                if combined is not None:  # pypdf appends a document in memory as it appends a file's
                    combined.append(executed)  # type: ignore[arg-type]
        stamping.render_audit(audit_trail(store, record, new_events, now), folder / AUDIT_FILE)
        # COMBINED is the executed documents in one file; the audit trail is its own kind (AUDIT).
        if combined is None:
            link_or_copy(folder / f"{record.documents[0].id}.pdf", folder / COMBINED_FILE)
        else:
            with atomic_file(folder / COMBINED_FILE, durable=True) as out:
                stamping.write_pdf(combined, out)
    except SignportError:
        raise
    except Exception as exc:
        raise ProviderError(f"could not write the executed documents ({type(exc).__name__}: {exc})",
                            provider=NAME) from exc


def document_stamps(store: Store, record: EnvelopeRecord, document: DocumentRecord,
                    signers: Sequence[SignerRecord],
                    now: datetime) -> tuple[list[stamping.Stamp], list[stamping.SignatureLine]]:
    """What ``signers`` put on ``document``: their fields drawn, and a signature line for each of them
    who has no signature or name field on it."""
    chosen = {s.id: s for s in signers}
    stamps = []
    named: set[str] = set()
    for field in record.fields:
        if field.document_id != document.id or field.signer_id not in chosen:
            continue
        signer = chosen[field.signer_id]
        drawing = store.drawing_path(record.id, field.id) if field.drawn else None
        stamps.append(field_stamp(field, signer, drawing))
        if field.type in (FieldType.SIGNATURE, FieldType.NAME):
            named.add(signer.id)
    lines = [stamping.SignatureLine(s.name, s.email, s.signed_at or now) for s in signers if s.id not in named]
    return stamps, lines


def field_stamp(field: FieldRecord, signer: SignerRecord, drawing: Path | None = None) -> stamping.Stamp:
    """What a signed field shows on the executed PDF: what the signer typed or drew, else a default."""
    signed_at = signer.signed_at or datetime.now(UTC)
    default = {
        FieldType.SIGNATURE: signer.name,
        FieldType.INITIALS: stamping.initials(signer.name),
        FieldType.DATE: signed_at.astimezone(UTC).strftime("%Y-%m-%d"),
        FieldType.NAME: signer.name,
        FieldType.TEXT: signer.name,
        FieldType.CHECKBOX: "",
    }[field.type]
    text = field.value if field.value is not None and field.type is not FieldType.CHECKBOX else default
    note = f"signed {stamping.timestamp(signed_at)}" if field.type is FieldType.SIGNATURE else None
    return stamping.Stamp(page=field.page, x=field.x, y=field.y, width=field.width, height=field.height,
                          type=field.type, text=text, note=note, checked=field.value != "false",
                          image=drawing)


def audit_trail(store: Store, record: EnvelopeRecord, new_events: Sequence[EventRecord],
                now: datetime) -> stamping.AuditTrail:
    """The audit trail of ``record``: its stored events, then ``new_events`` (not yet stored)."""
    with store.read() as conn:  # inside a write transaction, this reads what it wrote
        stored = Store.events(conn, record.id)
    entries = []
    for event in [*stored, *new_events]:
        entries.append(stamping.AuditEntry(at=event.occurred_at, what=AUDIT_TEXT.get(event.event, event.event),
                                           who=event.actor, detail=event.reason or (
                                               _doc_name(record, event.document_id))))
    return stamping.AuditTrail(
        envelope_id=record.id, subject=record.subject, status=record.status, order=record.order.value,
        created_at=record.created_at,
        documents=[stamping.AuditDocument(name=d.name, id=d.id, pages=d.pages, sha256=d.sha256,
                                          executed_sha256=d.executed_sha256) for d in record.documents],
        signers=[stamping.AuditSigner(name=s.name, email=s.email, phone=s.phone, status=s.status,
                                      signed_at=s.signed_at, declined_at=s.declined_at,
                                      decline_reason=s.decline_reason) for s in record.signers],
        entries=entries, generated_at=now)


def _doc_name(record: EnvelopeRecord, document_id: str | None) -> str | None:
    if document_id is None:
        return None
    for d in record.documents:
        if d.id == document_id:
            return d.name
    return None
