"""The watcher under faults: 429, 5xx, truncated and short lists, a vanished envelope, handler failures,
a restart mid-page; its request budget; and the events it synthesises."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import signport
from signport import Envelope, EventKind, Signer, SignerState, State
from signport.events import Budget, Event, Handlers, Snapshot, SQLiteStore, Watcher, changes

from ..samples import envelope
from .lifecycle import signer_id
from .rigs import Rig, rig

FAST = {"requests_per_minute": 60_000, "burst": 1000}


@pytest.fixture
def easyink() -> Iterator[Rig]:
    with rig("easyink") as r:
        yield r


def recording() -> tuple[Handlers, list[Event]]:
    handlers, calls = Handlers(), []
    handlers.add(calls.append)
    return handlers, calls


def kinds(calls: list[Event]) -> list[str]:
    return [e.kind.value for e in calls]


def test_429_backs_off_as_told_and_loses_nothing(easyink: Rig, store: SQLiteStore) -> None:
    handlers, calls = recording()
    slept: list[float] = []
    with easyink.connect(retries=0) as client:
        watcher = Watcher(client, handlers, store, sleep=slept.append, **FAST)
        watcher.poll()
        env = client.send(envelope(client.capabilities))
        easyink.fault("GET", r"/api/signingSessions$", status=429, retry_after="7", times=2)
        assert watcher.poll() == 1
    assert kinds(calls) == ["envelope_sent"]
    assert slept == [7.0, 7.0]  # Retry-After wins over the shorter first backoff steps
    assert calls[0].envelope_id == env.id


def test_5xx_and_broken_responses_back_off_exponentially(easyink: Rig, store: SQLiteStore) -> None:
    handlers, calls = recording()
    slept: list[float] = []
    with easyink.connect(retries=0) as client:
        watcher = Watcher(client, handlers, store, sleep=slept.append, **FAST)
        watcher.poll()
        client.send(envelope(client.capabilities))
        easyink.fault("GET", r"/api/signingSessions/[^/]+$", status=503, times=2)
        easyink.fault("GET", r"/api/signingSessions$", truncate=10)
        assert watcher.poll() == 1
    assert slept == [2.0, 2.0, 4.0]  # the broken list, then the two 503s on the read
    assert kinds(calls) == ["envelope_sent"]


def test_a_short_list_still_reads_every_open_envelope(easyink: Rig, store: SQLiteStore) -> None:
    handlers, calls = recording()
    with easyink.connect() as client:
        watcher = Watcher(client, handlers, store, **FAST)
        watcher.poll()
        env = client.send(envelope(client.capabilities))
        watcher.poll()
        easyink.sign(env.id or "", signer_id(env, "ann"))
        empty = {"items": [], "totalItemsCount": 0, "pagesCount": 1, "pageIndex": 0, "pageSize": 100}
        easyink.fault("GET", r"/api/signingSessions$", status=200, body=empty)
        assert watcher.poll() == 1  # the list forgot it; the watcher read it anyway
    assert kinds(calls) == ["envelope_sent", "signer_signed"]


def test_a_vanished_envelope_is_forgotten(store: SQLiteStore) -> None:
    handlers, calls = recording()
    with rig("iinked") as iinked, iinked.connect() as client:
        watcher = Watcher(client, handlers, store, **FAST)
        watcher.poll()
        gone = client.send(envelope(client.capabilities))
        kept = client.send(envelope(client.capabilities))
        draft = client.create_draft(envelope(client.capabilities))
        watcher.poll()
        client.delete_draft(draft.id or "")  # a deleted draft: listed once, then gone
        iinked.sign(kept.id or "", signer_id(kept, "ann"))
        iinked.sign(gone.id or "", signer_id(gone, "ann"))
        body = {"error": "package_not_found", "message": "Package not found."}
        iinked.fault("GET", rf"/packages/{gone.id}$", status=404, body=body)
        iinked.fault("POST", r"/packages/list$", status=200, body={"items": [], "skip": 0, "total": 0})
        watcher.poll()
    assert [(e.envelope_id, e.kind.value) for e in calls[2:]] == [(kept.id, "signer_signed")]
    assert [e for e, _ in store.open_envelopes(watcher.core.name)] == [kept.id]


def test_a_failing_handler_gets_the_event_again_next_sweep(tmp_path: Path, store: SQLiteStore) -> None:
    handlers, attempts = Handlers(), []

    @handlers.on(EventKind.ENVELOPE_SENT)
    def flaky(event: Event) -> None:
        attempts.append(event.id)
        if len(attempts) == 1:
            raise RuntimeError("downstream unavailable")

    with signport.connect("local", path=tmp_path / "local") as client:
        watcher = Watcher(client, handlers, store, **FAST)
        watcher.poll()
        client.send(envelope())
        assert watcher.poll() == 0
        assert watcher.core.failed == 1
        assert watcher.poll() == 1
        assert watcher.poll() == 0
    assert len(attempts) == 2
    assert len(set(attempts)) == 1


def test_a_refresh_waits_for_a_sweep_reading_the_same_envelope(tmp_path: Path, store: SQLiteStore) -> None:
    # The sweep may have read the envelope before the change the notification is about: the refresh
    # waits for the sweep to let go, then reads it again, instead of leaving the change to the next sweep.
    handlers, calls = recording()
    with signport.connect("local", path=tmp_path / "local") as client:
        env = client.send(envelope())
        key = f"watch:local:{env.id}"
        waits: list[float] = []

        def sweep_lets_go(seconds: float) -> None:
            waits.append(seconds)
            store.unlock(key, "a sweep")

        watcher = Watcher(client, handlers, store, sleep=sweep_lets_go, **FAST)
        assert store.try_lock(key, "a sweep")
        assert watcher.refresh(env.id) == 1
    assert kinds(calls) == ["envelope_sent"]
    assert len(waits) == 1


def test_a_refresh_gives_up_after_busy_wait(tmp_path: Path, store: SQLiteStore) -> None:
    handlers, calls = recording()
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with signport.connect("local", path=tmp_path / "local") as client:
        env = client.send(envelope())
        key = f"watch:local:{env.id}"
        watcher = Watcher(client, handlers, store, sleep=sleep, clock=lambda: now[0], busy_wait=1.0, **FAST)
        assert store.try_lock(key, "a sweep")
        assert watcher.refresh(env.id) == 0
        assert 1.0 <= now[0] < 1.2, "it waited busy_wait, no longer"
        assert not store.try_lock(key, "someone else"), "the sweep still holds it"
        store.unlock(key, "a sweep")
        assert watcher.refresh(env.id) == 1
    assert kinds(calls) == ["envelope_sent"]


class Crash(BaseException):
    """Stands for the process dying (not an Exception: nothing catches it)."""


def test_a_restart_mid_page_neither_loses_nor_repeats(tmp_path: Path, store: SQLiteStore) -> None:
    handled: list[str] = []
    crashed: list[bool] = []
    handlers = Handlers()

    @handlers.on()
    def once(event: Event) -> None:
        if len(handled) == 3 and not crashed:
            crashed.append(True)
            raise Crash
        handled.append(event.id or "")

    with signport.connect("local", path=tmp_path / "local", page_size=2) as client:
        Watcher(client, handlers, store, **FAST).poll()
        sent = [client.send(envelope()) for _ in range(5)]
        with pytest.raises(Crash):
            Watcher(client, handlers, store, **FAST).poll()
        assert store.cursor("local")["page"] is not None  # stopped after a page, before the end
        Watcher(client, handlers, store, **FAST).poll()
        assert Watcher(client, handlers, store, **FAST).poll() == 0
    assert len(handled) == len(set(handled)) == 5
    assert sorted(handled) == sorted(signport.events.change_id("local", e.id or "", EventKind.ENVELOPE_SENT)
                                     for e in sent)


def test_backfill_reports_what_existed_before_the_first_sweep(tmp_path: Path, store: SQLiteStore) -> None:
    handlers, calls = recording()
    with signport.connect("local", path=tmp_path / "local") as client:
        env = client.send(envelope())
        client.provider.sign(env.id, signer_id(env, "ann"))
        assert Watcher(client, handlers, store, name="quiet", **FAST).poll() == 0
        assert Watcher(client, handlers, store, name="history", backfill=True, **FAST).poll() == 2
    assert kinds(calls) == ["envelope_sent", "signer_signed"]


def test_the_budget_spaces_requests() -> None:
    now = [0.0]
    budget = Budget(per_minute=6, burst=2, clock=lambda: now[0])
    assert [budget.wait(), budget.wait()] == [0.0, 0.0]   # the burst
    assert budget.wait() == pytest.approx(10.0)           # then one every ten seconds
    now[0] += 30
    assert [budget.wait(), budget.wait()] == [0.0, 0.0]   # a full bucket again after a quiet spell


def test_the_watcher_stays_within_its_budget(tmp_path: Path, store: SQLiteStore) -> None:
    slept: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with signport.connect("local", path=tmp_path / "local", page_size=1) as client:
        for _ in range(4):
            client.send(envelope())
        watcher = Watcher(client, Handlers(), store, requests_per_minute=12, burst=1, sleep=sleep,
                          clock=lambda: now[0])
        watcher.poll()
    # 4 list pages + 4 reads, the first free: each of the other 7 waits 5 s (on the test's own clock).
    assert watcher.budget.spent == 8
    assert len(slept) == 7
    assert slept == [pytest.approx(5.0)] * 7


def _env(state: State, *signers: tuple[str, SignerState], native: str = "x") -> Envelope:
    return Envelope(subject="s", id="e1", state=state, native_state=native,
                    signers=[Signer(first_name=n, last_name="L", id=n, state=st, native_state=st.value)
                             for n, st in signers])


def test_changes_in_lifecycle_order() -> None:
    done = _env(State.COMPLETED, ("a", SignerState.SIGNED), ("b", SignerState.SIGNED))
    assert [(e.kind.value, e.signer_id) for e in changes("p", None, done)] == [
        ("envelope_sent", None), ("signer_signed", "a"), ("signer_signed", "b"), ("envelope_completed", None)]
    before = Snapshot.of(_env(State.IN_PROGRESS, ("a", SignerState.SIGNED), ("b", SignerState.NEXT)))
    assert [(e.kind.value, e.signer_id) for e in changes("p", before, done)] == [
        ("signer_signed", "b"), ("envelope_completed", None)]
    assert changes("p", Snapshot.of(done), done) == []
    assert changes("p", None, _env(State.DRAFT)) == []


def test_an_unknown_state_is_one_unknown_event_per_native_value() -> None:
    odd = changes("p", None, _env(State.UNKNOWN, native="Archived"))
    assert [(e.kind, e.native_kind) for e in odd] == [(EventKind.UNKNOWN, "Archived")]
    other = changes("p", Snapshot.of(_env(State.UNKNOWN, native="Archived")), _env(State.UNKNOWN, native="Held"))
    assert other[0].id != odd[0].id
    assert changes("p", Snapshot.of(_env(State.UNKNOWN, native="Held")), _env(State.UNKNOWN, native="Held")) == []
