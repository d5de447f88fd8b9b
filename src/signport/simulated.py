"""``client.local``: the operations only a provider with simulated signers (``local``) offers.

On ``local``, signers are simulated: a test or a demo signs, declines or lets the deadline pass
through ``client.local``. Any other provider's signers act at the vendor, so reading
``client.local`` there raises ``UnsupportedFeature`` (feature ``simulated_signing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .errors import SignportError, UnsupportedFeature
from .model import Envelope, EnvelopeRef, Event, SignerRef, StoredEnvelope
from .refs import envelope_ref, simulated_signer_ref

if TYPE_CHECKING:
    from .client import _Operations
    from .provider import Provider

FEATURE = "simulated_signing"


@runtime_checkable
class SimulatedSigning(Protocol):
    """What a provider with simulated signers offers beyond the neutral API (ids, plain strings)."""

    def sign(self, envelope_id: str, signer_id: str,
             values: Mapping[str, str | bool] | None = None) -> Envelope:
        """Sign as that signer (an id or key)."""

    def decline(self, envelope_id: str, signer_id: str, reason: str | None = None) -> Envelope:
        """Decline as that signer (an id or key)."""

    def expire(self, envelope_id: str) -> Envelope:
        """Let the envelope's signing deadline pass now."""

    def events(self, envelope_id: str) -> list[Event]:
        """The envelope's events, oldest first."""


def simulator(provider: Provider) -> SimulatedSigning:
    """``provider`` if it has simulated signers; ``UnsupportedFeature`` naming provider and feature otherwise."""
    if not provider.capabilities.simulated_signing or not isinstance(provider, SimulatedSigning):
        raise UnsupportedFeature(
            f"{provider.name} cannot sign, decline or expire on a signer's behalf (simulated signing): its "
            "signers act through the vendor; client.local is for the local provider",
            feature=FEATURE, provider=provider.name)
    return provider


class LocalOperations:
    """``client.local`` on a ``Client``: sign, decline and expire as the simulated signers would.

    Every method takes an ``Envelope`` or its id, and a ``Signer`` or its id or key; each returns
    the envelope as it stands afterwards.
    """

    def __init__(self, provider: SimulatedSigning, ops: _Operations) -> None:
        self._provider = provider
        self._ops = ops

    def __repr__(self) -> str:
        return f"<{type(self).__name__} provider={self._ops.name!r}>"

    def _tag(self, exc: SignportError) -> None:
        if exc.provider is None:
            exc.provider = self._ops.name

    def sign(self, envelope: EnvelopeRef, signer: SignerRef,
             values: Mapping[str, str | bool] | None = None) -> StoredEnvelope:
        """Sign as ``signer`` (only a signer whose turn it is may); ``values`` fills TEXT and CHECKBOX
        fields by field id."""
        try:
            return self._ops.stored(self._provider.sign(envelope_ref(envelope), simulated_signer_ref(signer),
                                                        values))
        except SignportError as exc:
            self._tag(exc)
            raise

    def decline(self, envelope: EnvelopeRef, signer: SignerRef, reason: str | None = None) -> StoredEnvelope:
        """Decline as ``signer``; the envelope becomes DECLINED."""
        try:
            return self._ops.stored(self._provider.decline(envelope_ref(envelope), simulated_signer_ref(signer),
                                                           reason))
        except SignportError as exc:
            self._tag(exc)
            raise

    def expire(self, envelope: EnvelopeRef) -> StoredEnvelope:
        """Let an open envelope's signing deadline pass now: it becomes EXPIRED."""
        try:
            return self._ops.stored(self._provider.expire(envelope_ref(envelope)))
        except SignportError as exc:
            self._tag(exc)
            raise

    def events(self, envelope: EnvelopeRef) -> list[Event]:
        """The envelope's events, oldest first, in the same form as webhook events."""
        try:
            return self._provider.events(envelope_ref(envelope))
        except SignportError as exc:
            self._tag(exc)
            raise


class AsyncLocalOperations:
    """``client.local`` on an ``AsyncClient``: the same operations as ``LocalOperations``, awaited.

    The local store answers at once, so each call completes without yielding to the event loop
    (as the local provider's other operations do under ``AsyncClient``).
    """

    def __init__(self, provider: SimulatedSigning, ops: _Operations) -> None:
        self._sync = LocalOperations(provider, ops)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} provider={self._sync._ops.name!r}>"

    async def sign(self, envelope: EnvelopeRef, signer: SignerRef,
                   values: Mapping[str, str | bool] | None = None) -> StoredEnvelope:
        """Sign as ``signer``; see ``LocalOperations.sign``."""
        return self._sync.sign(envelope, signer, values)

    async def decline(self, envelope: EnvelopeRef, signer: SignerRef,
                      reason: str | None = None) -> StoredEnvelope:
        """Decline as ``signer``; see ``LocalOperations.decline``."""
        return self._sync.decline(envelope, signer, reason)

    async def expire(self, envelope: EnvelopeRef) -> StoredEnvelope:
        """Let the signing deadline pass now; see ``LocalOperations.expire``."""
        return self._sync.expire(envelope)

    async def events(self, envelope: EnvelopeRef) -> list[Event]:
        """The envelope's events, oldest first."""
        return self._sync.events(envelope)
