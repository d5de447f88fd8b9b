"""The provider contract: sans-I/O flows, and the helpers every plugin shares.

A provider operation is a generator that yields ``httpx.Request`` objects and
receives ``httpx.Response`` objects, like ``httpx.Auth.auth_flow``; its return
value is the neutral result. The drivers in ``client.py`` do every bit of I/O.

Requests may carry instructions for the driver in ``request.extensions``:

* ``save_to(request, folder, filename)``: stream a 2xx body into ``folder``
  (temp file + rename); the response comes back with ``saved_path(response)``.
* ``delayed(request, seconds)``: wait before sending (polling, backoff).
* ``idempotent(request)``: the request may be retried like a GET.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, NoReturn, TypeVar

import attrs
import httpx

from .capabilities import IGNORABLE, Capabilities, how_to_drop
from .errors import (
    OutcomeUnknown,
    PartialFailure,
    ProviderError,
    SignportError,
    TransportError,
    UnsupportedFeature,
)
from .model import DraftUpdate, Envelope, Event, SignerUpdate
from .rules import InputRules
from .states import DocumentKind, State

T = TypeVar("T")

#: A provider operation: yields requests, receives responses, returns a neutral result.
Flow = Generator[httpx.Request, httpx.Response, T]

EXT_SAVE_TO = "signport.save_to"
EXT_SAVED = "signport.saved_path"
EXT_DELAY = "signport.delay"
EXT_IDEMPOTENT = "signport.idempotent"


@attrs.frozen(slots=True)
class SaveTarget:
    """Where the driver streams a download: a folder and a suggested file name."""

    folder: Path
    filename: str | None = None


def save_to(request: httpx.Request, folder: Path, filename: str | None = None) -> httpx.Request:
    """Mark ``request`` as a download streamed to ``folder`` (``filename`` or the server's)."""
    request.extensions[EXT_SAVE_TO] = SaveTarget(Path(folder), filename)
    return request


def saved_path(response: httpx.Response) -> Path:
    """The file a ``save_to`` request was written to."""
    path = response.extensions.get(EXT_SAVED)
    if not isinstance(path, Path):
        raise ProviderError("the response was not saved to disk")
    return path


def delayed(request: httpx.Request, seconds: float) -> httpx.Request:
    """Ask the driver to wait ``seconds`` before sending ``request``."""
    request.extensions[EXT_DELAY] = max(0.0, float(seconds))
    return request


def idempotent(request: httpx.Request) -> httpx.Request:
    """Mark a POST that has no side effect (a search) as safe to retry."""
    request.extensions[EXT_IDEMPOTENT] = True
    return request


def no_io(value: T) -> Flow[T]:
    """A flow that sends nothing and returns ``value`` (for providers without HTTP)."""
    return value
    yield  # pragma: no cover


def read_back(read: Flow[Envelope], envelope_id: str, *, provider: str, done: str,
              applied: Sequence[str] = ()) -> Flow[Envelope]:
    """Run ``read`` (a get of what a flow just made or changed); if it fails, the error still names the envelope.

    Raises ``PartialFailure`` with ``envelope_id`` and ``cleaned_up=False``: the envelope exists
    remotely (``done`` says how far it got, e.g. "sent") even though it could not be read;
    ``applied`` lists the changes that took effect (for an update).
    """
    try:
        return (yield from read)
    except Exception as exc:
        cause = as_error(exc, provider)
        raise PartialFailure(f"{provider}: {envelope_id} was {done}, but reading it back failed: {cause.message}",
                             envelope_id=envelope_id, remote_ids=[envelope_id], cleaned_up=False,
                             cause=cause, applied=applied or [done], provider=provider) from exc


def as_error(exc: BaseException, provider: str) -> SignportError:
    """``exc`` as a ``SignportError``: itself, or a ``ProviderError`` for an answer no parser foresaw."""
    if isinstance(exc, SignportError):
        return exc
    return ProviderError(f"{provider}: unexpected answer from the vendor ({type(exc).__name__})", provider=provider)


# --- ambiguous outcomes ------------------------------------------------------------------------------
#
# A request whose answer is lost (the connection broke after it left, a 5xx, a 2xx whose body does
# not read) may or may not have taken effect. Flows never guess: a create tags what it makes with a
# correlation marker and looks it up (``recover``); a change re-reads the envelope (``settle``).

MARKER_PREFIX = "signport-"
_MARKER = re.compile(r"signport-[0-9a-f]{24}")


def new_marker() -> str:
    """A fresh correlation marker: ``signport-`` and 24 hex digits (96 random bits)."""
    return MARKER_PREFIX + secrets.token_hex(12)


def tag_marker(value: str | None, marker: str) -> str:
    """``value`` with ``marker`` attached (``"lease-7 signport-…"``), or the marker alone."""
    return f"{value} {marker}" if value else marker


def split_marker(value: str | None) -> tuple[str | None, str | None]:
    """Undo ``tag_marker``: ``(value, marker)``; a value without a marker comes back whole."""
    if not value:
        return value, None
    head, _, tail = value.rpartition(" ")
    if _MARKER.fullmatch(tail):
        return head or None, tail
    if _MARKER.fullmatch(value):
        return None, value
    return value, None


def outcome_unknown(exc: BaseException) -> bool:
    """True when a failed request may still have taken effect on the vendor's side.

    Unknown: the answer was lost after the request left (``TransportError`` with ``sent``), a 5xx or 408,
    a 2xx whose body could not be read or had the wrong shape. Known not to have happened: a refused
    connection, a 4xx refusal (429 included), anything raised before a request left.
    """
    if isinstance(exc, TransportError):
        return exc.sent
    if isinstance(exc, PartialFailure | OutcomeUnknown):
        return False
    if not isinstance(exc, SignportError):
        return True  # an answer of a shape no parser foresaw
    status = exc.status
    if status is None:
        return isinstance(exc, ProviderError)
    return 200 <= status < 300 or status >= 500 or status == 408


def recover(attempt: Flow[T], find: Callable[[float], Flow[T | None]], *, provider: str, what: str,
            marker: str, looks: int = 3, wait: float = 1.0) -> Flow[T]:
    """Run ``attempt`` (a create tagged with ``marker``); when its outcome is unknown, look it up.

    ``find(delay)`` searches the vendor for what carries ``marker`` (its first request waits ``delay``
    seconds) and returns it, or ``None``. Found: the create happened, its result is returned and the
    flow goes on with it. Not found after ``looks`` looks (``wait`` apart, for vendors whose search
    lags): nothing was created, the original error is raised and a retry is safe. The look-up itself
    failing raises ``OutcomeUnknown`` naming the marker: never "created, id unknown" in silence.
    """
    try:
        return (yield from attempt)
    except Exception as exc:
        if not outcome_unknown(exc):
            raise
        error = as_error(exc, provider)
    for i in range(max(1, looks)):
        try:
            found = yield from find(wait if i else 0.0)
        except Exception as lookup:
            raise OutcomeUnknown(
                f"{provider}: {what} may or may not have happened ({error.message}), and looking for it "
                f"failed too ({as_error(lookup, provider).message}); search for {marker} before retrying",
                marker=marker, cause=error, provider=provider) from lookup
        if found is not None:
            return found
    raise error


def settle(change: Flow[Any], took_effect: Callable[[], Flow[bool]], *, provider: str, what: str,
           envelope_id: str) -> Flow[bool]:
    """Run ``change`` (one request that changes an envelope); when its outcome is unknown, re-read.

    Returns ``False`` when the change answered normally, ``True`` when it failed ambiguously but
    ``took_effect()`` shows it happened (the caller then reports success). Not applied: the
    original error. The re-read failing too: ``OutcomeUnknown``.
    """
    try:
        yield from change
        return False
    except Exception as exc:
        if not outcome_unknown(exc):
            raise
        error = as_error(exc, provider)
    try:
        done = yield from took_effect()
    except Exception as check:
        raise OutcomeUnknown(
            f"{provider}: {what} of {envelope_id} may or may not have happened ({error.message}), and "
            f"re-reading it failed too ({as_error(check, provider).message}); read it before retrying",
            envelope_id=envelope_id, cause=error, provider=provider) from check
    if done:
        return True
    raise error


def run_pure(flow: Flow[T]) -> T:
    """Run a flow that must not send anything (used by the local provider and tests)."""
    try:
        request = next(flow)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    flow.close()
    raise ProviderError(f"unexpected request in a pure flow: {request.method} {request.url}")


def json_body(response: httpx.Response) -> Any:
    """The response body as JSON; an unreadable body is a ``ProviderError``."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProviderError(f"unreadable JSON from the vendor: {exc}", status=response.status_code) from exc


def error_json(response: httpx.Response) -> Any:
    """The JSON body of an error response, or ``None`` (no body, not JSON, or not read)."""
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return None
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    if when.tzinfo is None:  # "-0000" (RFC 5322: UTC, source zone unknown) parses as naive
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@attrs.frozen(slots=True)
class Page:
    """One page of a listing; ``next`` is the provider's cursor for the following page, or ``None``."""

    envelopes: tuple[Envelope, ...]
    next: Any = None


class Provider:
    """Base class of every provider. Flows not overridden raise ``UnsupportedFeature``.

    Subclasses set ``name``, ``capabilities``, ``settings_class`` (an attrs class whose
    fields are the provider's settings; ``metadata={"secret": True}`` marks secrets) and,
    when they have input rules of their own, ``rules`` (see ``signport.rules``).
    """

    name: ClassVar[str] = "provider"
    capabilities: ClassVar[Capabilities] = Capabilities()
    rules: ClassVar[InputRules] = InputRules()
    settings_class: ClassVar[type[Any]]

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    # --- what the drivers need -----------------------------------------------------------
    @property
    def base_url(self) -> str | None:
        """Base URL for the HTTP client, or ``None`` for a provider without HTTP."""
        return None

    @property
    def auth(self) -> httpx.Auth | None:
        """An ``httpx.Auth`` the drivers attach to every request."""
        return None

    @property
    def uses_http(self) -> bool:
        """False for providers that never send a request (the drivers then open no pool)."""
        return self.base_url is not None

    def close(self) -> None:
        """Release local resources (files, connections)."""

    def poll_interval(self, poll: float | None) -> float:
        """The interval ``wait`` polls at: ``poll`` when given, else the provider's default (5 s).

        Providers whose vendor limits polling override it (a longer default, a warning or a refusal).
        """
        return 5.0 if poll is None else poll

    def unsupported(self, feature: str, text: str | None = None) -> NoReturn:
        """Raise ``UnsupportedFeature`` for ``feature``."""
        message = f"{text or f'{self.name} does not support ' + feature.replace('_', ' ')} (feature: {feature})"
        drop = "sms" if feature == "sms_delivery" else feature
        if drop in IGNORABLE:
            message += f"; {how_to_drop(drop)}"
        raise UnsupportedFeature(message, feature=feature, provider=self.name)

    @property
    def rules_of(self) -> str:
        """The provider whose capabilities and input rules refuse what cannot be done: this one,
        or for ``local`` with ``emulate=...`` the emulated one (so a refusal reads the same)."""
        return self.name

    def validate(self, envelope: Envelope) -> None:
        """Vendor-specific input rules, beyond the neutral ones; raise ``ValidationError``."""
        self.rules.envelope(envelope)

    def validate_signer_update(self, update: SignerUpdate) -> None:
        """Vendor-specific rules for a contact change."""
        self.rules.signer_update(update)

    def error(self, response: httpx.Response) -> SignportError:
        """Map a non-2xx response to an error (plugins override to read their error body)."""
        return ProviderError(f"unexpected HTTP {response.status_code}", provider=self.name,
                             status=response.status_code)

    def check(self, response: httpx.Response) -> httpx.Response:
        """Return ``response`` if it is a success, else raise the mapped error."""
        if response.is_success:
            return response
        raise self.error(response)

    @classmethod
    def login(cls, settings: Any, ask: Callable[[str], str], say: Callable[[str], None],
              transport: httpx.BaseTransport | None = None) -> None:
        """Interactive login for ``signport auth NAME`` (providers with user-delegated auth override it)."""
        raise UnsupportedFeature(f"{cls.name} needs no login", feature="login", provider=cls.name)

    # --- pure parsing ----------------------------------------------------------------------
    def parse_envelope(self, payload: Mapping[str, Any]) -> Envelope:
        """Vendor JSON -> neutral Envelope, no I/O."""
        self.unsupported("parse_envelope")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes | str) -> Event:
        """A webhook delivery -> neutral Event, no I/O."""
        self.unsupported("webhooks", f"{self.name} does not document webhooks")

    # --- flows -------------------------------------------------------------------------------
    def create(self, envelope: Envelope, *, send: bool, extras: Mapping[str, Any]) -> Flow[Envelope]:
        """Create the envelope as a draft, or send it at once when ``send``."""
        self.unsupported("create")

    def send_draft(self, envelope_id: str) -> Flow[Envelope]:
        """Send a draft to its signers."""
        self.unsupported("drafts")

    def get(self, envelope_id: str) -> Flow[Envelope]:
        """Read one envelope."""
        self.unsupported("get")

    def list_page(self, states: frozenset[State] | None, cursor: Any) -> Flow[Page]:
        """One page of envelopes (``cursor`` is ``None`` for the first)."""
        self.unsupported("list")

    def update_draft(self, envelope_id: str, update: DraftUpdate, extras: Mapping[str, Any]) -> Flow[Envelope]:
        """Change a draft."""
        self.unsupported("update_draft")

    def update_signer(self, envelope_id: str, signer_id: str, update: SignerUpdate) -> Flow[Envelope]:
        """Change a signer's contact details on a live envelope."""
        self.unsupported("update_signer")

    def void(self, envelope_id: str, reason: str | None) -> Flow[Envelope]:
        """Withdraw a sent envelope."""
        self.unsupported("void")

    def delete_draft(self, envelope_id: str) -> Flow[None]:
        """Delete a draft for good."""
        self.unsupported("delete_draft")

    def download(self, envelope_id: str, kind: DocumentKind, to: Path) -> Flow[list[Path]]:
        """Write the documents of ``kind`` into ``to``; returns the paths written."""
        self.unsupported(f"download_{kind.value}")

    def signing_url(self, envelope_id: str, signer_id: str) -> Flow[str]:
        """A URL where that signer signs."""
        self.unsupported("signing_urls")

    def duplicate(self, envelope_id: str, *, subject: str | None, void_original: bool,
                  reason: str | None) -> Flow[Envelope]:
        """A new draft copied from an envelope, optionally voiding the original."""
        self.unsupported("duplicate")
