"""Scale: 4 receiver processes and 2 watcher processes share one store; every expected event once.

Half the envelopes live on the iinked fake: their webhooks go to the receivers, each delivery twice (to
two receivers at once) and each envelope's deliveries shuffled. The other half live on the EasyInk fake,
which two watcher processes poll. Each handler call is written to its process's file; the test counts
by event id. The same runs on PostgreSQL and on SQLite.

CI runs ``SIGNPORT_SCALE_ENVELOPES`` envelopes (default 60); the full run is 1,000.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from signport import Document, Envelope, EventKind, Field, FieldType, Placement, Signer
from signport.events import change_id
from signport.fakeserver import serve

from ..samples import make_pdf
from .rigs import Rig, app

ENVELOPES = int(os.environ.get("SIGNPORT_SCALE_ENVELOPES", "60"))
ROOT = Path(__file__).resolve().parents[2]
PDF = make_pdf(1)


def _envelope(n: int, caps: Any) -> Envelope:
    fields = FieldType.SIGNATURE in caps.field_types
    return Envelope(subject=f"Scale {n}", documents=[Document(name="s.pdf", content=PDF)],
                    signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann"),
                             Signer(first_name="Bob", last_name="Ray", email="bob@example.com", key="bob")],
                    fields=[Field(type=FieldType.SIGNATURE, signer=k, placement=Placement(1, 100, 100 + 80 * i,
                                                                                          150, 40))
                            for i, k in enumerate(("ann", "bob")) if fields])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spawn(role: str, store: str, out: Path, vendor_url: str, port: int = 0) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.events.scale_worker", role, "--store", store, "--out", str(out),
               "--vendor-url", vendor_url, "--port", str(port)]
    return subprocess.Popen(command, cwd=ROOT)  # noqa: S603 - this interpreter, this suite's worker


def _wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "a receiver process died"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("a receiver did not start")


class Driver:
    """Drives envelopes through their lifecycles and knows which events must come out."""

    def __init__(self, iinked: Rig, easyink: Rig, receivers: list[str]) -> None:
        self.iinked, self.easyink = iinked, easyink
        self.receivers = receivers
        self.expected_webhooks: set[str] = set()
        self.expected_polled: set[str] = set()
        self.statuses: Counter[int] = Counter()
        self.deliveries = 0

    def _post_twice(self, http: httpx.Client, pool: ThreadPoolExecutor, headers: dict[str, str],
                    body: bytes) -> None:
        targets = random.sample(self.receivers, 2)
        replies = list(pool.map(lambda url: http.post(url, headers=headers, content=body), targets))
        self.statuses.update(r.status_code for r in replies)
        self.deliveries += len(replies)

    def iinked_lifecycle(self, n: int) -> None:
        with self.iinked.connect() as client, httpx.Client(timeout=60) as http, \
                ThreadPoolExecutor(2) as pool:
            env = client.send(_envelope(n, client.capabilities))
            ann, bob = (env.signer(k).id or "" for k in ("ann", "bob"))
            doc = env.documents[0].id or ""
            for signer in (ann, bob):
                self.iinked.sign(env.id, signer)
            made = [self.iinked.webhook(env.id, "document_signed", documentId=doc, signerId=s) for s in (ann, bob)]
            made += [self.iinked.webhook(env.id, "document_executed", documentId=doc),
                     self.iinked.webhook(env.id, "package_executed")]
            random.shuffle(made)  # out of order
            for headers, body in made:
                self._post_twice(http, pool, headers, body)
        self.expected_webhooks |= {
            change_id("iinked", env.id, EventKind.DOCUMENT_SIGNED, ann, doc),
            change_id("iinked", env.id, EventKind.DOCUMENT_SIGNED, bob, doc),
            change_id("iinked", env.id, EventKind.DOCUMENT_COMPLETED, document_id=doc),
            change_id("iinked", env.id, EventKind.ENVELOPE_COMPLETED)}

    def easyink_lifecycle(self, n: int) -> None:
        with self.easyink.connect() as client:
            env = client.send(_envelope(n, client.capabilities))
            ann, bob = (env.signer(k).id or "" for k in ("ann", "bob"))
            expect = [change_id("easyink", env.id, EventKind.ENVELOPE_SENT)]
            if n % 3 == 2:
                client.void(env.id, "withdrawn")
                expect.append(change_id("easyink", env.id, EventKind.ENVELOPE_VOIDED))
            else:
                self.easyink.sign(env.id, ann)
                expect.append(change_id("easyink", env.id, EventKind.SIGNER_SIGNED, ann))
                if n % 3 == 0:
                    self.easyink.sign(env.id, bob)
                    expect += [change_id("easyink", env.id, EventKind.SIGNER_SIGNED, bob),
                               change_id("easyink", env.id, EventKind.ENVELOPE_COMPLETED)]
                else:
                    self.easyink.decline(env.id, bob)
                    expect += [change_id("easyink", env.id, EventKind.SIGNER_DECLINED, bob),
                               change_id("easyink", env.id, EventKind.ENVELOPE_DECLINED)]
        self.expected_polled |= set(expect)


def _recorded(files: list[Path]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for f in files:
        if f.exists():
            counts.update(line.split()[0] for line in f.read_text().splitlines() if line)
    return counts


@pytest.mark.parametrize("backend", ["postgres", "sqlite"])
def test_every_expected_event_exactly_once(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    store = (request.getfixturevalue("postgres_server").new_database() if backend == "postgres"
             else f"sqlite:///{tmp_path / 'events.sqlite3'}")
    files = [tmp_path / f"out-{i}.txt" for i in range(6)]
    procs: list[subprocess.Popen[bytes]] = []
    started = time.perf_counter()
    with serve(app("iinked")) as iinked_url, serve(app("easyink")) as easyink_url:
        iinked, easyink = Rig("iinked", iinked_url), Rig("easyink", easyink_url)
        try:
            ports = [_free_port() for _ in range(4)]
            procs += [_spawn("receiver", store, files[i], iinked_url, port) for i, port in enumerate(ports)]
            procs += [_spawn("watcher", store, files[4 + i], easyink_url) for i in range(2)]
            for port, proc in zip(ports, procs, strict=False):
                _wait_listening(port, proc)
            driver = Driver(iinked, easyink, [f"http://127.0.0.1:{p}/webhooks" for p in ports])
            half = ENVELOPES // 2
            with ThreadPoolExecutor(6) as pool:
                jobs = [pool.submit(driver.iinked_lifecycle, n) for n in range(half)]
                jobs += [pool.submit(driver.easyink_lifecycle, n) for n in range(ENVELOPES - half)]
                for job in jobs:
                    job.result()
            driven = time.perf_counter()
            deadline = time.monotonic() + 120 + ENVELOPES * 0.5
            while not driver.expected_polled <= set(_recorded(files)) and time.monotonic() < deadline:
                assert all(p.poll() is None for p in procs), "a worker process died"
                time.sleep(0.2)
            time.sleep(1.0)  # one more sweep or so: a late duplicate would show now
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)
            iinked.control.close()
            easyink.control.close()
    counts = _recorded(files)
    expected = driver.expected_webhooks | driver.expected_polled
    print(f"\nscale[{backend}]: {ENVELOPES} envelopes, {len(expected)} expected events, "
          f"{driver.deliveries} webhook deliveries (each event twice, shuffled), {sum(counts.values())} handler "
          f"calls, {sum(1 for c in counts.values() if c > 1)} repeated; driving {driven - started:.1f} s, "
          f"watchers caught up {time.perf_counter() - driven:.1f} s later")
    assert driver.statuses == Counter({200: driver.deliveries})
    assert set(counts) == expected
    assert [i for i, c in counts.items() if c != 1] == []
    assert len(driver.expected_webhooks) == 4 * (ENVELOPES // 2)
