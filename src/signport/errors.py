"""One error hierarchy for every provider.

Every error carries the provider's name, and where a vendor answered, the HTTP
status, the vendor's error code and its message. Nothing secret goes in here:
messages are built from vendor codes and user-visible values only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class SignportError(Exception):
    """Base of every error signport raises."""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status: int | None = None,
        code: str | None = None,
        vendor_message: str | None = None,
        raw: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.status = status
        self.code = code
        self.vendor_message = vendor_message
        self.raw = raw

    def __str__(self) -> str:
        parts = [self.message]
        detail = [f"{k}={v}" for k, v in (("provider", self.provider), ("status", self.status),
                                           ("code", self.code)) if v is not None]
        if detail:
            parts.append(f"({', '.join(detail)})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.message!r}, provider={self.provider!r}, "
                f"status={self.status!r}, code={self.code!r})")


class ValidationError(SignportError, ValueError):
    """User input (or a vendor's validation) refused; ``path`` names the bad value."""

    def __init__(self, message: str, *, path: str | None = None, errors: Sequence[tuple[str, str]] = (),
                 **kwargs: Any) -> None:
        text = f"{path}: {message}" if path else message
        super().__init__(text, **kwargs)
        self.path = path
        self.reason = message
        self.errors = list(errors) or ([(path, message)] if path else [])


class ConfigError(SignportError):
    """Configuration missing or wrong: an unknown provider, a missing setting, an unknown key."""


class AuthError(SignportError):
    """The vendor refused the credentials, or they expired."""


class NotFound(SignportError):
    """The envelope, signer or document does not exist (or is not visible to the caller)."""


class InvalidState(SignportError):
    """The operation is not allowed in the envelope's current state."""


class RateLimited(SignportError):
    """The vendor asked us to slow down; ``retry_after`` is in seconds when it said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderError(SignportError):
    """The vendor failed or answered something signport cannot use."""


class UnsupportedFeature(SignportError):
    """The provider does not support what was asked; raised before any request."""

    def __init__(self, message: str, *, feature: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.feature = feature


class TransportError(SignportError):
    """The network failed: connection refused, timeout, broken stream.

    ``method``, ``host`` and ``path`` name the request (never its query string); the httpx
    exception is the ``__cause__``. ``sent`` is False when the request provably never reached the
    server (a refused connection), True when it left and the answer was lost (the server may have
    acted on it).
    """

    def __init__(self, message: str, *, method: str | None = None, host: str | None = None,
                 path: str | None = None, sent: bool = True, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.method = method
        self.host = host
        self.path = path
        self.sent = sent


class PartialFailure(ProviderError):
    """A multi-step remote flow failed halfway.

    ``envelope_id`` and ``remote_ids`` name what was created remotely; ``cleaned_up``
    says whether it was removed again; ``applied`` lists the changes that did take effect
    (an update that failed halfway). ``cause`` is the underlying error.
    """

    def __init__(self, message: str, *, envelope_id: str | None = None,
                 remote_ids: Sequence[str] = (), cleaned_up: bool = False,
                 cause: SignportError | None = None, applied: Sequence[str] = (), **kwargs: Any) -> None:
        if cause is not None:
            kwargs.setdefault("provider", cause.provider)
            kwargs.setdefault("status", cause.status)
            kwargs.setdefault("code", cause.code)
            kwargs.setdefault("vendor_message", cause.vendor_message)
        super().__init__(message, **kwargs)
        self.envelope_id = envelope_id
        self.remote_ids = list(remote_ids)
        self.cleaned_up = cleaned_up
        self.cause = cause
        self.applied = list(applied)


class OutcomeUnknown(ProviderError):
    """A request left, its answer was lost, and looking afterwards could not tell whether it took effect.

    Rare (it takes a second failure while checking). ``marker`` is the correlation marker signport
    put on what it was creating (search the vendor for it before retrying); ``envelope_id`` is set
    when the change concerned an existing envelope.
    """

    def __init__(self, message: str, *, marker: str | None = None, envelope_id: str | None = None,
                 cause: SignportError | None = None, **kwargs: Any) -> None:
        if cause is not None:
            kwargs.setdefault("provider", cause.provider)
            kwargs.setdefault("status", cause.status)
            kwargs.setdefault("code", cause.code)
            kwargs.setdefault("vendor_message", cause.vendor_message)
        super().__init__(message, **kwargs)
        self.marker = marker
        self.envelope_id = envelope_id
        self.cause = cause


class WebhookVerificationError(AuthError):
    """A webhook's signature did not verify."""


class WaitTimeout(SignportError, TimeoutError):
    """``wait`` ran out of time; ``envelope`` is the last state seen."""

    def __init__(self, envelope: Any) -> None:
        super().__init__(f"envelope {envelope.id} still {envelope.state.value} when the wait timed out",
                         provider=envelope.provider)
        self.envelope = envelope
