"""The executed documents of a completed envelope: stamped PDFs, the audit trail, the combined PDF.

What to draw comes from the envelope's record and events; ``stamping.py`` draws it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from signport.errors import ProviderError, SignportError
from signport.states import FieldType
from signport.transport import CHUNK

from . import stamping
from .states import AUDIT_TEXT
from .store import NAME, DocumentRecord, EnvelopeRecord, EventRecord, FieldRecord, SignerRecord, Store

AUDIT_FILE = "audit.pdf"
COMBINED_FILE = "combined.pdf"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def render_executed(store: Store, record: EnvelopeRecord, new_events: Sequence[EventRecord],
                    now: datetime) -> None:
    """Write every executed PDF, the audit trail and the combined PDF of a completed envelope."""
    folder = store.executed_dir(record.id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        executed: list[Path] = []
        for document in record.documents:
            dest = folder / f"{document.id}.pdf"
            stamp_document(store, record, document, record.signers, dest, now)
            document.executed_sha256 = _sha256(dest)
            executed.append(dest)
        stamping.render_audit(audit_trail(store, record, new_events, now), folder / AUDIT_FILE)
        # COMBINED is the executed documents in one file; the audit trail is its own kind (AUDIT).
        stamping.combine_pdfs(executed, folder / COMBINED_FILE)
    except SignportError:
        raise
    except Exception as exc:
        raise ProviderError(f"could not write the executed documents ({type(exc).__name__}: {exc})",
                            provider=NAME) from exc


def stamp_document(store: Store, record: EnvelopeRecord, document: DocumentRecord,
                   signers: Sequence[SignerRecord], dest: Path, now: datetime) -> None:
    """Write ``document`` signed by ``signers`` to ``dest``: their fields drawn, and a signature page
    naming those of them who have no signature or name field on it."""
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
    stamping.stamp_pdf(store.document_path(record.id, document.id), dest, stamps, lines, name=document.name)


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
