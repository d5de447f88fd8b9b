"""Webhooks posted for real: every event reaches every URL, signed; a failing receiver gets it on a retry."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from signport import Verification
from signport.fakeserver import serve
from signport_local.outbox import DELIVERED

from .conftest import Served, start
from .test_browser import two_signers

SECRET = "whsec-test-0123456789"


class Receiver:
    """An app's webhook endpoint: records every POST; ``fail_first`` answers 500 that many times per event."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.posts: list[tuple[dict[str, str], bytes, int]] = []
        self._tries: dict[str, int] = {}
        self._lock = threading.Lock()

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        event_id = str(json.loads(body).get("id"))
        with self._lock:
            tries = self._tries[event_id] = self._tries.get(event_id, 0) + 1
            status = 500 if tries <= self.fail_first else 204
            self.posts.append((dict(request.headers), body, status))
        return Response(status_code=status)

    def accepted(self) -> list[tuple[dict[str, str], bytes]]:
        with self._lock:
            return [(h, b) for h, b, status in self.posts if status < 300]


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver, str, str]]:
    good, flaky = Receiver(), Receiver(fail_first=2)
    with serve(Starlette(routes=[Route("/hook", good.endpoint, methods=["POST"])])) as a, \
            serve(Starlette(routes=[Route("/hook", flaky.endpoint, methods=["POST"])])) as b:
        yield good, flaky, f"{a}/hook", f"{b}/hook"


@pytest.fixture
def hooked(tmp_path: Path, receivers: tuple[Receiver, Receiver, str, str]) -> Iterator[Served]:
    _, _, good_url, flaky_url = receivers
    yield from start(tmp_path, webhook_urls=[good_url, flaky_url], webhook_secret=SECRET,
                     webhook_backoff=0.05, webhook_attempts=4)


def settle(served: Served, envelope_id: str, count: int, seconds: float = 20.0) -> list[Any]:
    """Wait (bounded) until ``count`` deliveries of the envelope are delivered; returns them all."""
    deadline = time.monotonic() + seconds
    while True:
        deliveries = served.server.deliveries(envelope_id)
        if sum(d.status == DELIVERED for d in deliveries) >= count or time.monotonic() > deadline:
            return deliveries
        time.sleep(0.05)


def test_every_event_reaches_every_url_signed_and_a_failing_one_on_the_third_attempt(
        hooked: Served, receivers: tuple[Receiver, Receiver, str, str], page: Any) -> None:
    good, flaky, good_url, flaky_url = receivers
    env = hooked.client.send(two_signers())
    assert env.id is not None
    for signer in env.signers:
        assert signer.id is not None
        hooked.client.provider.sign(env.id, signer.id)  # type: ignore[attr-defined]
    events = hooked.server.event_records(env.id)
    assert [e.event for e in events] == ["envelope_created", "envelope_sent", "signer_signed", "signer_signed",
                                         "document_completed", "envelope_completed"]
    deliveries = settle(hooked, env.id, 2 * len(events))
    assert all(d.status == DELIVERED for d in deliveries), [(d.url, d.status, d.log) for d in deliveries]

    # Each event reached the good receiver exactly once, signed with the shared secret.
    received = good.accepted()
    assert sorted(json.loads(b)["id"] for _, b in received) == sorted(e.id for e in events)
    for headers, body in received:
        event = hooked.client.parse_webhook(headers, body)
        assert event.verification is Verification.VERIFIED
        assert event.envelope_id == env.id

    # The flaky receiver answered 500 twice per event and took the third attempt.
    assert sorted(json.loads(b)["id"] for _, b in flaky.accepted()) == sorted(e.id for e in events)
    for delivery in (d for d in deliveries if d.url == flaky_url):
        assert [a.status for a in delivery.log] == [500, 500, 204]
        assert delivery.attempts == 3
    for delivery in (d for d in deliveries if d.url == good_url):
        assert [a.status for a in delivery.log] == [204]

    # The delivery log is on the envelope page, and a delivery can be sent again from there.
    page.goto(f"{hooked.url}/envelopes/{env.id}#webhooks")
    rows = page.locator("table.deliveries tr[data-delivery-id]")
    assert rows.count() == 2 * len(events)
    completed = next(d for d in deliveries if d.url == good_url and d.event == "envelope_completed")
    before = len(good.accepted())
    page.locator(f"tr[data-delivery-id='{completed.id}'] button").click()
    page.wait_for_url(f"**/envelopes/{env.id}#webhooks")
    deadline = time.monotonic() + 20
    while len(good.accepted()) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    again = good.accepted()[before:]
    assert [json.loads(b)["event"] for _, b in again] == ["envelope_completed"]
    assert hooked.client.parse_webhook(*again[0]).verification is Verification.VERIFIED
    redone = settle(hooked, env.id, 2 * len(events))
    assert [a.status for a in next(d for d in redone if d.id == completed.id).log] == [204, 204]
