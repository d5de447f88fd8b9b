"""The ``local`` provider: no account, no network, the rules a vendor enforces.

Envelopes live in a SQLite store (see ``store.py``); signers are simulated with
``LocalProvider.sign`` and ``LocalProvider.decline``. When the last signer signs,
executed PDFs and an audit trail are written beside the store (``executed.py``, drawn by
``stamping.py``). Native -> neutral tables are in ``states.py``, the pure parsing in
``payloads.py`` and ``webhooks.py``, the document files in ``documents.py``; this module
holds the flows and the lifecycle rules.

Flows are generators that never yield: the drivers run them like any other
provider's, and every mutation happens in one store transaction.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import attrs

from signport.capabilities import Capabilities
from signport.errors import ConfigError, InvalidState, NotFound, ProviderError, SignportError, ValidationError
from signport.model import DraftUpdate, Envelope, Event, Signer, SignerUpdate
from signport.provider import Flow, Page, Provider
from signport.registry import provider_class
from signport.states import Delivery, DocumentKind, FieldType, SigningOrder, State
from signport.transport import atomic_copy, atomic_file, download_file, download_filenames, target_path
from signport.validation import check_fields, field_pages, resolve_ref

from . import outbox, payloads, stamping, webhooks
from .documents import discard_files, link_or_copy, store_documents, stored_file
from .executed import AUDIT_FILE, COMBINED_FILE, audit_trail, document_stamps, render_executed
from .links import link_token, resolve_token
from .settings import LocalSettings
from .states import (
    E_COMPLETED,
    E_CREATED,
    E_DECLINED,
    E_DECLINED_BY,
    E_DOC_COMPLETED,
    E_EXPIRED,
    E_SENT,
    E_SIGNED,
    E_SIGNER_UPDATED,
    E_UPDATED,
    E_VOIDED,
    NATIVE,
)
from .store import (
    COMPLETED,
    DECLINED,
    DRAFT,
    EXPIRED,
    IN_PROGRESS,
    NAME,
    OPEN,
    S_DECLINED,
    S_NEXT,
    S_PENDING,
    S_SIGNED,
    SENT,
    VOIDED,
    EnvelopeRecord,
    EventRecord,
    FieldRecord,
    SignerRecord,
    Store,
    new_id,
    to_json,
)
from .webhooks import webhook_delivery

#: Largest drawn signature accepted (bytes of PNG).
MAX_DRAWING = 2 * 1024 * 1024


def emulated(vendor: Capabilities, own: Capabilities | None = None) -> Capabilities:
    """Local's capabilities (``own``, default the class's) when it emulates a vendor: what both can do,
    plus simulated signing."""
    own = own if own is not None else LocalProvider.capabilities
    values = {a.name: getattr(vendor, a.name) & getattr(own, a.name) for a in attrs.fields(Capabilities)}
    values["simulated_signing"] = True
    return Capabilities(**values)


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


class LocalProvider(Provider):
    """Envelopes in a local SQLite store, signed by simulated signers; nothing leaves the machine.

    ``now`` is the provider's clock (a callable returning an aware datetime); tests replace it to
    move time past a ``sign_by``.
    """

    name: ClassVar[str] = NAME
    settings_class: ClassVar[type[Any]] = LocalSettings
    capabilities: ClassVar[Capabilities] = Capabilities(
        sequential_order=True,
        parallel_order=True,
        field_types=frozenset(FieldType),
        sms_delivery=True,
        sign_by=True,
        message=True,
        void_reason=True,
        drafts=True,
        update_draft=True,
        update_signer=True,
        delete_draft=True,
        list_filters=frozenset(State),  # READY and UNKNOWN never occur: filtering by them finds none
        download_kinds=frozenset(DocumentKind),
        signing_urls=False,  # on with a server_url (see __init__)
        webhooks=True,
        webhook_verification=False,  # on with a webhook_secret (see __init__)
        duplicate=True,
        simulated_signing=True,
    )

    def __init__(self, settings: LocalSettings | None = None) -> None:
        super().__init__(settings if settings is not None else LocalSettings())
        self.now: Callable[[], datetime] = utcnow
        self._store: Store | None = None
        self._store_lock = threading.Lock()
        self._poster: Any = None
        # Two capabilities depend on the settings: this instance's value shadows the class's defaults.
        self.capabilities = attrs.evolve(  # type: ignore[misc]
            type(self).capabilities, signing_urls=self.settings.server_url is not None,
            webhook_verification=bool(self.settings.webhook_secret))
        self._rules_of = NAME
        if self.settings.emulate:
            self._emulate(str(self.settings.emulate))

    def _emulate(self, name: str) -> None:
        """Take on ``name``'s capabilities (what local can do of them) and input rules.

        The provider class comes from the registry (no plugin imports another); its rules need
        no settings, so the vendor is neither configured nor contacted.
        """
        try:
            vendor = provider_class(name)
        except ConfigError as exc:
            raise ConfigError(f"local: emulate names no provider: {exc.message}", provider=NAME) from None
        if vendor.name == NAME:
            return
        # Instance attributes shadow the class-wide ones: this provider, and only it, emulates.
        self.capabilities = emulated(vendor.capabilities, self.capabilities)  # type: ignore[misc]
        self.rules = vendor.rules  # type: ignore[misc]
        self._rules_of = vendor.name

    @property
    def rules_of(self) -> str:
        """``local``, or the provider named by ``emulate`` (refusals then read as that vendor's)."""
        return self._rules_of

    def __repr__(self) -> str:
        emulating = f" emulating {self._rules_of}" if self._rules_of != NAME else ""
        return f"<LocalProvider {str(self.folder)!r}{emulating}>"

    # --- plumbing ------------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        """The store's folder."""
        folder: Path = self.settings.folder
        return folder

    @property
    def store(self) -> Store:
        """The store, opened on first use (once, even when threads race to it)."""
        store = self._store
        if store is None:
            with self._store_lock:
                if self._store is None:
                    self._store = Store(self.folder, busy_timeout=float(self.settings.busy_timeout))
                store = self._store
        return store

    def close(self) -> None:
        """Stop posting webhooks (pending ones stay in the outbox) and close the database connection."""
        if self._poster is not None:
            self._poster.stop()
            self._poster = None
        if self._store is not None:
            self._store.close()

    def _add_event(self, conn: Any, event: EventRecord) -> None:
        """Store an event and, in the same transaction, its webhook deliveries (posted off this thread)."""
        Store.add_event(conn, event)
        urls = self.settings.webhook_urls
        if urls:
            outbox.enqueue(conn, event, urls)
            self.start_webhooks().wake()

    def start_webhooks(self) -> Any:
        """The thread posting this store's pending webhook deliveries (started once, stopped by ``close``)."""
        if self._poster is None:
            from .server.delivery import Poster

            with self._store_lock:
                if self._poster is None:
                    self._poster = Poster(self)
                    self._poster.start()
        return self._poster

    def _now(self) -> datetime:
        now = self.now()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ProviderError("the local provider's clock must return timezone-aware datetimes",
                                provider=NAME)
        return now.astimezone(UTC)

    def _event(self, record: EnvelopeRecord, event: str, at: datetime, *, signer: SignerRecord | None = None,
               document_id: str | None = None, reason: str | None = None) -> EventRecord:
        actor = None
        if signer is not None:
            contact = ", ".join(c for c in (signer.email, signer.phone) if c)
            actor = f"{signer.name} <{contact}>" if contact else signer.name
        return EventRecord(id=new_id(), event=event, envelope_id=record.id, occurred_at=at,
                           signer_id=signer.id if signer else None, document_id=document_id,
                           reason=reason, actor=actor)

    def _envelope(self, record: EnvelopeRecord) -> Envelope:
        return self.parse_envelope(json.loads(to_json(record)))

    @staticmethod
    def _route(record: EnvelopeRecord) -> None:
        """Set every signer's status from the envelope's: who is NEXT, who waits."""
        live = record.status in OPEN
        waiting = True
        for signer in record.signers:
            if signer.status in (S_SIGNED, S_DECLINED):
                continue
            if not live:
                signer.status = S_PENDING
            elif record.order is SigningOrder.PARALLEL or waiting:
                signer.status = S_NEXT
                waiting = False
            else:
                signer.status = S_PENDING

    def _expire_if_due(self, record: EnvelopeRecord, now: datetime) -> EventRecord | None:
        if record.status in OPEN and record.sign_by is not None and record.sign_by <= now:
            record.status = EXPIRED
            record.expired_at = record.sign_by.astimezone(UTC)
            record.updated_at = now
            self._route(record)
            return self._event(record, E_EXPIRED, record.expired_at)
        return None

    def _mutate(self, envelope_id: str,
                change: Callable[[EnvelopeRecord, datetime, list[EventRecord]], None]) -> EnvelopeRecord:
        """Load, let ``change`` check and edit the record (appending events), save: one transaction.

        ``change`` raises before editing anything when the operation is refused; an expiry
        that fell due is committed even then.
        """
        now = self._now()
        refused: SignportError | None = None
        with self.store.write() as conn:
            record = Store.load(conn, envelope_id)
            expired = self._expire_if_due(record, now)
            if expired is not None:
                Store.save(conn, record)
                self._add_event(conn, expired)
            events: list[EventRecord] = []
            try:
                change(record, now, events)
            except SignportError as exc:
                refused = exc
            else:
                record.updated_at = now
                Store.save(conn, record)
                for event in events:
                    self._add_event(conn, event)
        if refused is not None:
            raise refused
        return record

    def _current(self, envelope_id: str) -> EnvelopeRecord:
        """The envelope as it stands now (an overdue one is expired first)."""
        with self.store.read() as conn:
            record = Store.load(conn, envelope_id)
        if record.status in OPEN and record.sign_by is not None and record.sign_by <= self._now():
            record = self._mutate(envelope_id, lambda r, n, e: None)
        return record

    def _expire_overdue(self) -> None:
        now = self._now()
        with self.store.read() as conn:
            due = Store.overdue(conn, now)
        if not due:
            return
        with self.store.write() as conn:
            for envelope_id in Store.overdue(conn, now):
                record = Store.load(conn, envelope_id)
                event = self._expire_if_due(record, now)
                if event is not None:
                    Store.save(conn, record)
                    self._add_event(conn, event)

    @staticmethod
    def _refuse(record: EnvelopeRecord, allowed: Iterable[str], action: str) -> None:
        allowed = tuple(allowed)
        if record.status not in allowed:
            states = " or ".join(allowed)
            raise InvalidState(f"cannot {action}: envelope {record.id} is {record.status} (needs {states})",
                               provider=NAME, code=record.status)

    # --- validation ----------------------------------------------------------------------------
    @staticmethod
    def _check_sendable(record: EnvelopeRecord, now: datetime) -> None:
        if not record.documents:
            raise ValidationError("needs at least one document", path="documents", provider=NAME)
        if not record.signers:
            raise ValidationError("needs at least one signer", path="signers", provider=NAME)
        for i, signer in enumerate(record.signers):
            if Delivery.EMAIL in signer.delivery and not signer.email:
                raise ValidationError("is required for email delivery", path=f"signers[{i}].email",
                                      provider=NAME)
            if Delivery.SMS in signer.delivery and not signer.phone:
                raise ValidationError("is required for SMS delivery", path=f"signers[{i}].phone",
                                      provider=NAME)
        if record.sign_by is not None and record.sign_by <= now:
            raise ValidationError("must be in the future", path="sign_by", provider=NAME)

    @staticmethod
    def _json_extras(extras: Mapping[str, Any]) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(json.dumps(dict(extras)))
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"must be JSON-serializable for the local store ({exc})",
                                  path="extras", provider=NAME) from None
        return data

    # --- pure parsing --------------------------------------------------------------------------
    def parse_envelope(self, payload: Mapping[str, Any]) -> Envelope:
        """A stored envelope (its JSON form) -> neutral Envelope."""
        return payloads.parse_envelope(payload)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes | str) -> Event:
        """A local event delivery ``{"event", "envelope_id", "signer_id", "occurred_at", "id"}`` -> Event.

        With a ``webhook_secret``: VERIFIED, or ``WebhookVerificationError`` for a missing, wrong or
        stale ``Signport-Signature``; without one: NOT_CONFIGURED.
        """
        return webhooks.parse_webhook(headers, body, max_bytes=int(self.settings.webhook_max_bytes),
                                      secret=self.settings.webhook_secret, now=self._now().timestamp())

    # --- flows (generators that never yield) ---------------------------------------------------
    def create(self, envelope: Envelope, *, send: bool, extras: Mapping[str, Any]) -> Flow[Envelope]:
        """Store the envelope as a draft, or send it at once when ``send``."""
        yield from ()
        return self._create(envelope, send=send, extras=extras)

    def send_draft(self, envelope_id: str) -> Flow[Envelope]:
        """Send a draft to its signers."""
        yield from ()
        return self._send_draft(envelope_id)

    def get(self, envelope_id: str) -> Flow[Envelope]:
        """Read one envelope (an open one past its ``sign_by`` turns EXPIRED)."""
        yield from ()
        return self._envelope(self._current(envelope_id))

    def list_page(self, states: frozenset[State] | None, cursor: Any) -> Flow[Page]:
        """Envelopes oldest first, ``page_size`` at a time; the cursor is the last row's sequence number."""
        yield from ()
        return self._list_page(states, cursor)

    def update_draft(self, envelope_id: str, update: DraftUpdate, extras: Mapping[str, Any]) -> Flow[Envelope]:
        """Change a draft (only a draft)."""
        yield from ()
        return self._update_draft(envelope_id, update, extras)

    def update_signer(self, envelope_id: str, signer_id: str, update: SignerUpdate) -> Flow[Envelope]:
        """Change the contact details of a signer who has not signed yet."""
        yield from ()
        return self._update_signer(envelope_id, signer_id, update)

    def void(self, envelope_id: str, reason: str | None) -> Flow[Envelope]:
        """Withdraw a sent envelope (SENT or IN_PROGRESS)."""
        yield from ()
        return self._void(envelope_id, reason)

    def delete_draft(self, envelope_id: str) -> Flow[None]:
        """Delete a draft and its files."""
        yield from ()
        self._delete_draft(envelope_id)

    def download(self, envelope_id: str, kind: DocumentKind, to: Path) -> Flow[list[Path]]:
        """Copy the documents of ``kind`` into ``to`` (temp file + rename each); returns the paths."""
        yield from ()
        return self._download(envelope_id, kind, Path(to))

    def signing_url(self, envelope_id: str, signer_id: str) -> Flow[str]:
        """The signer's page on the local signing server (``server_url``): ``<server_url>/sign/<token>``."""
        yield from ()
        return self._signing_url(envelope_id, signer_id)

    def duplicate(self, envelope_id: str, *, subject: str | None, void_original: bool,
                  reason: str | None) -> Flow[Envelope]:
        """A new draft copied from an envelope; voids the original too when asked (one transaction)."""
        yield from ()
        return self._duplicate(envelope_id, subject=subject, void_original=void_original, reason=reason)

    # --- simulated signers and time (local only) -----------------------------------------------
    def sign(self, envelope_id: str, signer_id: str, values: Mapping[str, str | bool] | None = None, *,
             drawings: Mapping[str, bytes] | None = None) -> Envelope:
        """Sign as ``signer_id`` (an id or key); only a NEXT signer may.

        ``values`` fills the signer's fields by field id: text for signature (typed), initials, name,
        date and text fields, a boolean for checkboxes (defaults: the signer's name, initials, the
        signing date, checked). ``drawings`` gives signature or initials fields a drawn PNG instead.
        """
        drawings = dict(drawings or {})
        written: list[Path] = []
        try:
            record = self._current(envelope_id)
            for field_id, png in drawings.items():
                field = next((f for f in record.fields if f.id == field_id), None)
                if field is None or field.type not in (FieldType.SIGNATURE, FieldType.INITIALS):
                    raise ValidationError(f"field {field_id!r} is not a signature or initials field of this "
                                          "envelope", path="drawings", provider=NAME)
                if not png.startswith(b"\x89PNG\r\n\x1a\n") or len(png) > MAX_DRAWING:
                    raise ValidationError(f"the drawing for field {field_id} is not a PNG of at most "
                                          f"{MAX_DRAWING // 1024} KiB", path="drawings", provider=NAME)
                dest = self.store.drawing_path(record.id, field_id)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with atomic_file(dest, durable=True) as out:
                    out.write(png)
                written.append(dest)

            def change(record: EnvelopeRecord, now: datetime, events: list[EventRecord]) -> None:
                self._sign(record, signer_id, values, now, events, drawn=frozenset(drawings))

            return self._envelope(self._mutate(envelope_id, change))
        except BaseException:
            discard_files(written)
            raise

    def decline(self, envelope_id: str, signer_id: str, reason: str | None = None) -> Envelope:
        """Decline as ``signer_id`` (an id or key); the envelope becomes DECLINED."""
        def change(record: EnvelopeRecord, now: datetime, events: list[EventRecord]) -> None:
            self._refuse(record, OPEN, "decline")
            signer = record.signer(signer_id)
            self._check_turn(record, signer, "decline")
            signer.status, signer.declined_at, signer.decline_reason = S_DECLINED, now, reason
            record.status, record.declined_at = DECLINED, now
            self._route(record)
            events.append(self._event(record, E_DECLINED_BY, now, signer=signer, reason=reason))
            events.append(self._event(record, E_DECLINED, now, signer=signer, reason=reason))

        return self._envelope(self._mutate(envelope_id, change))

    def expire(self, envelope_id: str) -> Envelope:
        """Let an open envelope's signing deadline pass now: it becomes EXPIRED."""
        def change(record: EnvelopeRecord, now: datetime, events: list[EventRecord]) -> None:
            self._refuse(record, OPEN, "expire")
            record.status, record.expired_at = EXPIRED, now
            self._route(record)
            events.append(self._event(record, E_EXPIRED, now))

        return self._envelope(self._mutate(envelope_id, change))

    def events(self, envelope_id: str) -> list[Event]:
        """The envelope's events, oldest first, as neutral Events (the same form as webhooks: signed, and
        so VERIFIED, when a ``webhook_secret`` is set)."""
        return [self.parse_webhook(*delivery) for delivery in self.webhook_deliveries(envelope_id)]

    def webhook_deliveries(self, envelope_id: str) -> list[tuple[dict[str, str], bytes]]:
        """The webhook deliveries (headers, body) the envelope's events make, oldest first (signed now
        when a ``webhook_secret`` is set)."""
        secret, now = self.settings.webhook_secret, int(self._now().timestamp())
        return [webhook_delivery(e, secret=secret, timestamp=now) for e in self._event_records(envelope_id)]

    # --- what the local signing server reads (local only) ---------------------------------------
    def record(self, envelope_id: str) -> EnvelopeRecord:
        """The stored envelope as it stands now (an overdue one expired first)."""
        return self._current(envelope_id)

    def event_records(self, envelope_id: str) -> list[EventRecord]:
        """The envelope's stored events, oldest first."""
        return self._event_records(envelope_id)

    def link(self, token: str) -> tuple[EnvelopeRecord, SignerRecord] | None:
        """The envelope and signer a signing-link token opens, or ``None`` for an unknown token."""
        with self.store.read() as conn:
            found = resolve_token(conn, token)
        if found is None:
            return None
        record = self._current(found[0])
        signer = next((s for s in record.signers if s.id == found[1]), None)
        return (record, signer) if signer is not None else None

    def deliveries(self, envelope_id: str) -> list[outbox.Delivery]:
        """The envelope's webhook deliveries with their attempts, oldest first."""
        with self.store.read() as conn:
            return outbox.for_envelope(conn, envelope_id)

    def redeliver(self, delivery_id: str) -> bool:
        """Queue a webhook delivery again (fresh attempts); False if there is no such delivery."""
        with self.store.write() as conn:
            found = outbox.redeliver(conn, delivery_id, self._now())
        if found:
            self.start_webhooks().wake()
        return found

    def _event_records(self, envelope_id: str) -> list[EventRecord]:
        self._current(envelope_id)
        with self.store.read() as conn:
            Store.load_raw(conn, envelope_id)
            return Store.events(conn, envelope_id)

    # --- the operations ------------------------------------------------------------------------
    def _create(self, envelope: Envelope, *, send: bool, extras: Mapping[str, Any]) -> Envelope:
        now = self._now()
        stored_extras = self._json_extras(extras)
        envelope_id = new_id()
        try:
            documents, pdfs = store_documents(self.store, envelope_id, envelope.documents, "documents",
                                              field_pages(envelope))
            check_fields(envelope, pdfs)
            signers = [self._signer_record(s) for s in envelope.signers]
            signer_keys = [s.key for s in envelope.signers]
            doc_keys = [d.key for d in envelope.documents]
            fields = []
            for f in envelope.fields:
                si, di = resolve_ref(f.signer, signer_keys), resolve_ref(f.document, doc_keys)
                assert si is not None  # checked above
                assert di is not None
                fields.append(FieldRecord(id=new_id(), type=f.type, signer_id=signers[si].id,
                                          document_id=documents[di].id, page=f.placement.page,
                                          x=float(f.placement.x), y=float(f.placement.y),
                                          width=float(f.placement.width), height=float(f.placement.height),
                                          required=f.required))
            record = EnvelopeRecord(
                id=envelope_id, status=DRAFT, subject=envelope.subject, created_at=now, updated_at=now,
                order=envelope.order, message=envelope.message,
                sign_by=envelope.sign_by.astimezone(UTC) if envelope.sign_by else None,
                signers=signers, documents=documents, fields=fields, extras=stored_extras)
            events = [self._event(record, E_CREATED, now)]
            if send:
                self._check_sendable(record, now)
                self._mark_sent(record, now, events)
            with self.store.write() as conn:
                Store.insert(conn, record)
                for event in events:
                    self._add_event(conn, event)
        except BaseException:
            self.store.remove_envelope_files(envelope_id)
            raise
        return self._envelope(record)

    @staticmethod
    def _signer_record(signer: Signer) -> SignerRecord:
        return SignerRecord(id=new_id(), first_name=signer.first_name, last_name=signer.last_name,
                            email=signer.email, phone=signer.phone, key=signer.key,
                            delivery=sorted(signer.delivery, key=lambda d: d.value), language=signer.language)

    def _mark_sent(self, record: EnvelopeRecord, now: datetime, events: list[EventRecord]) -> None:
        record.status, record.sent_at = SENT, now
        self._route(record)
        events.append(self._event(record, E_SENT, now))

    def _send_draft(self, envelope_id: str) -> Envelope:
        def change(record: EnvelopeRecord, now: datetime, events: list[EventRecord]) -> None:
            self._refuse(record, (DRAFT,), "send")
            self._check_sendable(record, now)
            self._mark_sent(record, now, events)

        return self._envelope(self._mutate(envelope_id, change))

    def _list_page(self, states: frozenset[State] | None, cursor: Any) -> Page:
        after = 0
        if cursor is not None:
            try:
                after = int(cursor)
            except (TypeError, ValueError):
                raise ValidationError(f"not a cursor of the local provider: {cursor!r}", path="cursor",
                                      provider=NAME) from None
        statuses = sorted(NATIVE[s] for s in states if s in NATIVE) if states else None
        if statuses == []:
            return Page(envelopes=())
        self._expire_overdue()
        size = int(self.settings.page_size)
        with self.store.read() as conn:
            rows = Store.page(conn, statuses, after, size + 1)
        more = len(rows) > size
        rows = rows[:size]
        envelopes = tuple(self.parse_envelope(data) for _, data in rows)
        return Page(envelopes=envelopes, next=rows[-1][0] if more and rows else None)

    def _update_draft(self, envelope_id: str, update: DraftUpdate, extras: Mapping[str, Any]) -> Envelope:
        stored_extras = self._json_extras(extras)
        self._refuse(self._current(envelope_id), (DRAFT,), "update")
        added, _ = store_documents(self.store, envelope_id, update.add_documents, "add_documents")
        added_paths = [self.store.document_path(envelope_id, d.id) for d in added]
        removed: list[Path] = []

        def change(record: EnvelopeRecord, now: datetime, events: list[EventRecord]) -> None:
            self._refuse(record, (DRAFT,), "update")
            for i, ident in enumerate(update.remove_signers):
                if not any(s.id == ident for s in record.signers):
                    raise NotFound(f"envelope {record.id} has no signer {ident!r}", provider=NAME,
                                   code=f"remove_signers[{i}]")
            for i, ident in enumerate(update.remove_documents):
                if not any(d.id == ident for d in record.documents):
                    raise NotFound(f"envelope {record.id} has no document {ident!r}", provider=NAME,
                                   code=f"remove_documents[{i}]")
            keys = {s.key for s in record.signers if s.key is not None and s.id not in update.remove_signers}
            for i, signer in enumerate(update.add_signers):
                if signer.key is not None and signer.key in keys:
                    raise ValidationError(f"duplicate signer key {signer.key!r}", path=f"add_signers[{i}].key",
                                          provider=NAME)
                if signer.key is not None:
                    keys.add(signer.key)
            if update.sign_by is not None and update.sign_by <= now:
                raise ValidationError("must be in the future", path="sign_by", provider=NAME)
            drop_signers, drop_docs = set(update.remove_signers), set(update.remove_documents)
            removed.extend(self.store.document_path(record.id, d) for d in drop_docs)
            record.signers = [s for s in record.signers if s.id not in drop_signers]
            record.signers.extend(self._signer_record(s) for s in update.add_signers)
            record.documents = [d for d in record.documents if d.id not in drop_docs]
            record.documents.extend(added)
            record.fields = [f for f in record.fields
                             if f.signer_id not in drop_signers and f.document_id not in drop_docs]
            if update.subject is not None:
                record.subject = update.subject
            if update.message is not None:
                record.message = update.message
            if update.sign_by is not None:
                record.sign_by = update.sign_by.astimezone(UTC)
            record.extras.update(stored_extras)
            events.append(self._event(record, E_UPDATED, now))

        try:
            record = self._mutate(envelope_id, change)
        except BaseException:
            discard_files(added_paths)
            raise
        discard_files(removed)
        return self._envelope(record)

    def _update_signer(self, envelope_id: str, signer_id: str, update: SignerUpdate) -> Envelope:
        def change(record: EnvelopeRecord, now: datetime, events: list[EventRecord]) -> None:
            self._refuse(record, (DRAFT, *OPEN), "change a signer")
            signer = record.signer(signer_id)
            if signer.status in (S_SIGNED, S_DECLINED):
                raise InvalidState(f"signer {signer.id} has already {signer.status}; their contact details "
                                   "cannot change", provider=NAME, code=signer.status)
            email = update.email if update.email is not None else signer.email
            phone = update.phone if update.phone is not None else signer.phone
            delivery = sorted(update.delivery, key=lambda d: d.value) if update.delivery is not None \
                else signer.delivery
            if not delivery:
                raise ValidationError("needs at least one delivery method", path="delivery", provider=NAME)
            if Delivery.EMAIL in delivery and not email:
                raise ValidationError("is required for email delivery", path="email", provider=NAME)
            if Delivery.SMS in delivery and not phone:
                raise ValidationError("is required for SMS delivery", path="phone", provider=NAME)
            signer.email, signer.phone, signer.delivery = email, phone, list(delivery)
            events.append(self._event(record, E_SIGNER_UPDATED, now, signer=signer))

        return self._envelope(self._mutate(envelope_id, change))

    def _void(self, envelope_id: str, reason: str | None) -> Envelope:
        def change(record: EnvelopeRecord, now: datetime, events: list[EventRecord]) -> None:
            self._refuse(record, OPEN, "void")
            self._apply_void(record, reason, now, events)

        return self._envelope(self._mutate(envelope_id, change))

    def _apply_void(self, record: EnvelopeRecord, reason: str | None, now: datetime,
                    events: list[EventRecord]) -> None:
        record.status, record.voided_at, record.void_reason = VOIDED, now, reason
        self._route(record)
        events.append(self._event(record, E_VOIDED, now, reason=reason))

    def _delete_draft(self, envelope_id: str) -> None:
        with self.store.write() as conn:
            self._refuse(Store.load(conn, envelope_id), (DRAFT,), "delete")
            Store.delete(conn, envelope_id)
        self.store.remove_envelope_files(envelope_id)

    @staticmethod
    def _check_turn(record: EnvelopeRecord, signer: SignerRecord, action: str) -> None:
        if signer.status == S_NEXT:
            return
        if signer.status in (S_SIGNED, S_DECLINED):
            raise InvalidState(f"cannot {action}: signer {signer.id} has already {signer.status}",
                               provider=NAME, code=signer.status)
        raise InvalidState(f"cannot {action}: it is not signer {signer.id}'s turn (signing order is "
                           f"{record.order.value})", provider=NAME, code=signer.status)

    def _sign(self, record: EnvelopeRecord, signer_id: str, values: Mapping[str, str | bool] | None,
              now: datetime, events: list[EventRecord], drawn: frozenset[str] = frozenset()) -> None:
        self._refuse(record, OPEN, "sign")
        signer = record.signer(signer_id)
        self._check_turn(record, signer, "sign")
        values = dict(values or {})
        own = {f.id: f for f in record.fields if f.signer_id == signer.id}
        for field_id in [*values, *drawn]:
            if field_id not in own:
                raise ValidationError(f"signer {signer.id} has no field {field_id!r}", path="values",
                                      provider=NAME)
        for field_id, value in values.items():
            if own[field_id].type is not FieldType.CHECKBOX and not isinstance(value, str):
                raise ValidationError(f"field {field_id} is a {own[field_id].type.value} field; its value must "
                                      "be text", path="values", provider=NAME)
        for field in own.values():
            field.drawn = field.id in drawn
            if field.type is FieldType.TEXT:
                field.value = str(values.get(field.id, signer.name))
            elif field.type is FieldType.CHECKBOX:
                field.value = "true" if values.get(field.id, True) not in (False, "false", "0", "") else "false"
            elif field.id in values and not field.drawn:
                field.value = str(values[field.id])
        signer.status, signer.signed_at = S_SIGNED, now
        record.status = IN_PROGRESS
        events.append(self._event(record, E_SIGNED, now, signer=signer))
        if all(s.status == S_SIGNED for s in record.signers):
            record.status, record.completed_at = COMPLETED, now
            for document in record.documents:
                events.append(self._event(record, E_DOC_COMPLETED, now, document_id=document.id))
            events.append(self._event(record, E_COMPLETED, now))
            render_executed(self.store, record, events, now)
        self._route(record)

    def _duplicate(self, envelope_id: str, *, subject: str | None, void_original: bool,
                   reason: str | None) -> Envelope:
        original = self._current(envelope_id)
        if void_original:
            self._refuse(original, OPEN, "void the original")
        now = self._now()
        copy_id = new_id()
        signer_ids = {s.id: new_id() for s in original.signers}
        doc_ids = {d.id: new_id() for d in original.documents}
        try:
            for old, new in doc_ids.items():
                src = self.store.document_path(original.id, old)
                link_or_copy(src, self.store.document_path(copy_id, new))
            copy = EnvelopeRecord(
                id=copy_id, status=DRAFT, subject=subject if subject is not None else original.subject,
                created_at=now, updated_at=now, order=original.order, message=original.message,
                sign_by=original.sign_by if original.sign_by and original.sign_by > now else None,
                copied_from=original.id,
                signers=[attrs.evolve(s, id=signer_ids[s.id], status=S_PENDING, signed_at=None, declined_at=None,
                                      decline_reason=None) for s in original.signers],
                documents=[attrs.evolve(d, id=doc_ids[d.id], executed_sha256=None) for d in original.documents],
                fields=[attrs.evolve(f, id=new_id(), signer_id=signer_ids[f.signer_id],
                                     document_id=doc_ids[f.document_id], value=None)
                        for f in original.fields if f.signer_id in signer_ids and f.document_id in doc_ids],
                extras=dict(original.extras))
            created = self._event(copy, E_CREATED, now, reason=f"copied from {original.id}")

            def change(record: EnvelopeRecord, now: datetime, events: list[EventRecord]) -> None:
                if void_original:
                    self._refuse(record, OPEN, "void the original")
                    self._apply_void(record, reason, now, events)

            with self.store.write() as conn:
                record = Store.load(conn, original.id)
                events: list[EventRecord] = []
                expired = self._expire_if_due(record, now)
                if expired is not None:
                    events.append(expired)
                change(record, now, events)
                if events:
                    record.updated_at = now
                    Store.save(conn, record)
                Store.insert(conn, copy)
                for event in [*events, created]:
                    self._add_event(conn, event)
        except BaseException:
            self.store.remove_envelope_files(copy_id)
            raise
        return self._envelope(copy)

    def _signing_url(self, envelope_id: str, signer_id: str) -> str:
        base = self.settings.server_url
        if base is None:
            self.unsupported("signing_urls", "local has signing URLs only with a signing server: set server_url "
                             "(SIGNPORT_LOCAL_SERVER_URL) and run `signport serve`")
        record = self._current(envelope_id)
        if record.status == DRAFT:
            raise InvalidState(f"envelope {record.id} is a draft; send it before asking for a signing link",
                               provider=NAME, code=record.status)
        return f"{base}/sign/{self.signing_token(record.id, signer_id)}"

    def signing_token(self, envelope_id: str, signer_id: str) -> str:
        """The token of a signer's signing link (made on first use; see ``links.py``)."""
        record = self._current(envelope_id)
        signer = record.signer(signer_id)
        with self.store.write() as conn:
            return link_token(conn, record.id, signer.id, self._now())

    # --- downloads -----------------------------------------------------------------------------
    def _download(self, envelope_id: str, kind: DocumentKind, to: Path) -> list[Path]:
        record = self._current(envelope_id)
        try:
            to.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValidationError(f"cannot create the folder: {exc.strerror or exc}", path="to",
                                  provider=NAME) from None
        try:
            return self._copy_out(record, kind, to)
        except OSError as exc:
            raise ValidationError(f"cannot write into {to}: {exc.strerror or exc}", path="to",
                                  provider=NAME) from None

    def _copy_out(self, record: EnvelopeRecord, kind: DocumentKind, to: Path) -> list[Path]:
        """The files of ``kind``, named by ``download_filenames`` and returned in document order."""
        folder = self.store.executed_dir(record.id)
        documents = [d.name for d in record.documents]
        names = download_filenames(kind, documents, [s.name for s in record.signers])

        def out(source: Path, name: str) -> Path:
            return atomic_copy(stored_file(source), to, name)

        if kind is DocumentKind.ORIGINAL:
            return [out(self.store.document_path(record.id, d.id), n) for d, n in zip(record.documents, names,
                                                                                      strict=True)]
        if kind is DocumentKind.AUDIT and record.status != COMPLETED:
            # Drawn beside the store, then copied out like every other download (same overwrite rule).
            with tempfile.TemporaryDirectory(dir=self.folder, prefix=".audit-") as scratch:
                drawn = Path(scratch) / AUDIT_FILE
                stamping.render_audit(audit_trail(self.store, record, (), self._now()), drawn)
                return [out(drawn, names[0])]
        self._refuse(record, (COMPLETED,), f"download {kind.value} documents")
        if kind is DocumentKind.EXECUTED:
            return [out(folder / f"{d.id}.pdf", n) for d, n in zip(record.documents, names, strict=True)]
        if kind is DocumentKind.SIGNER_COPIES:
            # Each signer's own copy: the original with only that signer's signature (drawn now); each
            # original is read once for all its copies, and each copy written straight to its download.
            paths = []
            for i, document in enumerate(record.documents):
                with stamping.opened(stored_file(self.store.document_path(record.id, document.id))) as source:
                    for j, signer in enumerate(record.signers):
                        stamps, lines = document_stamps(self.store, record, document, [signer], self._now())
                        dest = target_path(to, names[i * len(record.signers) + j])
                        with download_file(dest) as fh:
                            stamping.write_pdf(source.stamped(stamps, lines, name=document.name), fh)
                        paths.append(dest)
            return paths
        if kind is DocumentKind.COMBINED:
            return [out(folder / COMBINED_FILE, names[0])]
        return [out(folder / AUDIT_FILE, names[0])]

