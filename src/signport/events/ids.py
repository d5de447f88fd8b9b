"""Stable event ids: the same change gets the same id, whoever reports it (a webhook or the watcher).

An envelope is sent once, reaches one terminal state, and each signer signs or declines once;
each document is signed once per signer and completes once. So ``(provider, envelope, kind,
signer, document)`` names one change (the signer only for signer kinds, the document only for document
kinds: an ``ENVELOPE_DECLINED`` may name who declined, or not, and is the same change). The native
state is part of the id only for an ``UNKNOWN`` kind, where the kind alone says nothing: a webhook and
a status read name the same change with different native words, and the id must not depend on them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import attrs

from ..model import Event
from ..states import EventKind

PREFIX = "evt_"
SIGNER_KINDS = frozenset({EventKind.SIGNER_SIGNED, EventKind.SIGNER_DECLINED, EventKind.DOCUMENT_SIGNED})
DOCUMENT_KINDS = frozenset({EventKind.DOCUMENT_SIGNED, EventKind.DOCUMENT_COMPLETED})


def change_id(provider: str, envelope_id: str, kind: EventKind, signer_id: str | None = None,
              document_id: str | None = None, native_state: str | None = None) -> str:
    """The deterministic id of one change of one envelope."""
    parts = [provider, envelope_id, kind.value, (signer_id or "") if kind in SIGNER_KINDS else "",
             (document_id or "") if kind in DOCUMENT_KINDS else ""]
    if kind is EventKind.UNKNOWN:
        parts.append(native_state or "")
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return PREFIX + digest[:32]


def _identifies_change(event: Event) -> bool:
    if event.kind is EventKind.UNKNOWN or not event.provider or not event.envelope_id:
        return False
    if event.kind in SIGNER_KINDS and not event.signer_id:
        return False
    return not (event.kind in DOCUMENT_KINDS and not event.document_id)


def stable_id(event: Event) -> str:
    """The id to deduplicate ``event`` on.

    The change id when the event names its change fully; else the vendor's delivery id; else a
    digest of the raw payload (a redelivery of the same body gets the same id).
    """
    if _identifies_change(event) and event.provider and event.envelope_id:
        return change_id(event.provider, event.envelope_id, event.kind, event.signer_id, event.document_id)
    if event.id:
        return event.id
    body: Any = dict(event.raw)
    text = json.dumps([event.provider, event.native_kind, body], sort_keys=True, default=str)
    return PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def with_stable_id(event: Event) -> Event:
    """``event`` carrying its stable id (the vendor's own delivery id stays in ``event.raw``)."""
    wanted = stable_id(event)
    return event if event.id == wanted else attrs.evolve(event, id=wanted)
