"""The EasyInk provider: the neutral flows built from the route table and the payload mappers.

Every flow is a sans-I/O generator (see ``signport.provider``). Section numbers (§) refer to
the project's vendor notes, ``docs/vendors/easyink.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import attrs
import httpx

from signport.capabilities import Capabilities
from signport.errors import (
    InvalidState,
    NotFound,
    PartialFailure,
    ProviderError,
    SignportError,
    ValidationError,
)
from signport.model import Document, DraftUpdate, Envelope, Event, Signer, SignerUpdate
from signport.multipart import FilePart, multipart_request
from signport.provider import Flow, Page, Provider, delayed, json_body, read_back, save_to, saved_path
from signport.rules import InputRules
from signport.states import Delivery, DocumentKind, FieldType, SigningOrder, State
from signport.transport import DownloadNames, document_stem, download_filenames, pdf_filename

from . import auth as _auth
from . import payloads
from . import states as vendor
from .errors import is_processing, map_error
from .routes import Routes
from .rules import EasyInkRules, required_reason
from .settings import PROVIDER, EasyInkSettings

LIVE = frozenset({State.SENT, State.IN_PROGRESS})
#: A signed document's title as the documented sample shows it (§6.7 #23, ``session-get.response.json``):
#: "Employment Contract - John Smith (Signed).pdf". An inference: the reference does not define titles.
_SIGNED_TITLE = re.compile(r"(?P<document>.+) - (?P<signer>.+?) \(Signed\)(?:\.pdf)?", re.IGNORECASE)


def _position(ref: int | str, items: Sequence[Signer | Document]) -> int:
    """Index of the item a field refers to (an index, a ``key`` or an ``id``)."""
    if isinstance(ref, int):
        return ref
    for i, item in enumerate(items):
        if ref in (item.key, item.id):
            return i
    raise ValidationError(f"refers to nothing: {ref!r}", path="fields")


class EasyInkProvider(Provider):
    """EasyInk Public API v1 (signing sessions) behind the neutral API."""

    name: ClassVar[str] = PROVIDER
    settings_class: ClassVar[type[Any]] = EasyInkSettings
    rules: ClassVar[InputRules] = EasyInkRules()
    capabilities: ClassVar[Capabilities] = Capabilities(
        sequential_order=True,                      # §6.4 #15
        parallel_order=True,                        # §6.4 #16
        # §5.4: only `Signature` is documented; other field types are refused before any request.
        field_types=frozenset({FieldType.SIGNATURE}),
        sms_delivery=True,                          # §5.2 deliveryMethods Sms
        sign_by=False,                              # the deadline comes from organisation settings (§5.1)
        message=False,                              # no message field in any documented body
        void_reason=True,                           # §6.7 #26 (required)
        drafts=True,
        update_draft=True,                          # §6.1 #4 + sub-resources
        update_signer=True,                         # §6.7 #25
        delete_draft=True,                          # §6.1 #5
        # SENT has no search value (no `Pending` filter, §5.1): it is filtered client-side.
        list_filters=frozenset(vendor.SEARCH_FILTERS) | {State.SENT},
        # §6.9: #31 the documents as uploaded, #32 each participant's signed copy. No download is
        # EXECUTED, COMBINED or AUDIT as defined (see ``download``).
        download_kinds=frozenset({DocumentKind.ORIGINAL, DocumentKind.SIGNER_COPIES}),
        signing_urls=False,                         # no documented way to obtain a signing link
        webhooks=False,                             # §7: not documented
        webhook_verification=False,
        duplicate=True,                             # §6.7 #27 / #28
        simulated_signing=False,
    )

    def __init__(self, settings: EasyInkSettings) -> None:
        super().__init__(settings)
        self.settings: EasyInkSettings = settings
        self.routes = Routes(settings.api_url)
        self._auth = _auth.EasyInkAuth(settings)
        #: One-by-one orders of started sessions, by id (§6.4: the order cannot change after start).
        self._orders: dict[str, tuple[str, ...]] = {}

    # --- driver hooks -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The API host."""
        return self.settings.api_url

    @property
    def auth(self) -> httpx.Auth:
        """Bearer token auth with one refresh (see ``auth.EasyInkAuth``)."""
        return self._auth

    def error(self, response: httpx.Response) -> SignportError:
        """Map the ApiError body (§4)."""
        return map_error(response)

    @classmethod
    def login(cls, settings: Any, ask: Callable[[str], str], say: Callable[[str], None],
              transport: httpx.BaseTransport | None = None) -> None:
        """``signport auth easyink``: authorization code + PKCE, token stored with mode 0600."""
        _auth.login(settings, ask, say, transport)

    # --- pure parsing ---------------------------------------------------------------------------
    def parse_envelope(self, payload: Mapping[str, Any]) -> Envelope:
        """A session view, draft view or search item -> Envelope (no I/O)."""
        return payloads.parse_envelope(payload)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes | str) -> Event:
        """EasyInk documents no webhooks (§7): poll with ``wait`` instead."""
        self.unsupported("webhooks", "EasyInk does not document webhooks; use wait() to poll")

    # --- small flow pieces ------------------------------------------------------------------------
    def _json(self, response: httpx.Response) -> Any:
        return json_body(self.check(response))

    def _backoff(self) -> Iterator[float]:
        """Waits for processing: ``poll_interval`` doubling to ``poll_max``, summing to ``processing_timeout``."""
        delay, total = self.settings.poll_interval, 0.0
        while total + delay <= self.settings.processing_timeout:
            yield delay
            total += delay
            delay = min(delay * 2, self.settings.poll_max)

    def _poll(self, build: Callable[[], httpx.Request], ready: Callable[[Any], bool], what: str) -> Flow[Any]:
        """GET until ``ready(body)``, with bounded backoff (§5.3: processing is asynchronous)."""
        waits = self._backoff()
        request = build()
        while True:
            body = self._json((yield request))
            if ready(body):
                return body
            wait = next(waits, None)
            if wait is None:
                raise ProviderError(f"EasyInk was still {what} after {self.settings.processing_timeout:g} s",
                                    provider=PROVIDER)
            request = delayed(build(), wait)

    def _draft(self, envelope_id: str) -> Flow[Any]:
        return self._json((yield self.routes.request("get_draft", signingSessionId=envelope_id)))

    def _processed(self, envelope_id: str) -> Flow[Any]:
        """Wait until every draft document reports a processed status (§5.3, §6.6)."""
        def ready(draft: Any) -> bool:
            docs = payloads.as_list(draft.get("documents")) if isinstance(draft, Mapping) else []
            for doc in docs:
                if vendor.is_failed(doc.get("status")):
                    raise ProviderError(f"EasyInk could not process document {doc.get('title')!r} "
                                        f"(status {doc.get('status')})", provider=PROVIDER)
            return all(d.get("status") in vendor.DOCUMENT_READY for d in docs)

        return (yield from self._poll(lambda: self.routes.request("get_draft", signingSessionId=envelope_id),
                                      ready, "processing the documents"))

    def _upload(self, draft_id: str, document: Document) -> Flow[str]:
        """§6.2 #6: multipart, single part ``fileContent``, streamed from disk when the document has a path."""
        part = FilePart(pdf_filename(document.name), "application/pdf", path=document.path,
                        content=None if document.path is not None else document.content, field_name="fileContent")
        url = httpx.URL(self.routes.url("upload_document", signingSessionId=draft_id))
        request = multipart_request("POST", url, [part], headers={"Accept": "application/json"})
        response = yield request
        return payloads.parse_id(self._json(response), "the document upload")

    def _add_participant(self, draft_id: str, signer: Signer, path: str) -> Flow[str]:
        body = payloads.participant_body(signer, path)
        response = yield self.routes.request("add_participant", id=draft_id, json=body)
        return payloads.parse_id(self._json(response), "the new participant")

    def _set_order(self, draft_id: str, participant_ids: Sequence[str]) -> Flow[None]:
        """§6.4 #15: every participant, first signer first."""
        response = yield self.routes.request("order_one_by_one", id=draft_id,
                                             json={"participantsOrder": list(participant_ids)})
        self.check(response)

    def _start(self, envelope_id: str, convert: bool) -> Flow[None]:
        """§6.6 #21 convert (draft -> ReadyToStart), then #22 start."""
        if convert:
            self.check((yield self.routes.request("convert", signingSessionId=envelope_id)))
        self.check((yield self.routes.request("start", signingSessionId=envelope_id)))

    def _fresh(self, envelope_id: str, done: str) -> Flow[Envelope]:
        """Read back what a flow just made; if that read fails, the error still names the new envelope."""
        return (yield from read_back(self.get(envelope_id), envelope_id, provider="EasyInk", done=done))

    def _cleanup(self, draft_id: str) -> Flow[bool]:
        """Delete a half-built draft (§6.1 #5); ``False`` if that fails (e.g. a locked draft)."""
        try:
            response = yield self.routes.request("delete_draft", signingSessionId=draft_id)
        except SignportError:
            return False
        return response.is_success or response.status_code == 404

    # --- flows -------------------------------------------------------------------------------------
    def create(self, envelope: Envelope, *, send: bool, extras: Mapping[str, Any]) -> Flow[Envelope]:
        """The build sequence of §6.6: draft, documents, participants, order, wait, fields, convert, start.

        On a failure after the draft exists, the draft is deleted (unless it cannot be: locked
        or already started) and ``PartialFailure`` names it and says whether it is gone.
        """
        signers = list(envelope.signers)
        sequence = list(range(len(signers)))
        if all(s.order is not None for s in signers):
            sequence.sort(key=lambda i: signers[i].order or 0)
        draft_id: str | None = None
        step = "create the draft"
        remote: list[str] = []
        try:
            body = {"subject": envelope.subject, **extras}
            draft_id = payloads.parse_id(self._json((yield self.routes.request("create_draft", json=body))),
                                         "the new draft")
            remote.append(draft_id)
            document_ids: list[str] = []
            for i, document in enumerate(envelope.documents):
                step = f"upload documents[{i}]"
                document_ids.append((yield from self._upload(draft_id, document)))
            remote.extend(document_ids)
            participant_ids: list[str] = []
            for i, signer in enumerate(signers):
                step = f"add signers[{i}]"
                participant_ids.append((yield from self._add_participant(draft_id, signer, f"signers[{i}]")))
            remote.extend(participant_ids)
            order = tuple(participant_ids[i] for i in sequence)
            if envelope.order is SigningOrder.SEQUENTIAL:
                step = "set the signing order"
                yield from self._set_order(draft_id, order)
            step = "wait for document processing"
            yield from self._processed(draft_id)
            for i, field in enumerate(envelope.fields):
                step = f"add fields[{i}]"
                pid = participant_ids[_position(field.signer, signers)]
                did = document_ids[_position(field.document, envelope.documents)]
                response = yield self.routes.request("add_field", id=draft_id,
                                                     json=payloads.field_body(field, pid, did))
                remote.append(payloads.parse_id(self._json(response), "the new field"))
            if send:
                step = "convert and start"
                yield from self._start(draft_id, convert=True)
                self._orders[draft_id] = order if envelope.order is SigningOrder.SEQUENTIAL else ()
        except Exception as exc:
            if draft_id is None:
                raise
            cause = exc if isinstance(exc, SignportError) else ProviderError(str(exc), provider=PROVIDER)
            cleaned = yield from self._cleanup(draft_id)
            fate = (f"the half-built draft {draft_id} was deleted" if cleaned else
                    f"the draft {draft_id} is left on EasyInk (delete it with delete_draft)")
            raise PartialFailure(f"EasyInk: {'sending' if send else 'creating the draft'} failed at "
                                 f"'{step}': {cause.message}; {fate}", envelope_id=draft_id,
                                 remote_ids=remote, cleaned_up=cleaned, cause=cause) from exc
        return (yield from self._fresh(draft_id, "sent" if send else "created as a draft"))

    def send_draft(self, envelope_id: str) -> Flow[Envelope]:
        """Convert (if still a draft) and start."""
        current = yield from self.get(envelope_id)
        if current.state not in (State.DRAFT, State.READY):
            raise InvalidState(f"only a draft can be sent; {envelope_id} is {current.native_state}",
                               provider=PROVIDER)
        if current.state is State.DRAFT:
            yield from self._processed(envelope_id)
        yield from self._start(envelope_id, convert=current.state is State.DRAFT)
        return (yield from self.get(envelope_id))

    def get(self, envelope_id: str) -> Flow[Envelope]:
        """Session view (§6.7 #23), falling back to the draft view (§6.1 #2) for drafts."""
        response = yield self.routes.request("get_session", signingSessionId=envelope_id)
        if not response.is_success:
            error = self.error(response)
            if not isinstance(error, NotFound):
                raise error
            return payloads.parse_draft((yield from self._draft(envelope_id)))
        session = json_body(response)
        if not isinstance(session, Mapping):
            raise ProviderError("EasyInk answered the session view with something else", provider=PROVIDER)
        state = vendor.session_state(session.get("status"))
        if state is State.DRAFT:
            return payloads.parse_draft((yield from self._draft(envelope_id)))
        order = self._orders.get(envelope_id)
        if order is None and state in LIVE | {State.READY}:
            # The session view does not say whether the order is one-by-one; the draft view does.
            # Whether it is served after the start is not documented (§6.1 #2): tolerate a refusal.
            reply = yield self.routes.request("get_draft", signingSessionId=envelope_id)
            order = payloads.order_of(json_body(reply)) if reply.is_success else ()
            self._orders[envelope_id] = order
        return payloads.parse_session(session, order)

    def list_page(self, states: frozenset[State] | None, cursor: Any) -> Flow[Page]:
        """§6.8 #29: zero-based ``pageIndex``, ``pageSize`` <= 100, repeated ``statuses`` keys."""
        index = int(cursor or 0)
        params: dict[str, Any] = {"pageIndex": index, "pageSize": self.settings.page_size}
        if states and all(s in vendor.SEARCH_FILTERS for s in states):
            params["statuses"] = sorted(vendor.SEARCH_FILTERS[s] for s in states)
        page = self._json((yield self.routes.request("search", params=params)))
        items = payloads.as_list(page.get("items")) if isinstance(page, Mapping) else []
        envelopes = [payloads.parse_search_item(item) for item in items]
        if states:
            envelopes = [e for e in envelopes if e.state in states]
        count = page.get("pagesCount") if isinstance(page, Mapping) else None
        more = index + 1 < count if isinstance(count, int) else len(items) >= self.settings.page_size
        return Page(tuple(envelopes), next=index + 1 if more else None)

    def update_draft(self, envelope_id: str, update: DraftUpdate, extras: Mapping[str, Any]) -> Flow[Envelope]:
        """§6.1 #4 (subject, ``reminderFrequency`` via extras), then participants and documents (§6.2, §6.3).

        In one-by-one mode the order is sent again afterwards (§6.4 #15, S5).
        """
        self.rules.draft_update(update)
        draft = yield from self._draft(envelope_id)
        # The vendor has no atomic update: each change is its own call. If one fails, the error lists
        # what was already applied (and the ids it created) instead of leaving the caller guessing.
        applied: list[str] = []
        created: list[str] = []
        try:
            if update.subject is not None or extras:
                body = {"subject": update.subject if update.subject is not None else draft.get("subject"),
                        "reminderFrequency": draft.get("reminderFrequency"), **extras}
                self.check((yield self.routes.request("update_draft", signingSessionId=envelope_id, json=body)))
                applied.append("subject")
            for pid in update.remove_signers:
                self.check((yield self.routes.request("remove_participant", signingSessionId=envelope_id,
                                                      participantId=pid)))
                applied.append(f"removed participant {pid}")
            for did in update.remove_documents:
                self.check((yield self.routes.request("remove_document", signingSessionId=envelope_id,
                                                      documentId=did)))
                applied.append(f"removed document {did}")
            added: list[str] = []
            for i, signer in enumerate(update.add_signers):
                added.append((yield from self._add_participant(envelope_id, signer, f"add_signers[{i}]")))
                created.append(added[-1])
                applied.append(f"added participant {added[-1]}")
            for document in update.add_documents:
                created.append((yield from self._upload(envelope_id, document)))
                applied.append(f"uploaded document {created[-1]}")
            old_order = payloads.order_of(draft)
            if old_order and (update.add_signers or update.remove_signers):
                removed = set(update.remove_signers)
                yield from self._set_order(envelope_id, [i for i in old_order if i not in removed] + added)
        except SignportError as exc:
            if not applied:
                raise
            raise PartialFailure(f"EasyInk: updating draft {envelope_id} failed after: {', '.join(applied)}; "
                                 f"{exc.message}", envelope_id=envelope_id, remote_ids=created,
                                 cleaned_up=False, cause=exc) from exc
        return (yield from self.get(envelope_id))

    def update_signer(self, envelope_id: str, signer_id: str, update: SignerUpdate) -> Flow[Envelope]:
        """§6.7 #25: new contact details (the vendor refuses once the link was used -> ``InvalidState``)."""
        session = self._json((yield self.routes.request("get_session", signingSessionId=envelope_id)))
        participant = next((p for p in payloads.as_list(session.get("participants"))
                            if signer_id in (p.get("participantId"), p.get("id"))), None)
        if participant is None:
            raise NotFound(f"EasyInk session {envelope_id} has no participant {signer_id}", provider=PROVIDER)
        email = update.email if update.email is not None else payloads.as_str(participant.get("email"))
        if update.delivery is not None:
            delivery = update.delivery
        else:
            # The session view shows no delivery methods: email if there is an address, SMS if a phone is given.
            delivery = frozenset({Delivery.EMAIL} if email else set()) | (
                {Delivery.SMS} if update.phone else set())
        if Delivery.EMAIL in delivery and not email:
            raise ValidationError("is required for email delivery", path="email")
        if Delivery.SMS in delivery and not update.phone:
            raise ValidationError("is required with SMS delivery", path="phone")
        body = payloads.contact_body(email, update.phone, delivery)
        self.check((yield self.routes.request("update_contact", signingSessionId=envelope_id,
                                              participantId=signer_id, json=body)))
        return (yield from self.get(envelope_id))

    def void(self, envelope_id: str, reason: str | None) -> Flow[Envelope]:
        """§6.7 #26: reason required (1-1000), checked before any request."""
        body = {"reason": required_reason(reason)}
        self.check((yield self.routes.request("void", id=envelope_id, json=body)))
        voided = yield from self.get(envelope_id)
        # The session view does not carry the reason (§6.7 #23 lists no such key); the vendor accepted
        # this one, so it is returned here. A later ``get`` cannot know it.
        return voided if voided.void_reason else attrs.evolve(voided, void_reason=body["reason"])

    def delete_draft(self, envelope_id: str) -> Flow[None]:
        """§6.1 #5: locked drafts and started sessions are refused (-> ``InvalidState``)."""
        self.check((yield self.routes.request("delete_draft", signingSessionId=envelope_id)))
        self._orders.pop(envelope_id, None)

    def duplicate(self, envelope_id: str, *, subject: str | None, void_original: bool,
                  reason: str | None) -> Flow[Envelope]:
        """§6.7 #27 copy, or #28 recreate-and-void (needs a void reason); returns the new draft."""
        self.rules.duplicate(subject, void_original=void_original, reason=reason)
        if void_original:
            body = {"subject": subject, "voidReason": required_reason(reason)}
            request = self.routes.request("recreate", signingSessionId=envelope_id, json=body)
        else:
            request = self.routes.request("copy", signingSessionId=envelope_id, json={"subject": subject})
        new_id = payloads.parse_id(self._json((yield request)), "the copy")
        made = f"copied from {envelope_id}" + (f" (and {envelope_id} voided)" if void_original else "")
        return (yield from self._fresh(new_id, made))

    def download(self, envelope_id: str, kind: DocumentKind, to: Path) -> Flow[list[Path]]:
        """§6.9: ORIGINAL is #31 per document (a draft's #8), SIGNER_COPIES #32 per participant and document.

        EXECUTED, COMBINED and AUDIT are not offered: no documented download is one file per document
        carrying every signature (#32 is one participant's copy), and the all-in-one PDF (#33) holds
        every participant's copies plus the audit trail in one file, which is neither COMBINED nor
        AUDIT as defined. It stays reachable through ``download_all_in_one``.
        """
        if kind not in self.capabilities.download_kinds:
            self.unsupported(f"download_{kind.value}")
        envelope = yield from self.get(envelope_id)
        if kind is DocumentKind.ORIGINAL:
            route = "download_draft_document" if envelope.state is State.DRAFT else "download_document"
            documents = [doc for doc in envelope.documents if doc.id]
            names = download_filenames(kind, [doc.name for doc in documents])
            targets = [(self._download_request(route, envelope_id, doc.id), name)
                       for doc, name in zip(documents, names, strict=True)]
        else:
            self._require_completed(envelope, kind)
            raw = yield from self._poll(
                lambda: self.routes.request("get_session", signingSessionId=envelope_id),
                self._signed_ready, "processing the signed documents")
            targets = self._signer_copies(envelope, envelope_id, payloads.as_list(raw.get("signedDocuments")))
        paths: list[Path] = []
        for build, filename in targets:
            paths.append((yield from self._fetch(build, to, filename)))
        return paths

    def download_all_in_one(self, envelope_id: str, to: Path) -> Flow[list[Path]]:
        """§6.9 #33, EasyInk's own rendition: one PDF with every participant's signed copies and the audit
        trail, ``<first document stem>-all-in-one.pdf``. Run it with ``client.run(...)``."""
        envelope = yield from self.get(envelope_id)
        self._require_completed(envelope, None)
        yield from self._poll(
            lambda: self.routes.request("get_session", signingSessionId=envelope_id),
            self._all_in_one_ready, "compiling the all-in-one document")
        stem = document_stem(envelope.documents[0].name if envelope.documents else None)
        build = self._download_request("download_all_in_one", envelope_id)
        return [(yield from self._fetch(build, Path(to), pdf_filename(f"{stem}-all-in-one.pdf")))]

    @staticmethod
    def _require_completed(envelope: Envelope, kind: DocumentKind | None) -> None:
        if envelope.state is not State.COMPLETED:
            what = f"{kind.value} documents exist" if kind is not None else "the all-in-one document exists"
            raise InvalidState(f"{what} once the envelope is completed; {envelope.id} is {envelope.native_state}",
                               provider=PROVIDER)

    def _signer_copies(self, envelope: Envelope, envelope_id: str,
                       listed: list[Mapping[str, Any]]) -> list[tuple[Callable[[], httpx.Request], str]]:
        """Each listed signed document (§6.7 #23 ``signedDocuments``), in document order then signer order.

        The reference gives a signed document only an id and a title; which document and participant
        it belongs to is not documented. The documented sample titles it "<document title without
        .pdf> - <first name> <last name> (Signed).pdf" (``session-get.response.json``), so copies are
        matched on that title; a copy whose title does not match comes last, under its own safe name.
        """
        documents = list(envelope.documents)
        signers = list(envelope.signers)
        names = download_filenames(DocumentKind.SIGNER_COPIES, [d.name for d in documents],
                                   [s.name for s in signers])
        slot = {(document_stem(d.name).casefold(), s.name.casefold()): i * len(signers) + j
                for i, d in enumerate(documents) for j, s in enumerate(signers)}
        matched: dict[int, str] = {}
        unmatched: list[tuple[str, str]] = []
        for signed in listed:
            sid = payloads.as_str(signed.get("signedDocumentId"))
            if sid is None:
                continue
            title = payloads.as_str(signed.get("title")) or ""
            found = _SIGNED_TITLE.fullmatch(title.strip())
            index = slot.get((document_stem(found["document"]).casefold(), found["signer"].strip().casefold())) \
                if found else None
            if index is not None and index not in matched:
                matched[index] = sid
            else:
                unmatched.append((sid, title))
        taken = DownloadNames()
        for name in names:
            taken(name)
        targets = [(self._download_request("download_signed", envelope_id, matched[i]), names[i])
                   for i in sorted(matched)]
        targets += [(self._download_request("download_signed", envelope_id, sid), taken(pdf_filename(title)))
                    for sid, title in unmatched]
        return targets

    @staticmethod
    def _signed_ready(session: Any) -> bool:
        """§6.7 #23: one signed document per participant who finished; a finished session has at
        least one, so an empty list is "not listed yet", never "nothing to download"."""
        docs = payloads.as_list(session.get("signedDocuments")) if isinstance(session, Mapping) else []
        return bool(docs) and all(d.get("processingStatus") in vendor.FILE_READY for d in docs)

    @staticmethod
    def _all_in_one_ready(session: Any) -> bool:
        combined = session.get("allInOneDocument") if isinstance(session, Mapping) else None
        if not isinstance(combined, Mapping):
            return False
        if vendor.is_failed(payloads.as_str(combined.get("status"))):
            raise ProviderError("EasyInk could not compile the all-in-one document", provider=PROVIDER)
        return combined.get("status") in vendor.FILE_READY

    def _download_request(self, route: str, envelope_id: str,
                          document_id: str | None = None) -> Callable[[], httpx.Request]:
        def build() -> httpx.Request:
            if document_id is None:
                request = self.routes.request(route, signingSessionId=envelope_id)
            else:
                request = self.routes.request(route, signingSessionId=envelope_id, documentId=document_id)
            request.headers["Accept"] = "application/pdf, application/json"
            return request
        return build

    def _fetch(self, build: Callable[[], httpx.Request], folder: Path, filename: str) -> Flow[Path]:
        """Stream one PDF to disk; "Document processing is in progress" (§4 quirk 2) is retried with backoff."""
        waits = self._backoff()
        request = save_to(build(), folder, filename)
        while True:
            response = yield request
            if response.is_success:
                return saved_path(response)
            wait = next(waits, None) if is_processing(response) else None
            if wait is None:
                raise self.error(response)
            request = delayed(save_to(build(), folder, filename), wait)
