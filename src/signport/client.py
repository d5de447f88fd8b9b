"""The two drivers: ``Client`` (sync) and ``AsyncClient`` run the same provider flows.

Everything that is not I/O (validation, capability checks, building the flow) lives in
``_Operations`` and is shared; the drivers only send requests, stream downloads to
disk and sleep.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import functools
import json
import math
import os
import sys
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Self, TypeVar

import attrs
import httpx
import stamina

from . import downloads, transport
from .capabilities import Capabilities
from .config import (
    check_durable_downloads,
    check_ignore_unsupported,
    check_retries,
    check_timeout,
    client_options,
    load_file,
    provider_name,
    resolve_settings,
)
from .errors import ProviderError, SignportError, TransportError, ValidationError, WaitTimeout
from .http_clients import AsyncHttpClient, HttpClient
from .model import (
    Document,
    DraftUpdate,
    Envelope,
    EnvelopeRef,
    Event,
    Signer,
    SignerRef,
    SignerUpdate,
    StoredEnvelope,
)
from .provider import EXT_DELAY, EXT_SAVE_TO, EXT_SAVED, Flow, Page, Provider, SaveTarget
from .refs import envelope_ref, signer_ref
from .registry import provider_class
from .simulated import AsyncLocalOperations, LocalOperations, SimulatedSigning, simulator
from .states import Delivery, DocumentKind, State
from .validation import (
    validate_draft_update,
    validate_envelope,
    validate_reason,
    validate_signer_update,
)

if TYPE_CHECKING:
    from .events.handlers import Handlers
    from .events.store import Store
    from .events.watcher import AsyncWatcher, Watcher

T = TypeVar("T")
Progress = Callable[[int, int | None], None]
DEFAULT_TIMEOUT = 30.0
#: The connection pool of a client signport creates (httpx's defaults, stated here because the async
#: client sizes its backpressure from them).
POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


P = ParamSpec("P")
R = TypeVar("R")


def _tag(exc: SignportError, provider: str) -> SignportError:
    """Every error carries the provider's name, the neutral rules' included."""
    if exc.provider is None:
        exc.provider = provider
    return exc


def _tagged(method: Callable[Concatenate[_Operations, P], R]) -> Callable[Concatenate[_Operations, P], R]:
    @functools.wraps(method)
    def wrapper(self: _Operations, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except SignportError as exc:
            _tag(exc, self.name)
            raise
    return wrapper


class _Operations:
    """Turns public calls into checked flows: validation and capability checks, no I/O."""

    def __init__(self, provider: Provider, ignore_unsupported: Collection[str]) -> None:
        self.provider = provider
        self.ignore = check_ignore_unsupported(ignore_unsupported)

    @property
    def caps(self) -> Capabilities:
        return self.provider.capabilities

    @property
    def name(self) -> str:
        # The name refusals carry: the emulated provider's for ``local`` with ``emulate=...``.
        return self.provider.rules_of

    def stored(self, envelope: Envelope) -> StoredEnvelope:
        """An envelope the provider returned, typed with its id (a provider that gives none is at fault)."""
        if not envelope.id:
            raise ProviderError(f"{self.provider.name} returned an envelope without an id", provider=self.provider.name)
        return StoredEnvelope.of(envelope)

    def _stored(self, flow: Flow[Envelope]) -> Flow[StoredEnvelope]:
        return self.stored((yield from flow))

    @_tagged
    def create(self, envelope: Envelope, send: bool, extras: Mapping[str, Any] | None) -> Flow[StoredEnvelope]:
        if not isinstance(envelope, Envelope):
            raise ValidationError(f"must be an Envelope(subject=..., documents=[...], signers=[...]), "
                                  f"not {_kind(envelope)}", path="envelope")
        if not send:
            self.caps.require("drafts", provider=self.name)
        validate_envelope(envelope)
        envelope = self.caps.check_envelope(envelope, provider=self.name, ignore=self.ignore)
        self.provider.validate(envelope)
        return self._stored(_keyed(self.provider.create(envelope, send=send, extras=_extras(extras)), envelope))

    @_tagged
    def send_draft(self, envelope_id: EnvelopeRef) -> Flow[StoredEnvelope]:
        self.caps.require("drafts", provider=self.name)
        return self._stored(self.provider.send_draft(envelope_ref(envelope_id)))

    @_tagged
    def get(self, envelope_id: EnvelopeRef) -> Flow[StoredEnvelope]:
        return self._stored(self.provider.get(envelope_ref(envelope_id)))

    @_tagged
    def states(self, states: Iterable[State] | State | None) -> frozenset[State] | None:
        if states is None:
            return None
        if isinstance(states, State | str):
            items = [states]
        elif isinstance(states, Iterable) and not isinstance(states, bytes | Mapping):
            items = list(states)
        else:
            raise ValidationError(f"must be a State or a list of them, not {_kind(states)}", path="states")
        chosen = frozenset(_enum(State, s, "states") for s in items)
        self.caps.check_list_filter(chosen, provider=self.name)
        return chosen or None

    def list_page(self, states: frozenset[State] | None, cursor: Any) -> Flow[Page]:
        return self.provider.list_page(states, cursor)

    @_tagged
    def update_draft(self, envelope_id: EnvelopeRef, update: DraftUpdate,
                     extras: Mapping[str, Any] | None) -> Flow[StoredEnvelope]:
        envelope_id = envelope_ref(envelope_id)
        update = self.caps.check_draft_update(update, provider=self.name, ignore=self.ignore)
        validate_draft_update(update)
        self.provider.rules.draft_update(update)
        return self._stored(self.provider.update_draft(envelope_id, update, _extras(extras)))

    @_tagged
    def update_signer(self, envelope_id: EnvelopeRef, signer_id: SignerRef,
                      update: SignerUpdate) -> Flow[StoredEnvelope]:
        envelope_id = envelope_ref(envelope_id)
        signer_id = signer_ref(signer_id)
        self.caps.check_signer_update(update, provider=self.name)
        validate_signer_update(update)
        self.provider.validate_signer_update(update)
        return self._stored(self.provider.update_signer(envelope_id, signer_id, update))

    @_tagged
    def void(self, envelope_id: EnvelopeRef, reason: str | None) -> Flow[StoredEnvelope]:
        envelope_id = envelope_ref(envelope_id)
        validate_reason(reason)
        self.provider.rules.void_reason(reason)
        return self._stored(self.provider.void(envelope_id, reason))

    @_tagged
    def delete_draft(self, envelope_id: EnvelopeRef) -> Flow[None]:
        self.caps.require("delete_draft", provider=self.name)
        return self.provider.delete_draft(envelope_ref(envelope_id))

    @_tagged
    def download(self, envelope_id: EnvelopeRef, to: str | os.PathLike[str], kind: DocumentKind | str,
                 overwrite: bool = False) -> tuple[Flow[list[Path]], Path]:
        kind = _enum(DocumentKind, kind, "kind")
        self.caps.require_download(kind, provider=self.name)
        envelope_id = envelope_ref(envelope_id)
        if not isinstance(to, str | os.PathLike) or not str(to).strip():
            raise ValidationError(f"must be a folder path (str or Path), not {_kind(to)}", path="to")
        if not isinstance(overwrite, bool):
            raise ValidationError(f"must be True or False, not {_kind(overwrite)}", path="overwrite")
        folder = Path(to)
        created: list[Path] = []
        if not folder.is_dir():
            if folder.exists():
                raise ValidationError(f"not a folder: {folder}", path="to")
            created = [p for p in (folder, *folder.parents) if not p.exists()]
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ValidationError(f"cannot create the folder {folder}: {exc.strerror or exc}",
                                      path="to") from None
        return _tidy_on_failure(self.provider.download(envelope_id, kind, folder), created), folder

    @_tagged
    def signing_url(self, envelope_id: EnvelopeRef, signer_id: SignerRef) -> Flow[str]:
        self.caps.require("signing_urls", provider=self.name)
        return self.provider.signing_url(envelope_ref(envelope_id), signer_ref(signer_id))

    @_tagged
    def duplicate(self, envelope_id: EnvelopeRef, subject: str | None, void_original: bool,
                  reason: str | None) -> Flow[StoredEnvelope]:
        self.caps.require("duplicate", provider=self.name)
        if subject is not None:
            validate_draft_update(DraftUpdate(subject=subject))
        validate_reason(reason)
        self.provider.rules.duplicate(subject, void_original=void_original, reason=reason)
        return self._stored(self.provider.duplicate(envelope_ref(envelope_id), subject=subject,
                                                    void_original=void_original, reason=reason))

    @_tagged
    def parse_webhook(self, headers: Mapping[str, str], body: bytes | str) -> Event:
        self.caps.require("webhooks", provider=self.name)
        return self.provider.parse_webhook(headers, body)

    @_tagged
    def schedule(self, timeout: float, poll: float | None, on_change: object = None) -> _WaitSchedule:
        if on_change is not None and not callable(on_change):
            raise ValidationError(f"must be a callable, not {_kind(on_change)}", path="on_change")
        if poll is not None:
            _WaitSchedule.check(timeout, poll)  # the caller's values, before the provider reads them
        return _WaitSchedule(timeout, self.provider.poll_interval(poll))


def _kind(value: object) -> str:
    """How an error names a wrong value's type: ``None``, or the type's name."""
    return "None" if value is None else type(value).__name__


def _extras(extras: object) -> dict[str, Any]:
    """``extras`` checked before anything is sent: a mapping with text keys that serialises to JSON."""
    if extras is None:
        return {}
    if not isinstance(extras, Mapping):
        raise ValidationError(f"must be a mapping (dict), not {_kind(extras)}", path="extras")
    for key in extras:
        if not isinstance(key, str):
            raise ValidationError(f"keys must be text, not {_kind(key)}", path="extras")
    try:
        json.dumps(extras, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValidationError(f"must be JSON-serialisable ({type(exc).__name__}: {str(exc)[:80]})",
                              path="extras") from None
    return dict(extras)


def _tidy_on_failure(flow: Flow[T], created: builtins.list[Path]) -> Flow[T]:
    """Run a download flow; if it fails, undo the files it wrote (``downloads.Session.rollback``), then
    remove the folders it made (deepest first) while they are empty."""
    try:
        return (yield from flow)
    except BaseException:
        session = downloads.current()
        if session is not None:
            session.rollback()
        for folder in created:
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def _keyed(flow: Flow[Envelope], given: Envelope) -> Flow[Envelope]:
    """Run a create flow, then put the caller's signer and document keys back on the result."""
    created = yield from flow
    return restore_keys(created, given)


def restore_keys(created: Envelope, given: Envelope) -> Envelope:
    """``created`` with the ``key``s of ``given``'s signers and documents, for providers that cannot store them.

    A signer is matched by email and name, a document by name; when the counts agree, by position.
    A key already on ``created`` is kept.
    """
    def match(items: tuple[Any, ...], wanted: tuple[Any, ...], same: Callable[[Any, Any], bool]) -> list[Any]:
        out = []
        for i, item in enumerate(items):
            if item.key is not None:
                out.append(item)
                continue
            found = [w for w in wanted if w.key is not None and same(item, w)]
            if len(found) != 1 and len(items) == len(wanted) and wanted[i].key is not None:
                found = [wanted[i]]
            out.append(attrs.evolve(item, key=found[0].key) if len(found) == 1 else item)
        return out

    def same_signer(a: Signer, b: Signer) -> bool:
        return ((a.email or "").casefold() == (b.email or "").casefold()
                and (a.first_name, a.last_name) == (b.first_name, b.last_name))

    def same_document(a: Document, b: Document) -> bool:
        return a.name == b.name

    if not any(s.key for s in given.signers) and not any(d.key for d in given.documents):
        return created
    return attrs.evolve(created, signers=match(created.signers, given.signers, same_signer),
                        documents=match(created.documents, given.documents, same_document))


E = TypeVar("E", State, DocumentKind)


def _enum(cls: type[E], value: object, path: str) -> E:
    """``value`` as a member of ``cls`` (a member or its value); ``ValidationError`` otherwise."""
    try:
        return cls(value)
    except ValueError:
        known = ", ".join(m.value for m in cls)
        raise ValidationError(f"not a {cls.__name__}: {value!r} (one of {known})", path=path) from None


def _draft_update(subject: str | None, sign_by: datetime | None, message: str | None,
                  add_signers: Iterable[Signer], remove_signers: Iterable[SignerRef],
                  add_documents: Iterable[Document], remove_documents: Iterable[Document | str]) -> DraftUpdate:
    def ids(refs: Iterable[Any], path: str) -> list[str] | str:
        if isinstance(refs, str):
            return refs  # a lone id
        if refs is None or isinstance(refs, bytes | Mapping) or not isinstance(refs, Iterable):
            raise ValidationError(f"must be a list of ids, not {_kind(refs)}", path=path)
        out = []
        for i, ref in enumerate(refs):
            if isinstance(ref, Signer | Document):
                if ref.id is None:
                    raise ValidationError("has no id: use one of an envelope the client returned",
                                          path=f"{path}[{i}]")
                ref = ref.id
            out.append(ref)
        return out

    if isinstance(remove_signers, Signer):
        remove_signers = [remove_signers]
    if isinstance(remove_documents, Document):
        remove_documents = [remove_documents]
    return DraftUpdate(subject=subject, sign_by=sign_by, message=message, add_signers=add_signers,
                       remove_signers=ids(remove_signers, "remove_signers"), add_documents=add_documents,
                       remove_documents=ids(remove_documents, "remove_documents"))


class _WaitSchedule:
    """Polling intervals for ``wait``: start at ``poll``, grow by half each time, capped."""

    @staticmethod
    def check(timeout: float, poll: float) -> None:
        """Refuse a timeout or poll that is not a usable number of seconds."""
        for name, value in (("timeout", timeout), ("poll", poll)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValidationError(f"must be a number of seconds, not {_kind(value)}", path=name)
        if math.isnan(timeout) or timeout < 0:
            raise ValidationError("must be a number of seconds >= 0", path="timeout")
        if not (math.isfinite(poll) and poll > 0):
            raise ValidationError("must be a finite number of seconds > 0", path="poll")

    def __init__(self, timeout: float, poll: float) -> None:
        self.check(timeout, poll)
        self.deadline = time.monotonic() + timeout
        self.interval = poll
        self.cap = max(poll, min(poll * 6, 60.0))

    def next_sleep(self) -> float | None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return None
        sleep = min(self.interval, remaining)
        self.interval = min(self.interval * 1.5, self.cap)
        return sleep


def _mapped_transport_error(provider: str, request: httpx.Request, error: httpx.HTTPError,
                            status: int | None = None) -> SignportError:
    """Any httpx failure as a ``SignportError``: a network failure, or an answer that could not be read."""
    name = type(error).__name__
    if isinstance(error, httpx.TransportError):
        url = request.url
        return TransportError(f"network failure: {name} on {transport.describe(request)}",
                              provider=provider, method=request.method, host=url.host, path=url.path,
                              sent=not isinstance(error, transport.NEVER_SENT))
    if isinstance(error, httpx.DecodingError):
        # The server answered (and may have acted), but the body does not decode (e.g. bad gzip).
        return ProviderError(f"the vendor's answer could not be decoded ({name}) on {transport.describe(request)}",
                             provider=provider, status=status)
    return ProviderError(f"HTTP failure: {name} on {transport.describe(request)}", provider=provider, status=status)


class _BaseClient:
    """What both drivers hold: the provider, the operations, the retry policy."""

    def __init__(self, provider: Provider, *, timeout: float | None = None, retries: int | None = None,
                 ignore_unsupported: Collection[str] = (), durable_downloads: bool = False) -> None:
        self._provider = provider
        try:
            self._ops = _Operations(provider, ignore_unsupported)
            self.timeout = DEFAULT_TIMEOUT if timeout is None else check_timeout(timeout)
            attempts = transport.RetryPolicy().attempts if retries is None else check_retries(retries) + 1
            #: Every downloaded file (and its name) is on disk when ``download`` returns (``fsync``),
            #: for applications that delete the vendor's copy; else only a file that replaces one is.
            self.durable_downloads = check_durable_downloads(durable_downloads)
        except SignportError as exc:
            raise _tag(exc, provider.name) from None
        self.retry = transport.RetryPolicy(attempts=attempts)
        # Read once (a provider may build it on access); passed on every send so that an
        # ``http=`` client supplied by the caller authenticates too.
        self._auth: httpx.Auth | None = provider.auth if provider.uses_http else None
        #: Called before each HTTP request goes out (for progress displays such as the command line's);
        #: it may return a ``Progress`` callback that then receives the bytes of the request body sent.
        self.on_request: Callable[[httpx.Request], Progress | None] | None = None

    @property
    def provider(self) -> Provider:
        """The provider instance (vendor-specific extras; local-only operations are on ``client.local``)."""
        return self._provider

    @property
    def capabilities(self) -> Capabilities:
        """What the provider supports."""
        return self._provider.capabilities

    def _simulator(self) -> SimulatedSigning:
        return simulator(self._provider)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} provider={self._provider.name!r}>"

    def parse_webhook(self, headers: Mapping[str, str], body: bytes | str) -> Event:
        """A webhook delivery -> neutral ``Event`` (pure; verification per provider)."""
        return self._ops.parse_webhook(headers, body)

    def _retry_context(self) -> Any:
        return stamina.retry_context(
            on=transport.backoff_hook(self.retry.wait_max),  # type: ignore[arg-type]
            attempts=self.retry.attempts, timeout=self.retry.timeout,
            wait_initial=self.retry.wait_initial, wait_max=self.retry.wait_max)

    def _http_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"timeout": httpx.Timeout(self.timeout), "follow_redirects": False,
                                  "limits": POOL_LIMITS}
        if self._provider.base_url is not None:
            kwargs["base_url"] = self._provider.base_url
        if self._auth is not None:
            kwargs["auth"] = self._auth
        return kwargs

    @property
    def _send_auth(self) -> Any:
        return self._auth if self._auth is not None else httpx.USE_CLIENT_DEFAULT

    def _announce(self, request: httpx.Request) -> None:
        """Tell ``on_request`` about ``request``; count its body's bytes if asked to."""
        if self.on_request is None:
            return
        report = self.on_request(request)
        length = request.headers.get("content-length", "")
        if report is not None and length.isdigit() and int(length) > 0:
            request.stream = _CountingStream(request.stream, int(length), report)

    @staticmethod
    def _delay(request: httpx.Request) -> float:
        delay = request.extensions.get(EXT_DELAY)
        if not delay or stamina.is_testing():
            return 0.0
        return float(delay)

    def _advance(self, flow: Flow[T], outcome: httpx.Response | SignportError | None) -> httpx.Request | _Done[T]:
        """Feed ``outcome`` (nothing, a response or an error) into ``flow``: the next request, or its result."""
        try:
            if outcome is None:
                return next(flow)
            if isinstance(outcome, SignportError):
                return flow.throw(_tag(outcome, self._provider.name))
            return flow.send(outcome)
        except StopIteration as stop:
            return _Done(stop.value)
        except SignportError as exc:
            _tag(exc, self._provider.name)
            raise
        except Exception as exc:
            if outcome is None:
                raise
            # A vendor answer of a shape no parser foresaw: still a typed error, never a crash.
            raise ProviderError(f"{self._provider.name}: unexpected answer from the vendor "
                                f"({type(exc).__name__})", provider=self._provider.name) from exc

    def _judge(self, request: httpx.Request, response: httpx.Response, tries: transport.Attempts) -> httpx.Response:
        """Log a response; raise a retry marker when it deserves another try."""
        tries.answered(response)
        decision = transport.retry_decision(request, response)
        if decision is not False:
            raise transport.RetryableResponse(response, None if decision is True else float(decision))
        return response

    def _network_failure(self, request: httpx.Request, error: httpx.HTTPError,
                         tries: transport.Attempts, status: int | None = None) -> Exception:
        """A retry marker if the request may go again, else the ``SignportError`` to raise."""
        tries.failed(error)
        if transport.transport_retryable(request, error):
            return transport.RetryableTransport(error, status)
        return _mapped_transport_error(self._provider.name, request, error, status)

    @staticmethod
    def _first_failure(tries: transport.Attempts, exc: Exception) -> Exception:
        """The first try failed in a way worth another: stamina's loop takes it from here.

        The loop replays this failure as its own first attempt (nothing is sent again), so its
        backoff, attempt count, time budget and hooks work as if it had made the first try.
        """
        assert isinstance(exc, transport.RETRYABLE)
        tries.note(exc)
        return exc

    def _retries_spent(self, request: httpx.Request, exc: Exception) -> httpx.Response:
        """After the last attempt: hand the response back to the flow, or raise the network failure."""
        if isinstance(exc, transport.RetryableResponse):
            return exc.response
        assert isinstance(exc, transport.RetryableTransport)
        raise _mapped_transport_error(self._provider.name, request, exc.error, exc.status) from exc.error


class _CountingStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A request body that reports the bytes sent so far (from zero again on each retry)."""

    def __init__(self, inner: Any, total: int, report: Progress) -> None:
        self.inner = inner
        self.total = total
        self.report = report

    def __iter__(self) -> Iterator[bytes]:
        done = 0
        for chunk in self.inner:
            done += len(chunk)
            self.report(done, self.total)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        done = 0
        async for chunk in self.inner:
            done += len(chunk)
            self.report(done, self.total)
            yield chunk


@attrs.frozen(slots=True)
class _Done(Generic[T]):
    """A flow's result."""

    value: T


class _Sink:
    """Where a streamed download goes: a temp file placed when complete and verified as a PDF
    (``downloads.PdfCheck``), under the current download's overwrite rule, with progress reports."""

    def __init__(self, response: httpx.Response, target: SaveTarget, progress: Progress | None,
                 provider: str) -> None:
        name = target.filename or transport.content_disposition_filename(response) or "document.pdf"
        self.dest = transport.target_path(target.folder, transport.pdf_filename(name))
        self.check = downloads.PdfCheck(response, provider)
        self.check.check_type()
        length = response.headers.get("content-length", "")
        self.total = int(length) if length.isdigit() else None
        self.done = 0
        self.progress = progress
        self.response = response

    @contextmanager
    def open(self) -> Iterator[Callable[[bytes], None]]:
        with transport.download_file(self.dest, self.check) as fh:
            def write(chunk: bytes) -> None:
                self.check.feed(chunk)
                fh.write(chunk)
                self.done += len(chunk)
                if self.progress is not None:
                    self.progress(self.done, self.total)
            yield write
        self.response.extensions[EXT_SAVED] = self.dest


class _Waiter:
    """``wait``'s bookkeeping: report changes, stop on a terminal state, time out with the last envelope."""

    def __init__(self, schedule: _WaitSchedule, on_change: Callable[[StoredEnvelope], None] | None) -> None:
        self.schedule = schedule
        self.on_change = on_change
        self.last: Envelope | None = None

    def seen(self, envelope: StoredEnvelope) -> float | None:
        """``None`` when done; else how long to sleep before the next look."""
        if self.on_change is not None and (self.last is None or _changed(self.last, envelope)):
            self.on_change(envelope)
        self.last = envelope
        if envelope.is_terminal:
            return None
        sleep = self.schedule.next_sleep()
        if sleep is None:
            raise WaitTimeout(envelope)
        return sleep


class Client(_BaseClient):
    """The synchronous client. Create it with ``signport.connect()``."""

    def __init__(self, provider: Provider, *, http: httpx.Client | None = None,
                 transport_: httpx.BaseTransport | None = None, **options: Any) -> None:
        super().__init__(provider, **options)
        self._own_http = http is None
        if http is None and provider.uses_http:
            http = HttpClient(transport=transport_, **self._http_kwargs())
        self._http = http

    # --- lifecycle --------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool and the provider's resources."""
        if self._http is not None and self._own_http:
            self._http.close()
        self._provider.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the driver -------------------------------------------------------------------------
    def run(self, flow: Flow[T], progress: Progress | None = None) -> T:
        """Drive ``flow`` to its result, sending each request it yields."""
        step = self._advance(flow, None)
        while not isinstance(step, _Done):
            try:
                outcome: httpx.Response | SignportError = self._send(step, progress)
            except SignportError as exc:
                outcome = exc
            step = self._advance(flow, outcome)
        return step.value

    def _send(self, request: httpx.Request, progress: Progress | None) -> httpx.Response:
        if self._http is None:
            raise TransportError("this provider has no HTTP client", provider=self._provider.name)
        self._announce(request)
        if delay := self._delay(request):
            time.sleep(delay)
        target: SaveTarget | None = request.extensions.get(EXT_SAVE_TO)
        tries = transport.Attempts(request)
        tries.begin(1)
        try:
            return self._attempt(request, target, progress, tries)
        except transport.RETRYABLE as first:
            failed: Exception | None = self._first_failure(tries, first)
        # Only a try that deserves another one pays for the retry loop.
        try:
            with transport.retrying_request():
                for attempt in self._retry_context():
                    with attempt, tries.attempt(attempt.num):
                        if failed is not None:
                            replay, failed = failed, None
                            raise replay
                        return self._attempt(request, target, progress, tries)
        except transport.RETRYABLE as exc:
            return self._retries_spent(request, exc)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, request: httpx.Request, target: SaveTarget | None,
                 progress: Progress | None, tries: transport.Attempts) -> httpx.Response:
        assert self._http is not None
        status: int | None = None
        try:
            response = self._http.send(request, stream=True, auth=self._send_auth)
            status = response.status_code
            try:
                if target is not None and response.is_success:
                    sink = _Sink(response, target, progress, self._provider.name)
                    with sink.open() as write:
                        for chunk in response.iter_bytes(transport.CHUNK):
                            write(chunk)
                else:
                    response.read()
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise self._network_failure(request, exc, tries, status) from exc
        return self._judge(request, response, tries)

    # --- the public API ------------------------------------------------------------------------
    @property
    def local(self) -> LocalOperations:
        """Operations only the ``local`` provider has: ``client.local.sign(env, signer)``, ``decline``,
        ``expire``, ``events``. On any other provider, ``UnsupportedFeature`` (naming provider and feature)."""
        return LocalOperations(self._simulator(), self._ops)

    def send(self, envelope: Envelope, *, extras: Mapping[str, Any] | None = None) -> StoredEnvelope:
        """Create ``envelope`` and send it to its signers."""
        return self.run(self._ops.create(envelope, True, extras))

    def create_draft(self, envelope: Envelope, *, extras: Mapping[str, Any] | None = None) -> StoredEnvelope:
        """Create ``envelope`` as a draft; nobody is notified."""
        return self.run(self._ops.create(envelope, False, extras))

    def send_draft(self, envelope_id: EnvelopeRef) -> StoredEnvelope:
        """Send a draft to its signers."""
        return self.run(self._ops.send_draft(envelope_id))

    def get(self, envelope_id: EnvelopeRef) -> StoredEnvelope:
        """Read one envelope."""
        return self.run(self._ops.get(envelope_id))

    def list(self, states: Iterable[State] | State | None = None) -> Iterator[StoredEnvelope]:
        """Every envelope (optionally in ``states``), fetched lazily page by page."""
        chosen = self._ops.states(states)
        return self._iterate(chosen)

    def _iterate(self, states: frozenset[State] | None) -> Iterator[StoredEnvelope]:
        cursor: Any = None
        while True:
            page = self.run(self._ops.list_page(states, cursor))
            yield from (self._ops.stored(e) for e in page.envelopes)
            if page.next is None:
                return
            cursor = page.next

    def update_draft(self, envelope_id: EnvelopeRef, *, subject: str | None = None, sign_by: datetime | None = None,
                     message: str | None = None, add_signers: Iterable[Signer] = (),
                     remove_signers: Iterable[SignerRef] = (), add_documents: Iterable[Document] = (),
                     remove_documents: Iterable[Document | str] = (),
                     extras: Mapping[str, Any] | None = None) -> StoredEnvelope:
        """Change a draft: subject, sign-by date, message, signers, documents."""
        update = _draft_update(subject, sign_by, message, add_signers, remove_signers, add_documents,
                               remove_documents)
        return self.run(self._ops.update_draft(envelope_id, update, extras))

    def update_signer(self, envelope_id: EnvelopeRef, signer_id: SignerRef, *, email: str | None = None,
                      phone: str | None = None, delivery: Iterable[Delivery] | None = None) -> StoredEnvelope:
        """Change a signer's contact details on a live envelope."""
        update = SignerUpdate(email=email, phone=phone, delivery=delivery)
        return self.run(self._ops.update_signer(envelope_id, signer_id, update))

    def void(self, envelope_id: EnvelopeRef, reason: str | None = None) -> StoredEnvelope:
        """Withdraw a sent envelope."""
        return self.run(self._ops.void(envelope_id, reason))

    def delete_draft(self, envelope_id: EnvelopeRef) -> None:
        """Delete a draft for good."""
        self.run(self._ops.delete_draft(envelope_id))

    def wait(self, envelope_id: EnvelopeRef, timeout: float = 600, poll: float | None = None,
             on_change: Callable[[StoredEnvelope], None] | None = None) -> StoredEnvelope:
        """Poll until the envelope is completed, declined, voided or expired; returns it.

        ``poll`` is the first interval in seconds (it grows by half, capped); unset, the provider's
        default (5 s; DocuSign: 20 minutes, its polling rule).
        """
        waiter = _Waiter(self._ops.schedule(timeout, poll, on_change), on_change)
        while True:
            envelope = self.get(envelope_id)
            sleep = waiter.seen(envelope)
            if sleep is None:
                return envelope
            time.sleep(sleep)

    def download(self, envelope_id: EnvelopeRef, to: str | Path, kind: DocumentKind | str = DocumentKind.EXECUTED,
                 progress: Progress | None = None, *, overwrite: bool = False) -> builtins.list[Path]:
        """Stream the documents of ``kind`` into the folder ``to``; returns the files written.

        Each file is verified as a complete PDF before it appears under its name. A file already there
        is refused (``ValidationError`` on ``to``) unless ``overwrite=True``. All or nothing: if the
        download fails part-way, the files it created are removed and the ones it replaced restored.
        """
        flow, _ = self._ops.download(envelope_id, to, kind, overwrite)
        with downloads.session(overwrite, self.durable_downloads):
            return self.run(flow, progress)

    def signing_url(self, envelope_id: EnvelopeRef, signer_id: SignerRef) -> str:
        """A URL where that signer signs."""
        return self.run(self._ops.signing_url(envelope_id, signer_id))

    def duplicate(self, envelope_id: EnvelopeRef, subject: str | None = None, void_original: bool = False,
                  reason: str | None = None) -> StoredEnvelope:
        """A new draft copied from an envelope (the original voided if ``void_original``)."""
        return self.run(self._ops.duplicate(envelope_id, subject, void_original, reason))

    def watch(self, handlers: Handlers | None = None, store: Store | None = None, **options: Any) -> Watcher:
        """A polling ``events.Watcher`` on this client: ``client.watch(handlers).run()`` (docs/events.md)."""
        from .events.watcher import Watcher

        return Watcher(self, handlers, store, **options)


def _pool_size(http: httpx.AsyncClient) -> int | None:
    """The most connections ``http``'s pool opens at once (``None``: no limit).

    httpx does not expose a client's limits; its default transport keeps them on its connection
    pool. A transport of another kind (a mock, an ASGI app) has no pool: the default limit applies.
    """
    pool = getattr(getattr(http, "_transport", None), "_pool", None)
    if pool is None or not hasattr(pool, "_max_connections"):
        return POOL_LIMITS.max_connections
    size = pool._max_connections
    # httpx stores "no limit" as sys.maxsize.
    return size if isinstance(size, int) and 0 < size < sys.maxsize else None


class AsyncClient(_BaseClient):
    """The asynchronous client: the same methods as ``Client``, awaited. Create it with ``connect_async()``.

    Backpressure: at most as many requests are in flight as the connection pool has connections
    (``POOL_LIMITS``, or the pool of an ``http=`` client); further calls wait their turn instead
    of timing out on the pool, so an application may ``asyncio.gather`` thousands of calls.
    """

    def __init__(self, provider: Provider, *, http: httpx.AsyncClient | None = None,
                 transport_: httpx.AsyncBaseTransport | None = None, **options: Any) -> None:
        super().__init__(provider, **options)
        self._own_http = http is None
        if http is None and provider.uses_http:
            http = AsyncHttpClient(transport=transport_, **self._http_kwargs())
        self._http = http
        size = _pool_size(http) if http is not None else None
        #: Slots for requests in flight (one per pooled connection); held from send to body read.
        self._slots: asyncio.Semaphore | contextlib.AbstractAsyncContextManager[None] = (
            asyncio.Semaphore(size) if size is not None else contextlib.nullcontext())

    async def aclose(self) -> None:
        """Close the connection pool and the provider's resources."""
        if self._http is not None and self._own_http:
            await self._http.aclose()
        self._provider.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def run(self, flow: Flow[T], progress: Progress | None = None) -> T:
        """Drive ``flow`` to its result, sending each request it yields."""
        step = self._advance(flow, None)
        while not isinstance(step, _Done):
            try:
                outcome: httpx.Response | SignportError = await self._send(step, progress)
            except SignportError as exc:
                outcome = exc
            step = self._advance(flow, outcome)
        return step.value

    async def _send(self, request: httpx.Request, progress: Progress | None) -> httpx.Response:
        if self._http is None:
            raise TransportError("this provider has no HTTP client", provider=self._provider.name)
        self._announce(request)
        if delay := self._delay(request):
            await asyncio.sleep(delay)
        target: SaveTarget | None = request.extensions.get(EXT_SAVE_TO)
        tries = transport.Attempts(request)
        tries.begin(1)
        try:
            return await self._attempt(request, target, progress, tries)
        except transport.RETRYABLE as first:
            failed: Exception | None = self._first_failure(tries, first)
        # Only a try that deserves another one pays for the retry loop.
        try:
            with transport.retrying_request():
                async for attempt in self._retry_context():
                    with attempt, tries.attempt(attempt.num):
                        if failed is not None:
                            replay, failed = failed, None
                            raise replay
                        return await self._attempt(request, target, progress, tries)
        except transport.RETRYABLE as exc:
            return self._retries_spent(request, exc)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, request: httpx.Request, target: SaveTarget | None,
                       progress: Progress | None, tries: transport.Attempts) -> httpx.Response:
        assert self._http is not None
        status: int | None = None
        try:
            # A slot per attempt: a retry's back-off wait does not keep a connection's turn.
            async with self._slots:
                response = await self._http.send(request, stream=True, auth=self._send_auth)
                status = response.status_code
                try:
                    if target is not None and response.is_success:
                        sink = _Sink(response, target, progress, self._provider.name)
                        # Chunks are written as they arrive; each write is small and local.
                        with sink.open() as write:
                            async for chunk in response.aiter_bytes(transport.CHUNK):
                                write(chunk)
                    else:
                        await response.aread()
                finally:
                    await response.aclose()
        except httpx.HTTPError as exc:
            raise self._network_failure(request, exc, tries, status) from exc
        return self._judge(request, response, tries)

    @property
    def local(self) -> AsyncLocalOperations:
        """Operations only the ``local`` provider has, awaited: ``await client.local.sign(env, signer)``,
        ``decline``, ``expire``, ``events``. On any other provider, ``UnsupportedFeature`` (naming provider
        and feature), raised when the attribute is read."""
        return AsyncLocalOperations(self._simulator(), self._ops)

    async def send(self, envelope: Envelope, *, extras: Mapping[str, Any] | None = None) -> StoredEnvelope:
        """Create ``envelope`` and send it to its signers."""
        return await self.run(self._ops.create(envelope, True, extras))

    async def create_draft(self, envelope: Envelope, *, extras: Mapping[str, Any] | None = None) -> StoredEnvelope:
        """Create ``envelope`` as a draft; nobody is notified."""
        return await self.run(self._ops.create(envelope, False, extras))

    async def send_draft(self, envelope_id: EnvelopeRef) -> StoredEnvelope:
        """Send a draft to its signers."""
        return await self.run(self._ops.send_draft(envelope_id))

    async def get(self, envelope_id: EnvelopeRef) -> StoredEnvelope:
        """Read one envelope."""
        return await self.run(self._ops.get(envelope_id))

    def list(self, states: Iterable[State] | State | None = None) -> AsyncIterator[StoredEnvelope]:
        """Every envelope (optionally in ``states``), fetched lazily page by page: ``async for``."""
        chosen = self._ops.states(states)
        return self._iterate(chosen)

    async def _iterate(self, states: frozenset[State] | None) -> AsyncIterator[StoredEnvelope]:
        cursor: Any = None
        while True:
            page = await self.run(self._ops.list_page(states, cursor))
            for envelope in page.envelopes:
                yield self._ops.stored(envelope)
            if page.next is None:
                return
            cursor = page.next

    async def update_draft(self, envelope_id: EnvelopeRef, *, subject: str | None = None,
                           sign_by: datetime | None = None, message: str | None = None,
                           add_signers: Iterable[Signer] = (), remove_signers: Iterable[SignerRef] = (),
                           add_documents: Iterable[Document] = (), remove_documents: Iterable[Document | str] = (),
                           extras: Mapping[str, Any] | None = None) -> StoredEnvelope:
        """Change a draft: subject, sign-by date, message, signers, documents."""
        update = _draft_update(subject, sign_by, message, add_signers, remove_signers, add_documents,
                               remove_documents)
        return await self.run(self._ops.update_draft(envelope_id, update, extras))

    async def update_signer(self, envelope_id: EnvelopeRef, signer_id: SignerRef, *, email: str | None = None,
                            phone: str | None = None, delivery: Iterable[Delivery] | None = None) -> StoredEnvelope:
        """Change a signer's contact details on a live envelope."""
        update = SignerUpdate(email=email, phone=phone, delivery=delivery)
        return await self.run(self._ops.update_signer(envelope_id, signer_id, update))

    async def void(self, envelope_id: EnvelopeRef, reason: str | None = None) -> StoredEnvelope:
        """Withdraw a sent envelope."""
        return await self.run(self._ops.void(envelope_id, reason))

    async def delete_draft(self, envelope_id: EnvelopeRef) -> None:
        """Delete a draft for good."""
        await self.run(self._ops.delete_draft(envelope_id))

    async def wait(self, envelope_id: EnvelopeRef, timeout: float = 600, poll: float | None = None,
                   on_change: Callable[[StoredEnvelope], None] | None = None) -> StoredEnvelope:
        """Poll until the envelope is completed, declined, voided or expired; returns it.

        ``poll`` is the first interval in seconds (it grows by half, capped); unset, the provider's
        default (5 s; DocuSign: 20 minutes, its polling rule).
        """
        waiter = _Waiter(self._ops.schedule(timeout, poll, on_change), on_change)
        while True:
            envelope = await self.get(envelope_id)
            sleep = waiter.seen(envelope)
            if sleep is None:
                return envelope
            await asyncio.sleep(sleep)

    async def download(self, envelope_id: EnvelopeRef, to: str | Path,
                       kind: DocumentKind | str = DocumentKind.EXECUTED,
                       progress: Progress | None = None, *, overwrite: bool = False) -> builtins.list[Path]:
        """Stream the documents of ``kind`` into the folder ``to``; returns the files written.

        The same rules as ``Client.download``: verified PDFs, no silent replace unless ``overwrite=True``,
        all or nothing.
        """
        flow, _ = self._ops.download(envelope_id, to, kind, overwrite)
        with downloads.session(overwrite, self.durable_downloads):
            return await self.run(flow, progress)

    async def signing_url(self, envelope_id: EnvelopeRef, signer_id: SignerRef) -> str:
        """A URL where that signer signs."""
        return await self.run(self._ops.signing_url(envelope_id, signer_id))

    async def duplicate(self, envelope_id: EnvelopeRef, subject: str | None = None, void_original: bool = False,
                        reason: str | None = None) -> StoredEnvelope:
        """A new draft copied from an envelope (the original voided if ``void_original``)."""
        return await self.run(self._ops.duplicate(envelope_id, subject, void_original, reason))

    def watch(self, handlers: Handlers | None = None, store: Store | None = None,
              **options: Any) -> AsyncWatcher:
        """A polling ``events.AsyncWatcher`` on this client: ``await client.watch(handlers).run()``."""
        from .events.watcher import AsyncWatcher

        return AsyncWatcher(self, handlers, store, **options)


def _changed(a: Envelope, b: Envelope) -> bool:
    return (a.state, a.native_state, [(s.state, s.native_state) for s in a.signers]) != (
        b.state, b.native_state, [(s.state, s.native_state) for s in b.signers])


def _build_provider(name: str | None, settings: Mapping[str, Any]) -> tuple[Provider, dict[str, Any]]:
    file = load_file()
    chosen = provider_name(name, file)
    cls = provider_class(chosen)
    options = client_options(file)
    provider = cls(resolve_settings(chosen, cls.settings_class, settings, file))
    return provider, options


def _client_options(options: dict[str, Any], timeout: float | None, retries: int | None,
                    ignore_unsupported: Collection[str] | None, durable_downloads: bool | None) -> dict[str, Any]:
    for name, value in (("timeout", timeout), ("retries", retries), ("ignore_unsupported", ignore_unsupported),
                        ("durable_downloads", durable_downloads)):
        if value is not None:
            options[name] = value
    return options


def connect(name: str | None = None, /, *, timeout: float | None = None, retries: int | None = None,
            ignore_unsupported: Collection[str] | None = None, durable_downloads: bool | None = None,
            transport: httpx.BaseTransport | None = None, http: httpx.Client | None = None,
            **settings: Any) -> Client:
    """A ``Client`` for provider ``name`` (else from config; default ``local``) with ``settings``."""
    provider, options = _build_provider(name, settings)
    return Client(provider, http=http, transport_=transport,
                  **_client_options(options, timeout, retries, ignore_unsupported, durable_downloads))


def connect_async(name: str | None = None, /, *, timeout: float | None = None, retries: int | None = None,
                  ignore_unsupported: Collection[str] | None = None, durable_downloads: bool | None = None,
                  transport: httpx.AsyncBaseTransport | None = None, http: httpx.AsyncClient | None = None,
                  **settings: Any) -> AsyncClient:
    """An ``AsyncClient`` for provider ``name``; use it with ``async with``."""
    provider, options = _build_provider(name, settings)
    return AsyncClient(provider, http=http, transport_=transport,
                       **_client_options(options, timeout, retries, ignore_unsupported, durable_downloads))
