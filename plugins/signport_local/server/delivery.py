"""Posting webhooks: a thread that takes due rows from the store's outbox and POSTs them.

Each attempt is signed afresh (``Signport-Signature``, the time of the attempt) and logged on its
row; a failure (no answer, or a status other than 2xx) is retried after a backoff that doubles,
up to ``webhook_attempts`` attempts. The thread never runs on a request's path: signing only
writes the outbox row and wakes it. Only httpx is needed here (no web framework).
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx

from .. import outbox
from ..store import EventRecord, event_from
from ..webhooks import webhook_delivery

if TYPE_CHECKING:
    from ..provider import LocalProvider

log = logging.getLogger("signport.local.webhooks")

#: Seconds between looks at the outbox when nothing woke the thread (rows written by other processes).
POLL = 0.5
#: Seconds a receiver has to answer one POST.
TIMEOUT = 10.0


class Poster:
    """Posts the pending webhook deliveries of one store, with the provider's settings."""

    def __init__(self, provider: LocalProvider) -> None:
        self.provider = provider
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="signport-webhooks", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def wake(self) -> None:
        """Look at the outbox now (a new row was written)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the attempt in flight; what is still pending stays in the outbox."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as http:
            while not self._stop.is_set():
                try:
                    busy = self.drain(http)
                except Exception:
                    busy = False
                if not busy:
                    self._wake.wait(POLL)
                    self._wake.clear()

    def drain(self, http: httpx.Client) -> bool:
        """Post every due delivery once; True if there were any."""
        provider = self.provider
        settings = provider.settings
        with provider.store.write() as conn:
            due = outbox.claim(conn, provider.now().astimezone(UTC))
            events = {d.id: conn.execute("SELECT body FROM events WHERE id = ?", (d.event_id,)).fetchone()
                      for d in due}
        for delivery in due:
            if self._stop.is_set():
                break
            row = events.get(delivery.id)
            now = provider.now().astimezone(UTC)
            if row is None:  # the event is gone (its draft was deleted)
                attempt, ok = outbox.Attempt(at=now.isoformat(), error="the event no longer exists"), False
            else:
                attempt, ok = self._post(http, delivery.url, event_from(json.loads(row[0])), now)
            if not ok:
                log.info("webhook %s to %s failed (%s)", delivery.event, delivery.url, attempt.error)
            with provider.store.write() as conn:
                outbox.record(conn, delivery.id, attempt, ok=ok, now=provider.now().astimezone(UTC),
                              max_attempts=int(settings.webhook_attempts),
                              base_backoff=float(settings.webhook_backoff))
        return bool(due)

    def _post(self, http: httpx.Client, url: str, event: EventRecord,
              now: datetime) -> tuple[outbox.Attempt, bool]:
        headers, body = webhook_delivery(event, secret=self.provider.settings.webhook_secret,
                                         timestamp=int(now.timestamp()))
        headers["user-agent"] = "signport-local-webhooks"
        try:
            response = http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return outbox.Attempt(at=now.isoformat(), error=f"{type(exc).__name__}: {exc}"[:300]), False
        ok = 200 <= response.status_code < 300
        return outbox.Attempt(at=now.isoformat(), status=response.status_code,
                              error=None if ok else f"HTTP {response.status_code}"), ok
