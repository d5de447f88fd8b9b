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
