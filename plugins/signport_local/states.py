"""Local native values -> neutral ones, in tables (anything else is UNKNOWN).

The native envelope and signer statuses are the store's (``store.py``); the native event names
are the ``event`` of a local webhook delivery, and each has its line in the audit trail here too.
"""

from __future__ import annotations

from collections.abc import Mapping

from signport.states import EventKind, SignerState, State

from . import store

#: Native envelope status -> neutral state (anything else is UNKNOWN).
STATES: Mapping[str, State] = {
    store.DRAFT: State.DRAFT,
    store.SENT: State.SENT,
    store.IN_PROGRESS: State.IN_PROGRESS,
    store.COMPLETED: State.COMPLETED,
    store.DECLINED: State.DECLINED,
    store.VOIDED: State.VOIDED,
    store.EXPIRED: State.EXPIRED,
}
NATIVE: Mapping[State, str] = {v: k for k, v in STATES.items()}
#: Native signer status -> neutral signer state.
SIGNER_STATES: Mapping[str, SignerState] = {
    store.S_PENDING: SignerState.PENDING,
    store.S_NEXT: SignerState.NEXT,
    store.S_SIGNED: SignerState.SIGNED,
    store.S_DECLINED: SignerState.DECLINED,
}

# Native event names (the ``event`` of a local webhook delivery).
E_CREATED = "envelope_created"
E_SENT = "envelope_sent"
E_UPDATED = "envelope_updated"
E_SIGNER_UPDATED = "signer_updated"
E_SIGNED = "signer_signed"
E_DECLINED_BY = "signer_declined"
E_DOC_COMPLETED = "document_completed"
E_COMPLETED = "envelope_completed"
E_DECLINED = "envelope_declined"
E_VOIDED = "envelope_voided"
E_EXPIRED = "envelope_expired"
#: Native event -> neutral kind (``envelope_updated`` and ``signer_updated`` have none: UNKNOWN).
EVENT_KINDS: Mapping[str, EventKind] = {
    E_CREATED: EventKind.ENVELOPE_CREATED,
    E_SENT: EventKind.ENVELOPE_SENT,
    E_SIGNED: EventKind.SIGNER_SIGNED,
    E_DECLINED_BY: EventKind.SIGNER_DECLINED,
    E_DOC_COMPLETED: EventKind.DOCUMENT_COMPLETED,
    E_COMPLETED: EventKind.ENVELOPE_COMPLETED,
    E_DECLINED: EventKind.ENVELOPE_DECLINED,
    E_VOIDED: EventKind.ENVELOPE_VOIDED,
    E_EXPIRED: EventKind.ENVELOPE_EXPIRED,
}
#: Native event -> its line in the audit trail.
AUDIT_TEXT: Mapping[str, str] = {
    E_CREATED: "Envelope created",
    E_SENT: "Sent for signature",
    E_UPDATED: "Draft changed",
    E_SIGNER_UPDATED: "Signer contact changed",
    E_SIGNED: "Signed",
    E_DECLINED_BY: "Declined",
    E_DOC_COMPLETED: "Document completed",
    E_COMPLETED: "Envelope completed",
    E_DECLINED: "Envelope declined",
    E_VOIDED: "Envelope voided",
    E_EXPIRED: "Envelope expired",
}
