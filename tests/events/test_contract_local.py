"""Contract, local provider: stored deliveries through the receiver (WSGI sync, ASGI async), and webhooks
the local provider posts itself (signed) to the receiver served on 127.0.0.1."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

import signport
from signport.events import Receiver, SQLiteStore, Verification
from signport.fakeserver import serve

from .lifecycle import EXPECTED, Recorder, arun_lifecycle, async_handlers, run_lifecycle, signer_id, sync_handlers


def test_local_deliveries_sync(tmp_path: Path, store: SQLiteStore) -> None:
    recorder = Recorder()
    with signport.connect("local", path=tmp_path / "local") as client:
        receiver = Receiver(client, sync_handlers(recorder), store)
        http = httpx.Client(transport=httpx.WSGITransport(app=receiver.wsgi), base_url="http://app")
        local = client.provider

        def pump() -> None:
            # Every stored delivery is posted again each time: redeliveries must collapse.
            for envelope_id in recorder.labels:
                for headers, body in local.webhook_deliveries(envelope_id):
                    assert http.post("/hooks/local", headers=headers, content=body).status_code == 200

        run_lifecycle(recorder, client.send, lambda e, k: local.sign(e.id, signer_id(e, k)),
                      lambda e, k: local.decline(e.id, signer_id(e, k), "no"), lambda e: client.void(e.id, "x"),
                      pump)
    assert recorder.seen == EXPECTED
    assert all(e.provider == "local" and e.id and e.id.startswith("evt_") for e in recorder.events)


async def test_local_deliveries_async(tmp_path: Path, store: SQLiteStore) -> None:
    recorder = Recorder()
    async with signport.connect_async("local", path=tmp_path / "local") as client:
        receiver = Receiver(client, async_handlers(recorder), store)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver), base_url="http://app")
        local = client.provider

        async def pump() -> None:
            for envelope_id in recorder.labels:
                for headers, body in local.webhook_deliveries(envelope_id):
                    assert (await http.post("/hooks", headers=headers, content=body)).status_code == 200

        async def sign(e: signport.Envelope, k: str) -> None:
            local.sign(e.id, signer_id(e, k))

        async def decline(e: signport.Envelope, k: str) -> None:
            local.decline(e.id, signer_id(e, k), "no")

        async def void(e: signport.Envelope) -> None:
            await client.void(e.id, "x")

        await arun_lifecycle(recorder, client.send, sign, decline, void, pump)
        await http.aclose()
    assert recorder.seen == EXPECTED


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_local_posted_webhooks(tmp_path: Path, store: SQLiteStore, flavour: str) -> None:
    """The local provider POSTs its events (signed) to the receiver served on 127.0.0.1."""
    recorder = Recorder()
    handlers = sync_handlers(recorder) if flavour == "sync" else async_handlers(recorder)
    secret = "local-webhook-secret"
    with signport.connect("local", path=tmp_path / "local", webhook_secret=secret) as parser:
        receiver = Receiver(parser, handlers, store, require_verification=True)
        with serve(receiver) as url, signport.connect("local", path=tmp_path / "local", webhook_secret=secret,
                                                      webhook_urls=[f"{url}/hooks/local"]) as client:
            local = client.provider

            def pump() -> None:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    rows = [d for e in recorder.labels for d in local.deliveries(e)]
                    if all(d.status == "delivered" for d in rows):
                        return
                    time.sleep(0.02)
                raise AssertionError(f"undelivered: {[(d.event, d.status, d.log) for d in rows]}")

            run_lifecycle(recorder, client.send, lambda e, k: local.sign(e.id, signer_id(e, k)),
                          lambda e, k: local.decline(e.id, signer_id(e, k), "no"),
                          lambda e: client.void(e.id, "x"), pump)
    assert recorder.seen == EXPECTED
    assert {e.verification for e in recorder.events} == {Verification.VERIFIED}
