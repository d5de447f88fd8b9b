"""The receiver under real deliveries and faults: duplicates, disorder, failing handlers, crashes, races."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import signport
from signport import EventKind
from signport.events import Event, Handlers, Receiver, SQLiteStore, Verification

from ..samples import envelope

SECRET = "test-webhook-secret"


@pytest.fixture
def local(tmp_path: Path) -> Iterator[signport.Client]:
    with signport.connect("local", path=tmp_path / "local") as client:
        yield client


def deliveries(client: signport.Client) -> list[tuple[dict[str, str], bytes]]:
    """A completed envelope's stored deliveries (created, sent, two signed, document and envelope completed)."""
    env = client.send(envelope())
    for signer in env.signers:
        client.provider.sign(env.id, signer.id)
    return list(client.provider.webhook_deliveries(env.id))


def counting(kinds: tuple[EventKind, ...] = ()) -> tuple[Handlers, list[Event]]:
    handlers, calls = Handlers(), []
    handlers.add(calls.append, *kinds)
    return handlers, calls


def wsgi(receiver: Receiver) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=receiver.wsgi), base_url="http://app")


def test_duplicate_deliveries_run_handlers_once(local: signport.Client, store: SQLiteStore) -> None:
    handlers, calls = counting()
    http = wsgi(Receiver(local, handlers, store))
    sent = deliveries(local)
    outcomes = [http.post("/", headers=h, content=b).json()["outcome"] for h, b in sent * 3]
    assert outcomes[:len(sent)] == ["handled"] * len(sent)
    assert outcomes[len(sent):] == ["duplicate"] * (2 * len(sent))
    assert len(calls) == len(sent) == 6
    assert sorted(store.processed_ids()) == sorted(e.id for e in calls)


async def test_out_of_order_deliveries_each_handled_once(local: signport.Client, store: SQLiteStore) -> None:
    handlers, calls = counting()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=Receiver(local, handlers, store)),
                             base_url="http://app")
    sent = deliveries(local)
    for h, b in [*reversed(sent), sent[2], sent[0]]:
        assert (await http.post("/", headers=h, content=b)).status_code == 200
    assert [e.kind for e in calls] == [local.parse_webhook(h, b).kind for h, b in reversed(sent)]
    assert calls[0].kind is EventKind.ENVELOPE_COMPLETED
    await http.aclose()


def test_a_failing_handler_answers_5xx_and_runs_again_on_redelivery(local: signport.Client,
                                                                    store: SQLiteStore) -> None:
    handlers, attempts = Handlers(), []

    @handlers.on(EventKind.ENVELOPE_COMPLETED)
    def flaky(event: Event) -> None:
        attempts.append(event.id)
        if len(attempts) == 1:
            raise RuntimeError("database down")

    http = wsgi(Receiver(local, handlers, store))
    headers, body = deliveries(local)[-1]
    first = http.post("/", headers=headers, content=body)
    assert first.status_code == 500
    assert "database" not in first.text  # no internals in the answer
    assert not store.processed(attempts[0])
    assert http.post("/", headers=headers, content=body).json()["outcome"] == "handled"
    assert http.post("/", headers=headers, content=body).json()["outcome"] == "duplicate"
    assert len(attempts) == 2
    assert store.processed(attempts[0])


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"content-type": "application/json", "x-syngrafii-signature": base64.b64encode(digest).decode()}


def _iinked(**settings: Any) -> signport.Client:
    return signport.connect("iinked", api_key="k", base_url="http://127.0.0.1:9/api/v1", **settings)


def _iinked_body() -> bytes:
    # Signed now: a verified iinked delivery older than ``webhook_tolerance`` is refused as a replay.
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
    return json.dumps({"action": "package_executed", "packageId": "p1", "eventId": "e1", "eventTime": now}).encode()


def test_a_configured_verifier_that_fails_answers_401_and_calls_nothing(store: SQLiteStore) -> None:
    from signport_iinked.provider import hmac_verifier

    handlers, calls = counting()
    with _iinked(webhook_verifier=hmac_verifier(encoding="base64"), webhook_secret=SECRET) as client:
        http = wsgi(Receiver(client, handlers, store))
        body = _iinked_body()
        assert http.post("/", headers=_signed(body, "wrong"), content=body).status_code == 401
        assert http.post("/", headers={"content-type": "application/json"}, content=body).status_code == 401
        assert calls == []
        assert http.post("/", headers=_signed(body), content=body).status_code == 200
    assert [(e.kind, e.verification) for e in calls] == [(EventKind.ENVELOPE_COMPLETED, Verification.VERIFIED)]


def test_require_verification_refuses_unverifiable_deliveries(store: SQLiteStore) -> None:
    handlers, calls = counting()
    with _iinked() as client:
        http = wsgi(Receiver(client, handlers, store, require_verification=True))
        assert http.post("/", content=_iinked_body()).status_code == 401
    assert calls == []


def test_bad_requests(local: signport.Client, store: SQLiteStore) -> None:
    handlers, calls = counting()
    with _iinked() as iinked:
        receiver = Receiver({"local": local, "iinked": iinked}, handlers, store, max_body=1000)
        http = wsgi(receiver)
        assert http.get("/hooks/local").status_code == 405
        assert http.post("/hooks/docusign", content=b"{}").status_code == 404
        assert http.post("/hooks/local", content=b"not json").status_code == 400
        assert http.post("/hooks/iinked", content=b"[]").status_code == 400
        assert http.post("/hooks/local", content=b"x" * 1001).status_code == 413
        chunked = http.post("/hooks/local", content=iter([b"x" * 600, b"x" * 600]))
        assert chunked.status_code == 413
        assert http.post("/hooks/iinked", content=_iinked_body()).status_code == 200
    assert [e.provider for e in calls] == ["iinked"]


async def test_asgi_size_limit_and_method(local: signport.Client, store: SQLiteStore) -> None:
    handlers, calls = counting()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=Receiver(local, handlers, store, max_body=10)),
                             base_url="http://app")
    assert (await http.post("/", content=b"x" * 11)).status_code == 413

    async def chunks() -> Any:
        yield b"x" * 6
        yield b"x" * 6

    assert (await http.post("/", content=chunks())).status_code == 413
    assert (await http.put("/", content=b"{}")).status_code == 405
    assert calls == []
    await http.aclose()


def test_concurrent_deliveries_to_two_receivers_call_the_handler_once(local: signport.Client,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    handlers, calls = Handlers(), []
    started = threading.Event()

    @handlers.on(EventKind.ENVELOPE_COMPLETED)
    def slow(event: Event) -> None:
        calls.append(event.id)
        started.set()
        time.sleep(0.3)  # the second delivery arrives while this one is being handled

    headers, body = deliveries(local)[-1]
    receivers = [Receiver(local, handlers, SQLiteStore(path)) for _ in range(2)]
    replies: list[Any] = []

    def post(receiver: Receiver) -> None:
        replies.append(receiver.respond("POST", "/", headers, body))

    first = threading.Thread(target=post, args=(receivers[0],))
    first.start()
    assert started.wait(10)
    post(receivers[1])  # waits for the first to finish, then sees a duplicate
    first.join()
    assert len(calls) == 1
    assert sorted(json.loads(r.body)["outcome"] for r in replies) == ["duplicate", "handled"]
    assert {r.status for r in replies} == {200}


def test_busy_elsewhere_asks_the_vendor_to_retry(local: signport.Client, tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    release, started = threading.Event(), threading.Event()
    handlers = Handlers()

    @handlers.on()
    def blocking(event: Event) -> None:
        started.set()
        release.wait(10)

    headers, body = deliveries(local)[-1]
    worker = threading.Thread(target=Receiver(local, handlers, SQLiteStore(path)).respond,
                              args=("POST", "/", headers, body))
    worker.start()
    assert started.wait(10)
    reply = Receiver(local, handlers, SQLiteStore(path), busy_wait=0).respond("POST", "/", headers, body)
    release.set()
    worker.join()
    assert reply.status == 503
    assert dict(reply.headers)["retry-after"].isdigit()


CRASHING = """
import os, sys
import signport
from signport.events import Handlers, Receiver, SQLiteStore
handlers = Handlers()
@handlers.on()
def effect(event):
    with open(sys.argv[3], "a") as fh:
        fh.write(event.id + "\\n")
    os._exit(17)   # dies after the side effect, before the store records the event
with signport.connect("local", path=sys.argv[1]) as client:
    body = sys.stdin.buffer.read()
    Receiver(client, handlers, SQLiteStore(sys.argv[2])).respond("POST", "/", {}, body)
"""


def test_a_crash_between_handling_and_recording_runs_the_handler_again(local: signport.Client,
                                                                        tmp_path: Path) -> None:
    """At least once: the claim of a dead process goes stale, the redelivery runs the handler again."""
    path, effects = tmp_path / "shared.sqlite3", tmp_path / "effects.txt"
    headers, body = deliveries(local)[-1]
    local_path = str(tmp_path / "local")
    command = [sys.executable, "-c", CRASHING, local_path, str(path), str(effects)]
    done = subprocess.run(command, input=body, check=False, timeout=60)  # noqa: S603 - this test's own script
    assert done.returncode == 17
    assert len(effects.read_text().splitlines()) == 1

    handlers = Handlers()

    @handlers.on()
    def effect(event: Event) -> None:
        with effects.open("a") as fh:
            fh.write(f"{event.id}\n")

    fresh = Receiver(local, handlers, SQLiteStore(path), busy_wait=0)
    assert fresh.respond("POST", "/", headers, body).status == 503  # the dead claim is not stale yet
    retry = Receiver(local, handlers, SQLiteStore(path), claim_timeout=0, busy_wait=0)
    assert json.loads(retry.respond("POST", "/", headers, body).body)["outcome"] == "handled"
    assert json.loads(retry.respond("POST", "/", headers, body).body)["outcome"] == "duplicate"
    lines = effects.read_text().splitlines()
    assert len(lines) == 2
    assert len(set(lines)) == 1  # the same event id both times: an idempotent handler keys on it
