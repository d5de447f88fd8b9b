"""signport: send documents for e-signature through one neutral API; swap the vendor by configuration."""

from __future__ import annotations

from .capabilities import Capabilities
from .client import AsyncClient, Client, connect, connect_async
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

__version__ = "0.1.0"

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
