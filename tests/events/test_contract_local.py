"""Contract, local provider: its stored webhook deliveries through the receiver (WSGI sync, ASGI async)."""

from __future__ import annotations

from pathlib import Path

import httpx

import signport
from signport.events import Receiver, SQLiteStore

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
