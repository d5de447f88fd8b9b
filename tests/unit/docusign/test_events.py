"""Connect messages through the events receiver: verified, handled once, refused when forged."""

from __future__ import annotations

from pathlib import Path

import httpx

import signport
from signport import EventKind
from signport.events import Event, Handlers, Receiver, SQLiteStore

from ...samples import envelope


def test_connect_messages_through_the_receiver(client: signport.Client, control: httpx.Client,
                                               tmp_path: Path) -> None:
    sent = client.send(envelope(client.capabilities))
    for signer in sent.signers:
        control.post(f"/_control/envelopes/{sent.id}/recipients/{signer.id}/sign").raise_for_status()
    made = control.post(f"/_control/envelopes/{sent.id}/webhook", json={"event": "envelope-completed"}).json()
    headers, body = made["headers"], made["body"].encode()
    calls: list[Event] = []
    handlers = Handlers()
    handlers.add(calls.append, EventKind.ENVELOPE_COMPLETED)
    with SQLiteStore(tmp_path / "events.sqlite3") as store:
        http = httpx.Client(transport=httpx.WSGITransport(app=Receiver(client, handlers, store).wsgi),
                            base_url="http://app")
        assert http.post("/", headers=headers, content=body).status_code == 200
        assert http.post("/", headers=headers, content=body).json()["outcome"] == "duplicate"  # at-least-once
        forged = {**headers, "X-DocuSign-Signature-1": "AAAA", "X-DocuSign-Signature-2": "AAAA"}
        assert http.post("/", headers=forged, content=body).status_code == 401
    assert [(e.kind, e.envelope_id, e.verified) for e in calls] == [(EventKind.ENVELOPE_COMPLETED, sent.id, True)]
