"""The handler registry and stable ids."""

from __future__ import annotations

import pytest

from signport import EventKind, events
from signport.events import Event, Handlers, change_id, stable_id, with_stable_id


def _event(kind: EventKind = EventKind.ENVELOPE_COMPLETED, **kw: object) -> Event:
    return Event(kind=kind, envelope_id="e1", provider="p", **kw)  # type: ignore[arg-type]


def test_handlers_by_kind_and_catch_all_in_registration_order() -> None:
    handlers, calls = Handlers(), []
    handlers.add(lambda e: calls.append(("any", e.kind.value)))

    @handlers.on(EventKind.ENVELOPE_COMPLETED, "envelope_voided")
    def done(event: Event) -> None:
        calls.append(("done", event.kind.value))

    handlers.call(_event())
    handlers.call(_event(EventKind.SIGNER_SIGNED, signer_id="s"))
    handlers.call(_event(EventKind.ENVELOPE_VOIDED))
    assert calls == [("any", "envelope_completed"), ("done", "envelope_completed"), ("any", "signer_signed"),
                     ("any", "envelope_voided"), ("done", "envelope_voided")]
    handlers.remove(done)
    assert len(handlers) == 1
    with pytest.raises(ValueError, match="not_a_kind"):
        handlers.on("not_a_kind")


async def test_sync_and_async_handlers_run_in_either_world() -> None:
    handlers, calls = Handlers(), []

    @handlers.on()
    async def first(event: Event) -> None:
        calls.append("async")

    @handlers.on()
    def second(event: Event) -> None:
        calls.append("sync")

    await handlers.acall(_event())
    assert calls == ["async", "sync"]


def test_an_async_handler_in_sync_code() -> None:
    handlers, calls = Handlers(), []

    @handlers.on(EventKind.ENVELOPE_COMPLETED)
    async def handler(event: Event) -> None:
        calls.append(event.kind)

    handlers.call(_event())
    assert calls == [EventKind.ENVELOPE_COMPLETED]


def test_the_module_level_registry() -> None:
    calls: list[Event] = []

    @events.on(EventKind.ENVELOPE_EXPIRED)
    def expired(event: Event) -> None:
        calls.append(event)

    try:
        assert events.handlers.for_kind(EventKind.ENVELOPE_EXPIRED)[-1] is expired
        events.handlers.call(_event(EventKind.ENVELOPE_EXPIRED))
        assert len(calls) == 1
    finally:
        events.handlers.remove(expired)


def test_stable_ids() -> None:
    signed = _event(EventKind.SIGNER_SIGNED, signer_id="s1", id="vendor-1")
    assert stable_id(signed) == change_id("p", "e1", EventKind.SIGNER_SIGNED, "s1")
    assert stable_id(signed) != stable_id(_event(EventKind.SIGNER_SIGNED, signer_id="s2"))
    # the envelope events do not depend on who is named, nor on the vendor's delivery id
    assert stable_id(_event(EventKind.ENVELOPE_DECLINED, signer_id="s1", id="x")) == stable_id(
        _event(EventKind.ENVELOPE_DECLINED, id="y"))
    # not enough to name the change: the vendor's id, else a digest of the payload
    assert stable_id(_event(EventKind.DOCUMENT_SIGNED, signer_id="s1", id="vendor-2")) == "vendor-2"
    anonymous = _event(EventKind.UNKNOWN, raw={"a": 1})
    assert stable_id(anonymous) == stable_id(_event(EventKind.UNKNOWN, raw={"a": 1})) != stable_id(
        _event(EventKind.UNKNOWN, raw={"a": 2}))
    assert with_stable_id(signed).id == stable_id(signed)
    assert with_stable_id(signed).raw == signed.raw
