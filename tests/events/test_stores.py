"""Both stores keep the same promises: claims, stale takeover, watcher state, cursors, locks.

PostgreSQL runs for real (tests/pgserver.py starts it); nothing is mocked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from signport import EventKind
from signport.events import Claim, Event, Snapshot, SQLiteStore, Store, open_store
from signport.events.postgres import PostgresStore

from ..pgserver import PostgresServer

EVENT = Event(kind=EventKind.ENVELOPE_SENT, envelope_id="e1", provider="p", id="evt_1")


@pytest.fixture(params=["sqlite", "postgres"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """A factory of store objects on one shared database (as separate processes would have)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.new_database()
    made: list[Store] = []

    def factory() -> Store:
        made.append(open_store(url))
        return made[-1]

    yield factory
    for store in made:
        store.close()


def test_open_store_picks_the_backend(make: Callable[[], Store]) -> None:
    assert isinstance(make(), SQLiteStore | PostgresStore)


def test_claims(make: Callable[[], Store]) -> None:
    a, b = make(), make()
    assert a.claim(EVENT, "A", stale_after=60) is Claim.NEW
    assert b.claim(EVENT, "B", stale_after=60) is Claim.BUSY
    assert not b.processed("evt_1")
    a.release("evt_1", "A")
    assert b.claim(EVENT, "B", stale_after=60) is Claim.NEW
    b.finish("evt_1", "B")
    assert a.claim(EVENT, "A", stale_after=60) is Claim.DONE
    assert a.claim(EVENT, "A", stale_after=0) is Claim.DONE  # done is done, however old
    assert a.processed("evt_1")
    assert a.processed_ids() == ["evt_1"]


def test_a_stale_claim_is_taken_over(make: Callable[[], Store]) -> None:
    a, b = make(), make()
    assert a.claim(EVENT, "A", stale_after=60) is Claim.NEW
    assert b.claim(EVENT, "B", stale_after=0) is Claim.NEW
    a.release("evt_1", "A")  # the old owner's late release must not drop the new owner's claim
    assert a.claim(EVENT, "A", stale_after=60) is Claim.BUSY


def test_racing_claims_have_one_winner(make: Callable[[], Store]) -> None:
    stores = [make() for _ in range(6)]
    results: list[Claim] = []
    barrier = threading.Barrier(len(stores))

    def claim(store: Store, owner: str) -> None:
        barrier.wait()
        results.append(store.claim(EVENT, owner, stale_after=60))

    threads = [threading.Thread(target=claim, args=(s, str(i))) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.value for r in results) == ["busy"] * 5 + ["new"]


def test_watcher_state_and_cursor(make: Callable[[], Store]) -> None:
    a, b = make(), make()
    snap = Snapshot(state="in_progress", native_state="open", signers={"s1": ("signed", "Signed")})
    assert a.seen("w", "e1") is None
    a.remember("w", "e1", snap, 10.0)
    a.remember("w", "e2", Snapshot(state="completed", native_state="done", terminal=True), 11.0)
    assert b.seen("w", "e1") == (snap, 10.0)
    assert b.seen("other", "e1") is None
    assert b.open_envelopes("w") == [("e1", 10.0)]
    b.forget("w", "e1")
    assert a.open_envelopes("w") == []
    assert a.cursor("w") is None
    a.save_cursor("w", {"page": 3, "started": 1.5})
    b.save_cursor("w", {"page": 4, "started": 1.5})
    assert a.cursor("w") == {"page": 4, "started": 1.5}


def test_locks(make: Callable[[], Store]) -> None:
    a, b = make(), make()
    assert a.try_lock("k", "A")
    assert not b.try_lock("k", "B")
    assert b.try_lock("other", "B")
    a.unlock("k", "A")
    with b.lock("k", "B") as held:
        assert held
        with a.lock("k", "A") as also:
            assert not also
    assert a.try_lock("k", "A")


def test_closing_lets_go_at_once(make: Callable[[], Store]) -> None:
    a, b = make(), make()
    if isinstance(a, SQLiteStore):
        a.lease = -1  # SQLite: a lease that has run out (its holder died without letting go)
    assert a.try_lock("k", "A")
    a.close()  # PostgreSQL: close lets go before the session ends
    assert b.try_lock("k", "B")


def test_a_dead_holder_lets_go(make: Callable[[], Store]) -> None:
    a, b = make(), make()
    if isinstance(a, SQLiteStore):
        a.lease = -1
        assert a.try_lock("k", "A")
        assert b.try_lock("k", "B")
        return
    assert isinstance(a, PostgresStore)
    assert a.try_lock("k", "A")
    assert not b.try_lock("k", "B")
    # The holder's session dies without a word: the server frees its locks once it notices.
    pid = a._locks().info.backend_pid
    b._rows("SELECT pg_terminate_backend(%s)", (pid,))
    deadline = time.monotonic() + 30
    while not b.try_lock("k", "B"):
        assert time.monotonic() < deadline, "the dead holder's lock was never freed"
        time.sleep(0.02)
