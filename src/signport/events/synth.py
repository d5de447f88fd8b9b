"""Neutral events from state changes: what the watcher reports when an envelope's state moved (pure)."""

from __future__ import annotations

from datetime import datetime

from ..model import Envelope, Event, Signer
from ..states import EventKind, SignerState, State, Verification
from .ids import change_id
from .store import Snapshot

UNSENT = frozenset({State.DRAFT, State.READY})
TERMINAL_KINDS = {
    State.COMPLETED: EventKind.ENVELOPE_COMPLETED,
    State.DECLINED: EventKind.ENVELOPE_DECLINED,
    State.VOIDED: EventKind.ENVELOPE_VOIDED,
    State.EXPIRED: EventKind.ENVELOPE_EXPIRED,
}
SIGNER_KINDS = {SignerState.SIGNED: EventKind.SIGNER_SIGNED, SignerState.DECLINED: EventKind.SIGNER_DECLINED}


def _event(envelope: Envelope, provider: str, kind: EventKind, *, signer: Signer | None = None,
           native: str | None = None, at: datetime | None = None) -> Event:
    assert envelope.id is not None
    signer_id = signer.id if signer is not None else None
    return Event(kind=kind, envelope_id=envelope.id, signer_id=signer_id, occurred_at=at,
                 id=change_id(provider, envelope.id, kind, signer_id, native_state=native),
                 native_kind=native, provider=provider, verification=Verification.POLLED, raw=envelope.raw)


def _signer_order(indexed: tuple[int, Signer]) -> tuple[bool, datetime | float, int]:
    index, signer = indexed
    when = signer.signed_at or signer.declined_at
    return (when is None, when if when is not None else 0.0, index)


def changes(provider: str, before: Snapshot | None, envelope: Envelope) -> list[Event]:
    """The events between what was seen (``before``; ``None`` when nothing was) and ``envelope``, in order.

    Sent first, then each signer that signed or declined since (by time, else signing order), then the
    terminal state. A change to a state signport does not know is one ``UNKNOWN`` event naming it.
    """
    state = envelope.state
    if state in UNSENT:
        return []
    out: list[Event] = []
    previous = State(before.state) if before is not None else None
    if (previous is None or previous in UNSENT) and state is not State.UNKNOWN:
        out.append(_event(envelope, provider, EventKind.ENVELOPE_SENT, native=envelope.native_state))
    seen = before.signers if before is not None else {}
    moved = [(i, s) for i, s in enumerate(envelope.signers)
             if s.id and s.state in SIGNER_KINDS and seen.get(s.id, ("",))[0] != s.state.value]
    for _, signer in sorted(moved, key=_signer_order):
        out.append(_event(envelope, provider, SIGNER_KINDS[signer.state], signer=signer,
                          native=signer.native_state, at=signer.signed_at or signer.declined_at))
    if state in TERMINAL_KINDS and previous is not state:
        decliner = next((s for s in envelope.signers if s.state is SignerState.DECLINED), None)
        out.append(_event(envelope, provider, TERMINAL_KINDS[state], native=envelope.native_state,
                          signer=decliner if state is State.DECLINED else None,
                          at=envelope.completed_at if state is State.COMPLETED else
                          decliner.declined_at if decliner is not None and state is State.DECLINED else None))
    if state is State.UNKNOWN and (before is None or before.native_state != envelope.native_state):
        out.append(_event(envelope, provider, EventKind.UNKNOWN, native=envelope.native_state))
    return out

