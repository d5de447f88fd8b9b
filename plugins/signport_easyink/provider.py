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
from signport.provider import (
    Flow,
    Page,
    Provider,
    as_error,
    delayed,
    json_body,
    new_marker,
    outcome_unknown,
    read_back,
    recover,
    save_to,
    saved_path,
    settle,
)
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
#: States of a session that was started (§5.1); reading one of them settles a lost start.
STARTED = frozenset(State) - {State.DRAFT, State.READY, State.UNKNOWN}
#: Pages of the search walked when looking for a draft by its marker subject.
LOOKUP_PAGES = 20
KEEP: Any = object()


def _person(signer: Signer) -> Callable[[Mapping[str, Any]], bool]:
    """Matches a draft participant row that is ``signer``."""
    def match(row: Mapping[str, Any]) -> bool:
        return ((row.get("email") or None) == (signer.email or None)
                and row.get("firstName") == signer.first_name and row.get("lastName") == signer.last_name)
    return match


def _titled(title: str) -> Callable[[Mapping[str, Any]], bool]:
    """Matches a draft document row titled ``title``."""
    def match(row: Mapping[str, Any]) -> bool:
        return bool(row.get("title") == title)
    return match


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
        #: Reasons of the voids this client made, by id (the vendor does not show them, §6.7 #23).
        self._voided: dict[str, str] = {}

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

    def _processed(self, envelope_id: str, seen: Any = None) -> Flow[Any]:
        """Wait until every draft document reports a processed status (§5.3, §6.6); ``seen``, a draft view
        just read, answers without a request when it already shows them processed."""
        def ready(draft: Any) -> bool:
            docs = payloads.as_list(draft.get("documents")) if isinstance(draft, Mapping) else []
            for doc in docs:
                if vendor.is_failed(doc.get("status")):
                    raise ProviderError(f"EasyInk could not process document {doc.get('title')!r} "
                                        f"(status {doc.get('status')})", provider=PROVIDER)
            return all(d.get("status") in vendor.DOCUMENT_READY for d in docs)

        if seen is not None and ready(seen):
            return seen
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

    def _start(self, envelope_id: str, convert: bool, done: list[str] | None = None) -> Flow[None]:
        """§6.6 #21 convert (draft -> ReadyToStart), then #22 start; an answer lost on the way is
        settled by reading the session's status, so a session that did start is never reported unsent.
        ``done`` collects what took effect ("converted")."""
        if convert:
            yield from settle(self._checked(self.routes.request("convert", signingSessionId=envelope_id)),
                              lambda: self._status_in(envelope_id, {State.READY} | STARTED),
                              provider=PROVIDER, what="converting", envelope_id=envelope_id)
            if done is not None:
                done.append("converted to ReadyToStart")
        yield from settle(self._checked(self.routes.request("start", signingSessionId=envelope_id)),
                          lambda: self._status_in(envelope_id, STARTED),
                          provider=PROVIDER, what="starting", envelope_id=envelope_id)

    def _checked(self, request: httpx.Request) -> Flow[httpx.Response]:
        """One request whose answer must be a success."""
        return self.check((yield request))

    def _session_view(self, envelope_id: str) -> Flow[Mapping[str, Any]]:
        session = self._json((yield self.routes.request("get_session", signingSessionId=envelope_id)))
        if not isinstance(session, Mapping):
            raise ProviderError("EasyInk answered the session view with something else", provider=PROVIDER)
        return session

    def _draft_view(self, envelope_id: str) -> Flow[Mapping[str, Any]]:
        draft = yield from self._draft(envelope_id)
        if not isinstance(draft, Mapping):
            raise ProviderError("EasyInk answered the draft view with something else", provider=PROVIDER)
        return draft

    def _status_in(self, envelope_id: str, wanted: frozenset[State] | set[State]) -> Flow[bool]:
        """Whether the session's state is one of ``wanted`` (a draft has no session view: ``NotFound``)."""
        response = yield self.routes.request("get_session", signingSessionId=envelope_id)
        if not response.is_success and isinstance(self.error(response), NotFound):
            return State.DRAFT in wanted
        session = self._json(response)
        if not isinstance(session, Mapping):
            raise ProviderError("EasyInk answered the session view with something else", provider=PROVIDER)
        return vendor.session_state(session.get("status")) in wanted

    def _fresh(self, envelope_id: str, done: str, applied: Sequence[str] = ()) -> Flow[Envelope]:
        """Read back what a flow just made or changed; if that read fails, the error still names it."""
        return (yield from read_back(self.get(envelope_id), envelope_id, provider=PROVIDER, done=done,
                                     applied=applied))

    def _fresh_draft(self, draft_id: str, done: str, applied: Sequence[str] = ()) -> Flow[Envelope]:
        """``_fresh`` for a draft this flow just built or changed and did not start: its draft view
        (§6.1 #2) is the one read (``get`` would first ask for a session view, which a draft has not)."""
        def read() -> Flow[Envelope]:
            draft = yield from self._draft_view(draft_id)
            if payloads.as_str(draft.get("signingSessionId")) is None:
                raise ProviderError("EasyInk answered the draft view without its id", provider=PROVIDER)
            return payloads.parse_draft(draft)

        return (yield from read_back(read(), draft_id, provider=PROVIDER, done=done, applied=applied))

    def _gone(self, draft_id: str) -> Flow[bool]:
        """Whether a draft no longer exists (§6.1 #2 answers 404, ``NotFound``)."""
        response = yield self.routes.request("get_draft", signingSessionId=draft_id)
        if not response.is_success and isinstance(self.error(response), NotFound):
            return True
        self.check(response)
        return False

    def _cleanup(self, draft_id: str) -> Flow[bool]:
        """Delete a half-built draft (§6.1 #5); ``False`` if it is still there (e.g. a locked draft)."""
        error: SignportError
        try:
            response = yield self.routes.request("delete_draft", signingSessionId=draft_id)
        except SignportError as exc:
            error = exc
        else:
            if response.is_success or response.status_code == 404:
                return True
            error = self.error(response)
        if not outcome_unknown(error):
            return False
        try:  # the answer was lost, perhaps after the delete happened: look
            return (yield from self._gone(draft_id))
        except SignportError:
            return False

    def _find_draft(self, marker: str, wait: float) -> Flow[str | None]:
        """The id of the draft whose subject is ``marker`` (§6.8 #29 search, ``statuses=Draft``), or ``None``.

        The search returns each item's ``subject`` (§6.8 #29), so the marker stands in the subject
        while a draft is built (drafts notify nobody, §5.1) and is replaced by the real one before
        any participant could see it. The search's sort is not documented: pages are walked, bounded.
        """
        for index in range(LOOKUP_PAGES):
            request = self.routes.request("search", params={"pageIndex": index, "pageSize": 100,
                                                            "statuses": ["Draft"]})
            page = self._json((yield delayed(request, wait) if wait and not index else request))
            items = payloads.as_list(page.get("items")) if isinstance(page, Mapping) else []
            for item in items:
                if item.get("subject") == marker:
                    found = payloads.as_str(item.get("id"))
                    if found is not None:
                        return found
            count = page.get("pagesCount") if isinstance(page, Mapping) else None
            if not items or (isinstance(count, int) and index + 1 >= count):
                break
        return None

    def _new_draft(self, request: httpx.Request, marker: str, what: str) -> Flow[str]:
        """A create that answers a bare id (§3), recovered by its marker when the answer is lost."""
        def attempt() -> Flow[str]:
            return payloads.parse_id(self._json((yield request)), what)

        return (yield from recover(attempt(), lambda wait: self._find_draft(marker, wait), provider=PROVIDER,
                                   what=f"creating {what}", marker=marker))

    def _rename(self, draft_id: str, subject: str | None, reminder: Any = KEEP) -> Flow[None]:
        """§6.1 #4: replace the marker subject with the real one (the PUT is whole: keep the reminder)."""
        if reminder is KEEP:
            reminder = (yield from self._draft_view(draft_id)).get("reminderFrequency")
        body = {"subject": subject, "reminderFrequency": reminder}
        self.check((yield self.routes.request("update_draft", signingSessionId=draft_id, json=body)))

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
        # The draft is created under a correlation marker as its subject (see _find_draft), so a lost
        # answer is recovered by a search instead of a second draft; the real subject follows.
        marker = new_marker()
        try:
            body = {**extras, "subject": marker}
            draft_id = yield from self._new_draft(self.routes.request("create_draft", json=body), marker,
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
            processed = yield from self._processed(draft_id)
            step = "set the subject"
            yield from self._rename(draft_id, envelope.subject, extras.get(
                "reminderFrequency", processed.get("reminderFrequency") if isinstance(processed, Mapping) else None))
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
            cause = as_error(exc, PROVIDER)
            cleaned = yield from self._cleanup(draft_id)
            fate = (f"the half-built draft {draft_id} was deleted" if cleaned else
                    f"the draft {draft_id} is left on EasyInk (delete it with delete_draft)")
            raise PartialFailure(f"EasyInk: {'sending' if send else 'creating the draft'} failed at "
                                 f"'{step}': {cause.message}; {fate}", envelope_id=draft_id,
                                 remote_ids=remote, cleaned_up=cleaned, cause=cause) from exc
        if not send:
            return (yield from self._fresh_draft(draft_id, "created as a draft"))
        return (yield from self._fresh(draft_id, "sent"))

    def send_draft(self, envelope_id: str) -> Flow[Envelope]:
        """Convert (if still a draft) and start."""
        current, draft = yield from self._read(envelope_id)
        if current.state not in (State.DRAFT, State.READY):
            raise InvalidState(f"only a draft can be sent; {envelope_id} is {current.native_state}",
                               provider=PROVIDER)
        if current.state is State.DRAFT:
            yield from self._processed(envelope_id, seen=draft)
        if draft is not None:  # the order cannot change once started (§6.4): the read-back needs no draft view
            self._orders[envelope_id] = payloads.order_of(draft)
        done: list[str] = []
        try:
            yield from self._start(envelope_id, convert=current.state is State.DRAFT, done=done)
        except Exception as exc:
            if not done:
                raise
            cause = as_error(exc, PROVIDER)
            raise PartialFailure(f"EasyInk: {envelope_id} was converted to ReadyToStart, but starting it failed: "
                                 f"{cause.message}; send_draft again to start it", envelope_id=envelope_id,
                                 remote_ids=[envelope_id], cause=cause, applied=done) from exc
        return (yield from self._fresh(envelope_id, "sent"))

    def get(self, envelope_id: str) -> Flow[Envelope]:
        """Session view (§6.7 #23), falling back to the draft view (§6.1 #2) for drafts."""
        return (yield from self._read(envelope_id))[0]

    def _read(self, envelope_id: str) -> Flow[tuple[Envelope, Mapping[str, Any] | None]]:
        """``get``, and the draft view when it was read (for a draft)."""
        response = yield self.routes.request("get_session", signingSessionId=envelope_id)
        if not response.is_success:
            error = self.error(response)
            if not isinstance(error, NotFound):
                raise error
            draft = yield from self._draft_view(envelope_id)
            return payloads.parse_draft(draft), draft
        session = json_body(response)
        if not isinstance(session, Mapping):
            raise ProviderError("EasyInk answered the session view with something else", provider=PROVIDER)
        state = vendor.session_state(session.get("status"))
        if state is State.DRAFT:
            draft = yield from self._draft_view(envelope_id)
            return payloads.parse_draft(draft), draft
        order = self._orders.get(envelope_id)
        if order is None and state in LIVE | {State.READY}:
            # The session view does not say whether the order is one-by-one; the draft view does.
            # Whether it is served after the start is not documented (§6.1 #2): tolerate a refusal.
            reply = yield self.routes.request("get_draft", signingSessionId=envelope_id)
            order = payloads.order_of(json_body(reply)) if reply.is_success else ()
            self._orders[envelope_id] = order
        return payloads.parse_session(session, order), None

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
        draft = yield from self._draft_view(envelope_id)
        # The vendor has no atomic update: each change is its own call. A call whose answer is lost is
        # settled by re-reading the draft; if one fails, the error lists what was already applied (and
        # the ids it created) instead of leaving the caller guessing.
        applied: list[str] = []
        created: list[str] = []

        def now() -> Flow[Mapping[str, Any]]:
            return self._draft_view(envelope_id)

        def ids(view: Mapping[str, Any], key: str) -> set[str]:
            return {str(item.get("id")) for item in payloads.as_list(view.get(key))}

        try:
            if update.subject is not None or extras:
                subject = update.subject if update.subject is not None else draft.get("subject")
                body = {"subject": subject, "reminderFrequency": draft.get("reminderFrequency"), **extras}

                def subject_set() -> Flow[bool]:
                    return bool((yield from now()).get("subject") == body["subject"])

                yield from settle(self._checked(self.routes.request("update_draft", signingSessionId=envelope_id,
                                                                    json=body)),
                                  subject_set, provider=PROVIDER, what="updating", envelope_id=envelope_id)
                applied.append("subject")
            for pid in update.remove_signers:
                yield from self._remove(envelope_id, self.routes.request(
                    "remove_participant", signingSessionId=envelope_id, participantId=pid), "participants", pid)
                applied.append(f"removed participant {pid}")
            for did in update.remove_documents:
                yield from self._remove(envelope_id, self.routes.request(
                    "remove_document", signingSessionId=envelope_id, documentId=did), "documents", did)
                applied.append(f"removed document {did}")
            # An add whose answer is lost is looked up in the draft: a new member that matches it.
            known = ids(draft, "participants") | ids(draft, "documents")
            where = f"the draft {envelope_id}"
            added: list[str] = []
            for i, signer in enumerate(update.add_signers):
                new = yield from recover(
                    self._add_participant(envelope_id, signer, f"add_signers[{i}]"),
                    self._member_finder(envelope_id, "participants", known, _person(signer)),
                    provider=PROVIDER, what="adding a participant", marker=where, looks=1)
                known.add(new)
                added.append(new)
                created.append(new)
                applied.append(f"added participant {new}")
            for document in update.add_documents:
                title = pdf_filename(document.name)
                new = yield from recover(
                    self._upload(envelope_id, document),
                    self._member_finder(envelope_id, "documents", known, _titled(title)),
                    provider=PROVIDER, what="uploading a document", marker=where, looks=1)
                known.add(new)
                created.append(new)
                applied.append(f"uploaded document {new}")
            old_order = payloads.order_of(draft)
            if old_order and (update.add_signers or update.remove_signers):
                removed = set(update.remove_signers)
                yield from self._set_order(envelope_id, [i for i in old_order if i not in removed] + added)
        except Exception as exc:
            cause = as_error(exc, PROVIDER)
            if not applied:
                raise
            raise PartialFailure(f"EasyInk: updating draft {envelope_id} failed after: {', '.join(applied)}; "
                                 f"{cause.message}", envelope_id=envelope_id, remote_ids=created,
                                 cleaned_up=False, cause=cause, applied=applied) from exc
        return (yield from self._fresh_draft(envelope_id, "updated", applied))

    def _remove(self, envelope_id: str, request: httpx.Request, collection: str, item_id: str) -> Flow[None]:
        """A DELETE of a draft member; one retried after it landed answers 404, which is success here."""
        def gone() -> Flow[bool]:
            view = yield from self._draft_view(envelope_id)
            return item_id not in {str(m.get("id")) for m in payloads.as_list(view.get(collection))}

        response = yield request
        if response.is_success:
            return
        if (yield from gone()):
            return
        raise self.error(response)

    def _member_finder(self, envelope_id: str, collection: str, known: set[str],
                       match: Callable[[Mapping[str, Any]], bool]) -> Callable[[float], Flow[str | None]]:
        def find(wait: float) -> Flow[str | None]:
            return self._new_member(envelope_id, collection, set(known), match)
        return find

    def _new_member(self, envelope_id: str, collection: str, before: set[str],
                    match: Callable[[Mapping[str, Any]], bool]) -> Flow[str | None]:
        """The id of a draft member that was not there ``before`` and matches, if exactly one is."""
        view = yield from self._draft_view(envelope_id)
        new = [m for m in payloads.as_list(view.get(collection)) if str(m.get("id")) not in before and match(m)]
        return payloads.as_str(new[0].get("id")) if len(new) == 1 else None

    def update_signer(self, envelope_id: str, signer_id: str, update: SignerUpdate) -> Flow[Envelope]:
        """§6.7 #25: new contact details (the vendor refuses once the link was used -> ``InvalidState``)."""
        session = yield from self._session_view(envelope_id)
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

        def took_effect() -> Flow[bool]:
            # The session view shows the email, not the phone or delivery methods (§6.7 #23): only a
            # changed email can be confirmed; otherwise the PUT (idempotent) is simply sent again.
            if update.email is None:
                yield from self._checked(self.routes.request("update_contact", signingSessionId=envelope_id,
                                                             participantId=signer_id, json=body))
                return True
            view = yield from self._session_view(envelope_id)
            row = next((p for p in payloads.as_list(view.get("participants"))
                        if signer_id in (p.get("participantId"), p.get("id"))), {})
            return row.get("email") == update.email

        yield from settle(self._checked(self.routes.request("update_contact", signingSessionId=envelope_id,
                                                            participantId=signer_id, json=body)),
                          took_effect, provider=PROVIDER, what="updating a participant", envelope_id=envelope_id)
        return (yield from self._fresh(envelope_id, f"updated (participant {signer_id})"))

    def void(self, envelope_id: str, reason: str | None) -> Flow[Envelope]:
        """§6.7 #26: reason required (1-1000), checked before any request."""
        body = {"reason": required_reason(reason)}
        # Idempotent with the same intent: the session view shows no void reason (§6.7 #23), so only a
        # void this client made (or settled) with the same reason counts as the same intent.
        if self._voided.get(envelope_id) == body["reason"] and (
                yield from self._status_in(envelope_id, {State.VOIDED})):
            voided = yield from self.get(envelope_id)
        else:
            yield from settle(self._checked(self.routes.request("void", id=envelope_id, json=body)),
                              lambda: self._status_in(envelope_id, {State.VOIDED}),
                              provider=PROVIDER, what="voiding", envelope_id=envelope_id)
            self._voided[envelope_id] = body["reason"]
            voided = yield from self._fresh(envelope_id, "voided")
        # The session view does not carry the reason (§6.7 #23 lists no such key); the vendor accepted
        # this one, so it is returned here. A later ``get`` cannot know it.
        return voided if voided.void_reason else attrs.evolve(voided, void_reason=body["reason"])

    def delete_draft(self, envelope_id: str) -> Flow[None]:
        """§6.1 #5: locked drafts and started sessions are refused (-> ``InvalidState``).

        The draft is read first, so that a DELETE retried after it landed (answering 404) is known
        to be this delete's success, not a wrong id.
        """
        yield from self._draft_view(envelope_id)

        def delete() -> Flow[None]:
            response = yield self.routes.request("delete_draft", signingSessionId=envelope_id)
            if not response.is_success:
                error = self.error(response)
                if not isinstance(error, NotFound):  # it existed a moment ago: 404 means deleted
                    raise error

        yield from settle(delete(), lambda: self._gone(envelope_id), provider=PROVIDER, what="deleting",
                          envelope_id=envelope_id)
        self._orders.pop(envelope_id, None)

    def duplicate(self, envelope_id: str, *, subject: str | None, void_original: bool,
                  reason: str | None) -> Flow[Envelope]:
        """§6.7 #27 copy, or #28 recreate-and-void (needs a void reason); returns the new draft."""
        self.rules.duplicate(subject, void_original=void_original, reason=reason)
        void_reason = required_reason(reason) if void_original else None
        if subject is None:
            # The copy is made under a marker subject (see create); its own subject is the original's.
            subject = payloads.as_str((yield from self._session_view(envelope_id)).get("subject"))
        marker = new_marker()
        if void_original:
            body = {"subject": marker, "voidReason": void_reason}
            request = self.routes.request("recreate", signingSessionId=envelope_id, json=body)
        else:
            request = self.routes.request("copy", signingSessionId=envelope_id, json={"subject": marker})
        new_id = yield from self._new_draft(request, marker, "the copy")
        made = f"copied from {envelope_id}" + (f" (and {envelope_id} voided)" if void_original else "")
        try:
            yield from self._rename(new_id, subject)
        except Exception as exc:
            cause = as_error(exc, PROVIDER)
            raise PartialFailure(f"EasyInk: the draft {new_id} was {made}, but setting its subject failed "
                                 f"({cause.message}); its subject is still {marker}", envelope_id=new_id,
                                 remote_ids=[new_id], cleaned_up=False, cause=cause, applied=[made]) from exc
        return (yield from self._fresh_draft(new_id, made))

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
            # The session view just read answers when it already lists the signed copies; else poll.
            raw: Any = envelope.raw
            if not self._signed_ready(raw):
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
        if not self._all_in_one_ready(envelope.raw):  # the session view just read may show it ready
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
