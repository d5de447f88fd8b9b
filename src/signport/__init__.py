"""signport: send documents for e-signature through one neutral API; swap the vendor by configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import (
    AuthError,
    ConfigError,
    InvalidState,
    NotFound,
    OutcomeUnknown,
    PartialFailure,
    ProviderError,
    RateLimited,
    SignportError,
    TransportError,
    UnsupportedFeature,
    ValidationError,
    WaitTimeout,
    WebhookVerificationError,
)
from .lazy import lazy_attributes
from .states import (
    Delivery,
    DocumentKind,
    EventKind,
    FieldType,
    SignerState,
    SigningOrder,
    State,
    Verification,
)

if TYPE_CHECKING:
    from .capabilities import Capabilities
    from .client import AsyncClient, Client, connect, connect_async
    from .model import (
        Document,
        DraftUpdate,
        Envelope,
        EnvelopeRef,
        Event,
        Field,
        Placement,
        Signer,
        SignerRef,
        SignerUpdate,
        StoredEnvelope,
    )
    from .registry import hookimpl, providers

__version__ = "0.1.0"

#: Names imported on first use, so ``import signport`` stays light (attrs and the model load when a
#: model class is first needed; httpx, stamina and pluggy when a client or the provider registry is;
#: pypdf when a PDF is first read).
_LAZY = {
    "Capabilities": "capabilities",
    "Document": "model",
    "DraftUpdate": "model",
    "Envelope": "model",
    "EnvelopeRef": "model",
    "Event": "model",
    "Field": "model",
    "Placement": "model",
    "Signer": "model",
    "SignerRef": "model",
    "SignerUpdate": "model",
    "StoredEnvelope": "model",
    "AsyncClient": "client",
    "Client": "client",
    "connect": "client",
    "connect_async": "client",
    "hookimpl": "registry",
    "providers": "registry",
}


__getattr__ = lazy_attributes(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "AsyncClient",
    "AuthError",
    "Capabilities",
    "Client",
    "ConfigError",
    "Delivery",
    "Document",
    "DocumentKind",
    "DraftUpdate",
    "Envelope",
    "EnvelopeRef",
    "Event",
    "EventKind",
    "Field",
    "FieldType",
    "InvalidState",
    "NotFound",
    "OutcomeUnknown",
    "PartialFailure",
    "Placement",
    "ProviderError",
    "RateLimited",
    "Signer",
    "SignerRef",
    "SignerState",
    "SignerUpdate",
    "SigningOrder",
    "SignportError",
    "State",
    "StoredEnvelope",
    "TransportError",
    "UnsupportedFeature",
    "ValidationError",
    "Verification",
    "WaitTimeout",
    "WebhookVerificationError",
    "__version__",
    "connect",
    "connect_async",
    "hookimpl",
    "providers",
]
