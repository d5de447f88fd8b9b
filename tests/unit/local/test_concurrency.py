"""Two processes on one store folder: WAL, ``BEGIN IMMEDIATE`` and a busy timeout keep it whole."""

from __future__ import annotations

import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import attrs
import pytest

import signport
from signport import SignerState, SigningOrder, State
from signport_local.provider import LocalProvider

from ...samples import envelope
from . import workers


def test_two_processes_mutating_concurrently(store_path: Path) -> None:
    store_path.mkdir(parents=True)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        barrier = manager.Barrier(2)
        futures = [pool.submit(workers.create_and_sign, str(store_path), 6, tag, barrier) for tag in "ab"]
        ids = [i for f in futures for i in f.result(timeout=120)]
    assert len(ids) == len(set(ids)) == 12
    with signport.connect("local", path=store_path) as client:
        done = list(client.list(states={State.COMPLETED}))
        assert sorted(e.id for e in done) == sorted(ids)
        assert {e.subject for e in done} == {f"{t}-{i}" for t in "ab" for i in range(6)}
        for env in done:
            assert len(client.provider.events(env.id)) == 6  # type: ignore[attr-defined]
    conn = sqlite3.connect(store_path / "signport.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 12 * 6
    finally:
        conn.close()


def test_only_one_of_two_processes_signs_the_same_turn(store_path: Path) -> None:
    with signport.connect("local", path=store_path) as client:
        sent = client.send(envelope(order=SigningOrder.SEQUENTIAL))
    assert sent.id is not None
    assert sent.signers[0].id is not None
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        barrier = manager.Barrier(2)
        futures = [pool.submit(workers.race_to_sign, str(store_path), sent.id, sent.signers[0].id, barrier)
                   for _ in range(2)]
        outcomes = sorted(f.result(timeout=120) for f in futures)
    assert outcomes == ["InvalidState", "signed"]
    with signport.connect("local", path=store_path) as client:
        now = client.get(sent.id)
        assert [s.state for s in now.signers] == [SignerState.SIGNED, SignerState.NEXT]
        assert now.state is State.IN_PROGRESS


def _child_signs(path: str, envelope_id: str, signer_id: str, provider: object) -> None:
    """Runs in a forked child: the inherited provider must open its own connection."""
    assert isinstance(provider, LocalProvider)
    provider.sign(envelope_id, signer_id)


def test_a_forked_child_uses_its_own_connection(store_path: Path) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    with signport.connect("local", path=store_path) as client:
        sent = client.send(envelope(order=SigningOrder.SEQUENTIAL))
        assert sent.id is not None
        child = multiprocessing.get_context("fork").Process(
            target=_child_signs, args=(str(store_path), sent.id, sent.signers[0].id, client.provider))
        child.start()
        child.join(timeout=60)
        assert child.exitcode == 0
        now = client.get(sent.id)  # the parent's connection still works
        assert [s.state for s in now.signers] == [SignerState.SIGNED, SignerState.NEXT]
        client.provider.sign(sent.id, sent.signers[1].id)  # type: ignore[attr-defined]
        assert client.get(sent.id).state is State.COMPLETED


PROCESSES, THREADS, ROUNDS = 3, 6, 4


def test_processes_times_threads_lose_no_update_and_make_no_bad_transition(store_path: Path) -> None:
    """N processes x M threads on one store race to sign, void and create (a bounded run)."""
    with signport.connect("local", path=store_path) as client:
        three = attrs.evolve(envelope(order=SigningOrder.SEQUENTIAL),
                             signers=[*envelope().signers, signport.Signer(first_name="Cy", last_name="Day",
                                                                           email="cy@example.com")])
        targets = [client.send(attrs.evolve(three, subject=f"target-{i}")).id for i in range(6)]
    ids = [str(i) for i in targets]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(max_workers=PROCESSES, mp_context=context) as pool:
        barrier = manager.Barrier(PROCESSES)
        futures = [pool.submit(workers.storm, str(store_path), ids, THREADS, ROUNDS, f"p{p}", barrier)
                   for p in range(PROCESSES)]
        results = [r for f in futures for r in f.result(timeout=180)]

    signed = [(e, s) for what, e, s in results if what == "signed"]
    voided = [e for what, e, _ in results if what == "voided"]
    created = [e for what, e, _ in results if what == "created"]
    assert signed, "no signature went through: the run raced nothing"
    assert len(signed) == len(set(signed)), "a signer's turn was taken twice"
    assert len(voided) == len(set(voided)), "an envelope was voided twice"
    assert len(created) == len(set(created)) == PROCESSES * THREADS
    with signport.connect("local", path=store_path) as client:
        for envelope_id in created:  # no create lost
            assert client.get(envelope_id).state is State.SENT
        for envelope_id in ids:
            now = client.get(envelope_id)
            states = [s.state for s in now.signers]
            done = [s.id for s in now.signers if s.state is SignerState.SIGNED]
            # No lost update: every sign that succeeded is on record, and nothing else is.
            assert sorted(done) == sorted(s for e, s in signed if e == envelope_id)
            # Sequential order kept: the signed signers are a prefix.
            assert states[:len(done)] == [SignerState.SIGNED] * len(done)
            if envelope_id in voided:  # voided only while it was live, and it stays voided
                assert now.state is State.VOIDED
                assert len(done) < len(states)
            elif len(done) == len(states):
                assert now.state is State.COMPLETED
            else:
                assert now.state in {State.SENT, State.IN_PROGRESS}
    conn = sqlite3.connect(store_path / "signport.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
