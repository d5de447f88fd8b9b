"""Worker functions run in separate processes by the concurrency tests (importable for ``spawn``)."""

from __future__ import annotations

from multiprocessing.synchronize import Barrier
from pathlib import Path

import signport
from signport import Document, Envelope, SigningOrder

from ...samples import ann, bob, make_pdf


def create_and_sign(path: str, count: int, tag: str, barrier: Barrier) -> list[str]:
    """Create ``count`` envelopes and sign each to completion; returns their ids."""
    ids = []
    pdf = make_pdf(1)
    with signport.connect("local", path=Path(path), busy_timeout=60) as client:
        provider = client.provider
        barrier.wait(timeout=30)
        for i in range(count):
            env = client.send(Envelope(subject=f"{tag}-{i}", documents=[Document(name="a.pdf", content=pdf)],
                                       signers=[ann(), bob()], order=SigningOrder.SEQUENTIAL))
            assert env.id is not None
            for signer in env.signers:
                provider.sign(env.id, signer.id)  # type: ignore[attr-defined]
            ids.append(env.id)
            list(client.list())
    return ids


def race_to_sign(path: str, envelope_id: str, signer_id: str, barrier: Barrier) -> str:
    """Try to sign as ``signer_id``; returns "signed" or the error's class name."""
    with signport.connect("local", path=Path(path), busy_timeout=60) as client:
        barrier.wait(timeout=30)
        try:
            client.provider.sign(envelope_id, signer_id)  # type: ignore[attr-defined]
        except signport.SignportError as exc:
            return type(exc).__name__
        return "signed"


def storm(path: str, envelope_ids: list[str], threads: int, rounds: int, tag: str,
          barrier: Barrier) -> list[tuple[str, str, str]]:
    """``threads`` threads, each with its own client, race to sign, void and create on one store.

    Returns what succeeded: ``("signed", envelope, signer)``, ``("voided", envelope, "")``,
    ``("created", envelope, "")``; refusals (``InvalidState``: someone else moved first) are expected.
    """
    import random
    import threading

    results: list[tuple[str, str, str]] = []
    lock = threading.Lock()
    pdf = make_pdf(1)
    start = threading.Barrier(threads)

    def work(n: int) -> None:
        rng = random.Random(f"{tag}-{n}")  # deterministic per worker
        done: list[tuple[str, str, str]] = []
        with signport.connect("local", path=Path(path), busy_timeout=60) as client:
            start.wait(timeout=60)
            for r in range(rounds):
                envelope_id = rng.choice(envelope_ids)
                try:
                    if rng.random() < 0.15:
                        client.void(envelope_id, reason=f"{tag}-{n}-{r}")
                        done.append(("voided", envelope_id, ""))
                    else:
                        current = client.get(envelope_id)
                        nxt = next((s for s in current.signers if s.state.value == "next"), None)
                        if nxt is not None and nxt.id is not None:
                            client.provider.sign(envelope_id, nxt.id)  # type: ignore[attr-defined]
                            done.append(("signed", envelope_id, nxt.id))
                except signport.InvalidState:
                    pass
            env = client.send(Envelope(subject=f"{tag}-{n}", documents=[Document(name="a.pdf", content=pdf)],
                                       signers=[ann()], order=SigningOrder.SEQUENTIAL))
            assert env.id is not None
            done.append(("created", env.id, ""))
        with lock:
            results.extend(done)

    barrier.wait(timeout=60)
    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    return results
