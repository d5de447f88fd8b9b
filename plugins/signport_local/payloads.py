"""A stored envelope (its JSON form) -> the neutral Envelope (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from signport.errors import ProviderError
from signport.model import Document, Envelope, Field, Placement, Signer
from signport.states import SignerState, SigningOrder, State

from .states import SIGNER_STATES, STATES
from .store import NAME, envelope_from


def parse_envelope(payload: Mapping[str, Any]) -> Envelope:
    """A stored envelope (its JSON form) -> neutral Envelope."""
    try:
        record = envelope_from(dict(payload))
    except Exception as exc:  # cattrs raises its own validation groups
        raise ProviderError(f"unreadable local envelope payload ({type(exc).__name__})",
                            provider=NAME) from None
    raw_signers = list(payload.get("signers") or [])
    raw_documents = list(payload.get("documents") or [])
    raw_fields = list(payload.get("fields") or [])
    sequential = record.order is SigningOrder.SEQUENTIAL
    signers = tuple(
        Signer(first_name=s.first_name, last_name=s.last_name, email=s.email, phone=s.phone, key=s.key,
               delivery=frozenset(s.delivery), language=s.language, id=s.id,
               state=SIGNER_STATES.get(s.status, SignerState.UNKNOWN), native_state=s.status,
               order=i + 1 if sequential else 1, signed_at=s.signed_at, declined_at=s.declined_at,
               decline_reason=s.decline_reason, raw=raw_signers[i] if i < len(raw_signers) else {})
        for i, s in enumerate(record.signers))
    documents = tuple(
        Document(name=d.name, key=d.key, id=d.id, raw=raw_documents[i] if i < len(raw_documents)
                 else {})
        for i, d in enumerate(record.documents))
    signer_index = {s.id: i for i, s in enumerate(record.signers)}
    doc_index = {d.id: i for i, d in enumerate(record.documents)}
    fields = tuple(
        Field(type=f.type, signer=signer_index[f.signer_id], document=doc_index[f.document_id],
              placement=Placement(page=f.page, x=f.x, y=f.y, width=f.width, height=f.height),
              required=f.required, id=f.id, raw=raw_fields[i] if i < len(raw_fields) else {})
        for i, f in enumerate(record.fields)
        if f.signer_id in signer_index and f.document_id in doc_index)
    return Envelope(
        subject=record.subject, documents=documents, signers=signers, fields=fields, order=record.order,
        sign_by=record.sign_by, message=record.message, id=record.id,
        state=STATES.get(record.status, State.UNKNOWN), native_state=record.status, provider=NAME,
        created_at=record.created_at, completed_at=record.completed_at, void_reason=record.void_reason,
        raw=payload)
