"""EasyInk values -> neutral values: one table per vendor enum, UNKNOWN for anything else."""

from __future__ import annotations

from collections.abc import Mapping

from signport.states import Delivery, SignerState, SigningOrder, State

#: Session ``status`` (docs/vendors/easyink.md §5.1). ``Pending`` and ``InProgress`` both follow a start; the
#: reference does not say how they differ, so ``Pending`` reads as sent-but-untouched.
SESSION_STATES: Mapping[str, State] = {
    "Draft": State.DRAFT,
    "ReadyToStart": State.READY,
    "Pending": State.SENT,
    "InProgress": State.IN_PROGRESS,
    "Finished": State.COMPLETED,
    "Declined": State.DECLINED,
    "Voided": State.VOIDED,
    "Expired": State.EXPIRED,
}

#: Neutral filter -> values of the search ``statuses`` filter (§5.1 search list, §6.8 #29).
#: The search enum has no ``Pending``: SENT cannot be asked of the server and is post-filtered.
SEARCH_FILTERS: Mapping[State, str] = {
    State.DRAFT: "Draft",
    State.READY: "ReadyToStart",
    State.IN_PROGRESS: "InProgress",
    State.COMPLETED: "Finished",
    State.DECLINED: "Declined",
    State.VOIDED: "Voided",
    State.EXPIRED: "Expired",
}

#: Participant ``status``. The API enum is not documented (§5.2): ``Signed`` and ``Pending`` are
#: seen in the reference; ``Viewed``/``Completed``/``Declined`` come from the unofficial UI docs (S8)
#: and are read tolerantly. NEXT is never a vendor value: it is derived from the signing order.
PARTICIPANT_STATES: Mapping[str, SignerState] = {
    "Pending": SignerState.PENDING,
    "Viewed": SignerState.PENDING,
    "Signed": SignerState.SIGNED,
    "Completed": SignerState.SIGNED,
    "Declined": SignerState.DECLINED,
}

#: ``signingOrderSettings.type`` (§5.4): ``AllAtOnce`` is seen; ``OneByOne`` is inferred from the path.
ORDER_TYPES: Mapping[str, SigningOrder] = {
    "AllAtOnce": SigningOrder.PARALLEL,
    "OneByOne": SigningOrder.SEQUENTIAL,
}

#: ``deliveryMethods`` (§5.2).
DELIVERY: Mapping[Delivery, str] = {Delivery.EMAIL: "Email", Delivery.SMS: "Sms"}
DELIVERY_BACK: Mapping[str, Delivery] = {v: k for k, v in DELIVERY.items()}

#: ``language`` (§5.2): the neutral ``Signer.language`` primary subtag -> vendor value.
LANGUAGES: Mapping[str, str] = {"en": "English", "es": "Spanish"}
LANGUAGES_BACK: Mapping[str, str] = {v: k for k, v in LANGUAGES.items()}

#: Draft document ``status`` once processed (§5.3; the only value shown).
DOCUMENT_READY = frozenset({"ProcessingReady", "Ready"})
#: Signed document ``processingStatus`` / all-in-one ``status`` once ready (§5.3).
FILE_READY = frozenset({"Ready", "ProcessingReady"})
#: Status words that mean processing gave up (full enums not documented; matched as substrings).
FAILED_WORDS = ("fail", "error", "invalid")

#: The only documented field type (§5.4); the rest of the enum is not documented.
FIELD_SIGNATURE = "Signature"


def session_state(native: str | None) -> State:
    """The neutral state of a session ``status``; UNKNOWN for anything unmapped."""
    return SESSION_STATES.get(native or "", State.UNKNOWN)


def participant_state(native: str | None) -> SignerState:
    """The neutral state of a participant ``status``; UNKNOWN for anything unmapped."""
    return PARTICIPANT_STATES.get(native or "", SignerState.UNKNOWN)


def is_failed(status: str | None) -> bool:
    """True if a processing status reads as a failure."""
    return status is not None and any(w in status.lower() for w in FAILED_WORDS)
