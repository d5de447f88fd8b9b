"""The lifecycle every provider goes through in the event contract, and the handler module that watches it.

Three envelopes: A is sent, Ann signs, Bob declines; B is sent and both sign; C is sent and voided.
``LifecycleHandlers`` is the application's handler module: the same code, registered once, for every
provider; it records ``(envelope label, kind, signer key)`` in the order the handlers ran.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from signport import Envelope, EventKind, SigningOrder
from signport.events import Event, Handlers

from ..samples import envelope

#: The kinds the handler module subscribes to: the lifecycle every provider reports.
LIFECYCLE_KINDS = (EventKind.ENVELOPE_SENT, EventKind.SIGNER_SIGNED, EventKind.SIGNER_DECLINED,
                   EventKind.ENVELOPE_COMPLETED, EventKind.ENVELOPE_DECLINED, EventKind.ENVELOPE_VOIDED,
                   EventKind.ENVELOPE_EXPIRED)

Seen = tuple[str, str, str | None]

EXPECTED: list[Seen] = [
    ("A", "envelope_sent", None),
    ("A", "signer_signed", "ann"),
    ("A", "signer_declined", "bob"),
    ("A", "envelope_declined", "bob"),  # the envelope event names who declined
    ("B", "envelope_sent", None),
    ("B", "signer_signed", "ann"),
    ("B", "signer_signed", "bob"),
    ("B", "envelope_completed", None),
    ("C", "envelope_sent", None),
    ("C", "envelope_voided", None),
]


class Recorder:
    """Maps envelope and signer ids back to the test's labels and keys; records what handlers saw."""

    def __init__(self) -> None:
        self.labels: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.seen: list[Seen] = []
        self.events: list[Event] = []

    def track(self, label: str, env: Envelope) -> Envelope:
        assert env.id is not None
        self.labels[env.id] = label
        for signer in env.signers:
            if signer.id and signer.key:
                self.keys[signer.id] = signer.key
        return env

    def record(self, event: Event) -> None:
        self.events.append(event)
        label = self.labels.get(event.envelope_id or "", "?")
        key = self.keys.get(event.signer_id or "", event.signer_id) if event.signer_id else None
        self.seen.append((label, event.kind.value, key))


def sync_handlers(recorder: Recorder) -> Handlers:
    """The handler module, written with plain functions."""
    handlers = Handlers()

    @handlers.on(*LIFECYCLE_KINDS)
    def lifecycle(event: Event) -> None:
        recorder.record(event)

    return handlers


def async_handlers(recorder: Recorder) -> Handlers:
    """The same handler module, written with ``async def``."""
    handlers = Handlers()

    @handlers.on(*LIFECYCLE_KINDS)
    async def lifecycle(event: Event) -> None:
        recorder.record(event)

    return handlers


def sequential(caps: Any = None) -> Envelope:
    return envelope(caps, order=SigningOrder.SEQUENTIAL)


def run_lifecycle(recorder: Recorder, send: Callable[[Envelope], Envelope], sign: Callable[[Envelope, str], None],
                  decline: Callable[[Envelope, str], None], void: Callable[[Envelope], None],
                  pump: Callable[[], None], caps: Any = None) -> None:
    """Drive A, B and C, calling ``pump`` after each step so events reach the handlers in step order."""
    a = recorder.track("A", send(sequential(caps)))
    pump()
    sign(a, "ann")
    pump()
    decline(a, "bob")
    pump()
    b = recorder.track("B", send(sequential(caps)))
    pump()
    sign(b, "ann")
    pump()
    sign(b, "bob")
    pump()
    c = recorder.track("C", send(sequential(caps)))
    pump()
    void(c)
    pump()


def signer_id(env: Envelope, key: str) -> str:
    signer = env.signer(key)
    assert signer.id is not None
    return signer.id


async def arun_lifecycle(recorder: Recorder, send: Callable[[Envelope], Any], sign: Callable[[Envelope, str], Any],
                         decline: Callable[[Envelope, str], Any], void: Callable[[Envelope], Any],
                         pump: Callable[[], Any], caps: Any = None) -> None:
    """``run_lifecycle`` with awaitable steps."""
    a = recorder.track("A", await send(sequential(caps)))
    await pump()
    await sign(a, "ann")
    await pump()
    await decline(a, "bob")
    await pump()
    b = recorder.track("B", await send(sequential(caps)))
    await pump()
    await sign(b, "ann")
    await pump()
    await sign(b, "bob")
    await pump()
    c = recorder.track("C", await send(sequential(caps)))
    await pump()
    await void(c)
    await pump()
