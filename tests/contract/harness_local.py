"""Contract harness for the embedded ``local`` provider: no fake, no cassette, just a store in ``tmp_path``.

The local signing server runs beside it (``signport_local.server.running``) and the clients are given
its ``server_url``, so ``signing_url`` returns links to real signing pages.

Signing and declining go through a control client's ``client.provider`` on the same store (a second
connection, as another process would have); ``expire`` moves the providers' shared clock past the
envelope's ``sign_by``; webhooks are the local provider's own event deliveries.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import signport
from signport import EventKind
from signport_local.provider import LocalProvider, webhook_delivery
from signport_local.server import running
from signport_local.store import EventRecord, new_id


class Clock:
    """The clock every provider of the harness shares: real time plus an offset."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move_past(self, when: datetime) -> None:
        """Jump forward so that ``when`` is in the past."""
        gap = when - self()
        if gap >= timedelta():
            self.offset += gap + timedelta(seconds=1)


def _kind(name: str) -> EventKind:
    text = name.strip().lower()
    for candidate in (text, f"envelope_{text}"):
        try:
            return EventKind(candidate)
        except ValueError:
            pass
    try:
        return EventKind[name.strip().upper()]
    except KeyError:
        raise ValueError(f"no event kind {name!r}") from None


class LocalHarness:
    """What the contract scenarios need from the ``local`` provider."""

    name = "local"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = Clock()
        self._stack = contextlib.ExitStack()
        self.server_url: str | None = None
        self._control = self.client()
        try:
            self.server_url = self._stack.enter_context(running(self.provider))
        except BaseException:
            self._control.close()
            raise

    def _wire(self, provider: Any) -> None:
        assert isinstance(provider, LocalProvider)
        provider.now = self.clock

    def client(self) -> signport.Client:
        client = signport.connect("local", path=self.path, server_url=self.server_url)
        self._wire(client.provider)
        return client

    def async_client(self) -> signport.AsyncClient:
        client = signport.connect_async("local", path=self.path, server_url=self.server_url)
        self._wire(client.provider)
        return client

    @property
    def provider(self) -> LocalProvider:
        provider = self._control.provider
        assert isinstance(provider, LocalProvider)
        return provider

    def sign(self, envelope_id: str, signer_id: str) -> None:
        self.provider.sign(envelope_id, signer_id)

    def decline(self, envelope_id: str, signer_id: str, reason: str | None) -> None:
        self.provider.decline(envelope_id, signer_id, reason)

    def expire(self, envelope_id: str) -> None:
        envelope = self._control.get(envelope_id)
        if envelope.sign_by is not None:
            self.clock.move_past(envelope.sign_by)
        else:
            self.provider.expire(envelope_id)

    def webhook(self, kind_name: str, envelope: signport.Envelope) -> tuple[dict[str, str], bytes] | None:
        kind = _kind(kind_name)
        assert envelope.id is not None
        for headers, body in reversed(self.provider.webhook_deliveries(envelope.id)):
            if self.provider.parse_webhook(headers, body).kind is kind:
                return headers, body
        signer = envelope.signers[0].id if kind.value.startswith("signer_") and envelope.signers else None
        return webhook_delivery(EventRecord(id=new_id(), event=kind.value, envelope_id=envelope.id,
                                            occurred_at=self.clock(), signer_id=signer))

    def close(self) -> None:
        self._stack.close()
        self._control.close()


def make_harness(request: pytest.FixtureRequest, tmp_path: Path) -> LocalHarness:
    """A harness on a fresh store in ``tmp_path``."""
    return LocalHarness(tmp_path / "local-store")
