"""Contract: one handler module, the same kind sequence on every provider, sync and async.

* local: its stored webhook deliveries through the receiver (test_contract_local.py), and the watcher;
* iinked: the webhooks its fake makes where the vendor documents one (a signature; the package
  executed), through the receiver, which re-reads the envelope they name; the watcher as the fallback
  for the changes iinked documents no webhook for (sent, declined, rescinded: reference §7.2);
* easyink: no webhooks at all (reference §7), the watcher alone;
* docusign: the watcher (listStatusChanges), the same sequence as every other provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import signport
from signport import Envelope
from signport.events import AsyncWatcher, Receiver, SQLiteStore, Watcher

from .lifecycle import EXPECTED, Recorder, arun_lifecycle, async_handlers, run_lifecycle, signer_id, sync_handlers
from .rigs import Rig, rig

FAST = {"requests_per_minute": 60_000, "burst": 1000}


@pytest.fixture(params=["iinked", "easyink", "docusign"])
def vendor(request: pytest.FixtureRequest) -> Iterator[Rig]:
    with rig(request.param) as r:
        yield r


def _webhooks(r: Rig, env: Envelope, step: str, key: str | None = None) -> list[tuple[dict[str, str], bytes]]:
    """What iinked's fake delivers after ``step`` (§7.2): a document signed; then executed."""
    if r.name != "iinked" or step != "sign":
        return []
    assert env.id is not None
    doc = env.documents[0].id or ""
    made = [r.webhook(env.id, "document_signed", documentId=doc, signerId=signer_id(env, key or ""))]
    state = r.control.get(f"/api/v1/packages/{env.id}/status", headers={"api_key": "events-key"}).json()
    if state.get("state") == "executed":
        made += [r.webhook(env.id, "document_executed", documentId=doc), r.webhook(env.id, "package_executed")]
    return made


def test_vendor_sync(vendor: Rig, store: SQLiteStore) -> None:
    recorder = Recorder()
    handlers = sync_handlers(recorder)
    with vendor.connect() as client:
        watcher = Watcher(client, handlers, store, **FAST)
        receiver = Receiver(client, handlers, store, refresh={client.provider.name: watcher})
        http = httpx.Client(transport=httpx.WSGITransport(app=receiver.wsgi), base_url="http://app")
        assert watcher.poll() == 0  # the first sweep notes what exists
        pending: list[Callable[[], list[Any]]] = []
        posted: list[bytes] = []

        def pump() -> None:
            deliveries = [d for make in pending for d in make()]
            pending.clear()
            if deliveries:  # the vendor notified: the receiver handles it (and re-reads the envelope)
                for headers, body in deliveries:
                    assert http.post("/webhooks", headers=headers, content=body).status_code == 200
                    posted.append(body)
            else:
                watcher.poll()

        def sign(e: Envelope, key: str) -> None:
            vendor.sign(e.id or "", signer_id(e, key))
            pending.append(lambda: _webhooks(vendor, e, "sign", key))

        run_lifecycle(recorder, client.send, sign, lambda e, k: vendor.decline(e.id or "", signer_id(e, k)),
                      lambda e: client.void(e.id or "", "withdrawn"), pump, client.capabilities)
        assert watcher.poll() == 0  # a last sweep finds nothing new: every change was reported once
    assert recorder.seen == EXPECTED
    # iinked: the three signatures came by webhook (no sweep ran after them), five deliveries in all.
    assert len(posted) == (5 if vendor.name == "iinked" else 0)


async def test_vendor_async(vendor: Rig, store: SQLiteStore) -> None:
    recorder = Recorder()
    handlers = async_handlers(recorder)
    async with vendor.connect_async() as client:
        watcher = AsyncWatcher(client, handlers, store, **FAST)
        receiver = Receiver(client, handlers, store, refresh={client.provider.name: watcher})
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver), base_url="http://app")
        assert await watcher.poll() == 0
        pending: list[Callable[[], list[Any]]] = []

        async def pump() -> None:
            deliveries = [d for make in pending for d in make()]
            pending.clear()
            if deliveries:
                for headers, body in deliveries:
                    assert (await http.post("/webhooks", headers=headers, content=body)).status_code == 200
            else:
                await watcher.poll()

        async def sign(e: Envelope, key: str) -> None:
            vendor.sign(e.id or "", signer_id(e, key))
            pending.append(lambda: _webhooks(vendor, e, "sign", key))

        async def decline(e: Envelope, key: str) -> None:
            vendor.decline(e.id or "", signer_id(e, key))

        async def void(e: Envelope) -> None:
            await client.void(e.id or "", "withdrawn")

        await arun_lifecycle(recorder, client.send, sign, decline, void, pump, client.capabilities)
        assert await watcher.poll() == 0
        await http.aclose()
    assert recorder.seen == EXPECTED


def test_local_watcher_and_deliveries_together(tmp_path: Path, store: SQLiteStore) -> None:
    """Both sources on one store: every change reaches the handlers once, whichever reports it first."""
    recorder = Recorder()
    handlers = sync_handlers(recorder)
    with signport.connect("local", path=tmp_path / "local") as client:
        watcher = Watcher(client, handlers, store, **FAST)
        receiver = Receiver(client, handlers, store)
        watcher.poll()
        flip = [0]

        def pump() -> None:
            flip[0] += 1
            if flip[0] % 2:
                watcher.poll()
            for envelope_id in recorder.labels:
                for headers, body in client.provider.webhook_deliveries(envelope_id):
                    assert receiver.respond("POST", "/", headers, body).status == 200
            watcher.poll()

        local = client.provider
        run_lifecycle(recorder, client.send, lambda e, k: local.sign(e.id, signer_id(e, k)),
                      lambda e, k: local.decline(e.id, signer_id(e, k), "no"), lambda e: client.void(e.id, "x"),
                      pump)
    assert recorder.seen == EXPECTED
