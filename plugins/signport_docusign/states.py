"""DocuSign values -> neutral values: one table per vendor enum, UNKNOWN for anything else.

Reference: docs/vendors/docusign.md §3 (envelope and recipient statuses).
"""

from __future__ import annotations

from collections.abc import Mapping

from signport.states import EventKind, FieldType, SignerState, State

#: Envelope ``status`` (§3.1). ``sent`` and ``delivered`` become SENT or IN_PROGRESS by the recipients
#: (see ``envelope_state``). ``signed`` is transient (all signed, documents not final yet): IN_PROGRESS.
#: ``correct``, ``deleted``, ``timedout``, ``template`` and anything new are UNKNOWN, native value kept.
#: There is no expired status (§3.1): expiry reads as ``voided`` and the reason text written on expiry
#: is not documented, so signport never claims EXPIRED from it.
ENVELOPE_STATES: Mapping[str, State] = {
    "created": State.DRAFT,
    "sent": State.SENT,
    "delivered": State.SENT,
    "signed": State.IN_PROGRESS,
    "completed": State.COMPLETED,
    "declined": State.DECLINED,
    "voided": State.VOIDED,
}
LIVE = frozenset({"sent", "delivered"})

#: Recipient ``status`` (§3.2). ``faxpending`` and ``autoresponded`` are neither pending nor done: UNKNOWN.
RECIPIENT_STATES: Mapping[str, SignerState] = {
    "created": SignerState.PENDING,
    "sent": SignerState.PENDING,
    "delivered": SignerState.PENDING,
    "signed": SignerState.SIGNED,
    "completed": SignerState.SIGNED,
    "declined": SignerState.DECLINED,
}
#: Recipient statuses that still wait for that signer (NEXT when their routing order is current).
WAITING = frozenset({"sent", "delivered"})
DONE = frozenset({"signed", "completed"})

#: Neutral list filter -> listStatusChanges ``status`` values (§5.3). SENT and IN_PROGRESS share
#: ``sent``/``delivered`` and are told apart client-side; EXPIRED cannot be asked (see above).
LIST_FILTERS: Mapping[State, tuple[str, ...]] = {
    State.DRAFT: ("created",),
    State.SENT: ("sent", "delivered"),
    State.IN_PROGRESS: ("sent", "delivered", "signed"),
    State.COMPLETED: ("completed",),
    State.DECLINED: ("declined",),
    State.VOIDED: ("voided",),
}

#: Field type -> the ``tabs`` collection (§5.1).
TAB_TYPES: Mapping[FieldType, str] = {
    FieldType.SIGNATURE: "signHereTabs",
    FieldType.INITIALS: "initialHereTabs",
    FieldType.DATE: "dateSignedTabs",
    FieldType.NAME: "fullNameTabs",
    FieldType.TEXT: "textTabs",
    FieldType.CHECKBOX: "checkboxTabs",
}
TAB_TYPES_BACK: Mapping[str, FieldType] = {v: k for k, v in TAB_TYPES.items()}
#: §7: ``width``/``height`` do not apply to signHere (its size comes from ``scaleValue``).
SIZED_TABS = frozenset({FieldType.INITIALS, FieldType.DATE, FieldType.NAME, FieldType.TEXT, FieldType.CHECKBOX})
#: §5.1: signHere/initialHere take ``optional``; checkbox takes neither (a tab group would); the rest ``required``.
OPTIONAL_TABS = frozenset({FieldType.SIGNATURE, FieldType.INITIALS})

#: JSON SIM ``event`` (§8.2). Only ``envelope-sent`` is documented by name; the other envelope events
#: follow the documented ``envelope-<status>`` rule. Recipient event names come from secondary sources
#: only (§8.2) and are mapped because nothing else would carry a signer's progress; unknown: UNKNOWN.
EVENTS: Mapping[str, EventKind] = {
    "envelope-created": EventKind.ENVELOPE_CREATED,
    "envelope-sent": EventKind.ENVELOPE_SENT,
    "envelope-completed": EventKind.ENVELOPE_COMPLETED,
    "envelope-declined": EventKind.ENVELOPE_DECLINED,
    "envelope-voided": EventKind.ENVELOPE_VOIDED,
    "recipient-completed": EventKind.SIGNER_SIGNED,
    "recipient-declined": EventKind.SIGNER_DECLINED,
}


def envelope_status(native: str | None) -> State:
    """The state of an envelope ``status`` alone; UNKNOWN for anything unmapped (case-insensitive)."""
    return ENVELOPE_STATES.get((native or "").lower(), State.UNKNOWN)


def recipient_state(native: str | None) -> SignerState:
    """The state of a recipient ``status``; UNKNOWN for anything unmapped."""
    return RECIPIENT_STATES.get((native or "").lower(), SignerState.UNKNOWN)


def native_filter(states: frozenset[State] | None) -> list[str] | None:
    """The ``status`` query values for a neutral filter (``None``: no filter)."""
    if not states:
        return None
    return sorted({value for s in states for value in LIST_FILTERS.get(s, ())})


def event_kind(native: str | None) -> EventKind:
    """The neutral kind of a JSON SIM ``event``."""
    return EVENTS.get((native or "").lower(), EventKind.UNKNOWN)
