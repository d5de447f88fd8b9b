"""iinked Sign native values -> neutral ones, in tables (unknown values -> UNKNOWN, raw kept).

Reference: docs/vendors/iinked.md §4.1 (package types), §4.2 (package states),
§7.2 (webhook actions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from signport.states import EventKind, SigningOrder, State

#: §4.2. ``open`` is refined by the payload (payloads.envelope_state): SENT until a revision is
#: signed, then IN_PROGRESS; a declined signer makes it DECLINED. ``select``/``add`` are
#: embedded-editor drafts (auto-deleted after 24 h), still drafts for signport.
PACKAGE_STATES: Mapping[str, State] = {
    "draft": State.DRAFT,
    "select": State.DRAFT,
    "add": State.DRAFT,
    "open": State.SENT,
    "executed": State.COMPLETED,
    "expired": State.EXPIRED,
    "rescinded": State.VOIDED,
}

#: Native states that ``packages/send`` accepts (§5.4) and that ``packages/update`` may change
#: freely (§5.3). The neutral DRAFT.
DRAFT_STATES = frozenset({"draft", "select", "add"})
#: §5.8: rescind needs a sent package.
RESCINDABLE_STATES = frozenset({"open"})

#: Neutral list filters -> native ``states`` for ``packages/list`` (§5.7). SENT and IN_PROGRESS
#: share ``open``, so those two are post-filtered on the mapped state. DECLINED has no native
#: state and list items carry no decline fields (§5.7 item shape), so it cannot be filtered.
LIST_FILTERS: Mapping[State, tuple[str, ...]] = {
    State.DRAFT: ("draft", "select", "add"),
    State.SENT: ("open",),
    State.IN_PROGRESS: ("open",),
    State.COMPLETED: ("executed",),
    State.EXPIRED: ("expired",),
    State.VOIDED: ("rescinded",),
}

#: §4.1: case-sensitive constants, sent exactly (``Sequential`` is capitalised, ``concurrent`` is not).
TYPE_FOR_ORDER: Mapping[SigningOrder, str] = {
    SigningOrder.PARALLEL: "concurrent",
    SigningOrder.SEQUENTIAL: "Sequential",
}
#: §4.1, read side. Group Send, VSR and In Person have no fixed order: PARALLEL in the neutral model.
ORDER_FOR_TYPE: Mapping[str, SigningOrder] = {
    "concurrent": SigningOrder.PARALLEL,
    "Sequential": SigningOrder.SEQUENTIAL,
    "Counterpart": SigningOrder.PARALLEL,
    "video_closing_room": SigningOrder.PARALLEL,
    "Live Session": SigningOrder.PARALLEL,
}

#: §7.2: the four documented ``action`` values. Others pass through as UNKNOWN.
WEBHOOK_ACTIONS: Mapping[str, EventKind] = {
    "package_add": EventKind.ENVELOPE_CREATED,
    "package_executed": EventKind.ENVELOPE_COMPLETED,
    "document_signed": EventKind.DOCUMENT_SIGNED,
    "document_executed": EventKind.DOCUMENT_COMPLETED,
}


def package_state(native: str | None) -> State:
    """The neutral state for a native package state; UNKNOWN for anything not in §4.2."""
    if native is None:
        return State.UNKNOWN
    return PACKAGE_STATES.get(native, State.UNKNOWN)


def native_filter(states: Iterable[State] | None) -> list[str] | None:
    """Native ``states`` for ``packages/list``; ``None`` for no filter."""
    if not states:
        return None
    out: list[str] = []
    for state in sorted(states, key=lambda s: s.value):
        for native in LIST_FILTERS[state]:
            if native not in out:
                out.append(native)
    return out


def order_for_type(native: str | None) -> SigningOrder:
    """The neutral signing order of a package ``type``; PARALLEL when absent or unknown."""
    return ORDER_FOR_TYPE.get(native or "", SigningOrder.PARALLEL)


def event_kind(action: str | None) -> EventKind:
    """The neutral event kind of a webhook ``action``; UNKNOWN for anything else."""
    return WEBHOOK_ACTIONS.get(action or "", EventKind.UNKNOWN)
