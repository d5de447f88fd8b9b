"""The DocuSign provider: eSignature REST v2.1 flows built from ``routes`` and ``payloads``.

Section numbers (§) refer to docs/vendors/docusign.md. Where the reference is silent the flow says
so and either refuses (capabilities) or checks first instead of guessing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import httpx

from signport import config
from signport.capabilities import Capabilities
from signport.errors import (
    InvalidState,
    NotFound,
    PartialFailure,
    ProviderError,
    SignportError,
    ValidationError,
    WebhookVerificationError,
)
from signport.model import DraftUpdate, Envelope, Event, Signer, SignerUpdate
from signport.pdf import PageBox, pdf_info
from signport.provider import (
    Flow,
    Page,
    Provider,
    delayed,
    json_body,
    new_marker,
    read_back,
    recover,
    save_to,
    saved_path,
    settle,
)
from signport.rules import InputRules
from signport.states import DocumentKind, FieldType, State, Verification
from signport.transport import download_filenames
from signport.validation import field_pages, resolve_ref
from signport.webhooks import body_bytes, check_age, normalise_headers, read_delivery
from signport.wire import format_timestamp

from . import auth as _auth
from . import payloads
from . import states as vendor
from .errors import classify, item_errors, map_error
from .limits import PollingRuleWarning, RateLimits
from .routes import Routes
from .rules import DocuSignRules
from .settings import POLL_RULE_SECONDS, PROVIDER, DocuSignSettings

Json = Mapping[str, Any]
SIGNATURE_HEADER = "x-docusign-signature-"  # §8.3: one header per active HMAC key, numbered from 1
RETURN_URL_MAX = 470       # §5.10: longer is silently truncated, so signport refuses it
DRAFT = frozenset({"created"})
#: §5.5: only in-process envelopes can be voided (completed, declined and voided cannot).
VOIDABLE = vendor.LIVE


class DocuSignProvider(Provider):
    """DocuSign eSignature REST API v2.1 behind the neutral API."""

    name: ClassVar[str] = PROVIDER
    settings_class: ClassVar[type[Any]] = DocuSignSettings
    rules: ClassVar[InputRules] = DocuSignRules()
    capabilities: ClassVar[Capabilities] = Capabilities(
        sequential_order=True,                   # §5.1 routingOrder ascending
        parallel_order=True,                     # §5.1 equal routingOrder
        field_types=frozenset(FieldType),        # §5.1 signHere, initialHere, dateSigned, fullName, text, checkbox
        sms_delivery=False,                      # §5.1: deliveryMethod is "Reserved"; SMS is not documented
        sign_by=False,                           # §5.1: notification.expirations is not documented beyond a pointer
        message=True,                            # §5.1 emailBlurb
        void_reason=True,                        # §5.5 voidedReason
        drafts=True,                             # §5.1 status created + §5.5 status sent
        update_draft=True,                       # §5.5, §5.6, §5.8
        update_signer=True,                      # §5.6 correction
        delete_draft=True,                       # §5.9 recycle bin (drafts only, checked first)
        list_filters=frozenset(vendor.LIST_FILTERS),  # §5.3 status filter; EXPIRED is never reported (§3.1)
        # §5.7: real ids, combined, certificate. ORIGINAL: no documented way to get the as-sent bytes.
        download_kinds=frozenset({DocumentKind.EXECUTED, DocumentKind.COMBINED, DocumentKind.AUDIT}),
        signing_urls=True,                       # §5.10 embedded signers
        webhooks=True,                           # §8 Connect JSON SIM
        webhook_verification=True,               # §8.3 HMAC-SHA256
        duplicate=False,                         # §6: what the clone copies is not documented
        simulated_signing=False,
    )

    def __init__(self, settings: DocuSignSettings) -> None:
        super().__init__(settings)
        self.settings: DocuSignSettings = settings
        #: The account's request limits as last reported (§10).
        self.limits = RateLimits()
        self._auth = _auth.DocuSignAuth(settings, self.limits)
        self._account: _auth.Account | None = None
        if settings.account_id and settings.rest_base:
            self._account = _auth.Account(settings.account_id, settings.rest_base)

    # --- what the drivers need ---------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """Every request is absolute; the OAuth host serves as the client's base."""
        return self.settings.oauth_base

    @property
    def auth(self) -> httpx.Auth:
        """Bearer auth (see ``auth.DocuSignAuth``)."""
        return self._auth

    def error(self, response: httpx.Response) -> SignportError:
        """Map the §9 error body."""
        return map_error(response)

    @classmethod
    def login(cls, settings: Any, ask: Callable[[str], str], say: Callable[[str], None],
              transport: httpx.BaseTransport | None = None) -> None:
        """``signport auth docusign``: authorization code + PKCE, token stored with mode 0600 (§2.3)."""
        _auth.login(settings, ask, say, transport)

    def poll_interval(self, poll: float | None) -> float:
        """§10: one status request per envelope per 15 minutes. Default: ``poll_interval`` (20 minutes);
        a shorter ``poll`` is allowed (DocuSign does not fail such calls, it flags the app at its Go-Live
        review) but warned about with ``PollingRuleWarning``."""
        if poll is None:
            return self.settings.poll_interval
        if poll < POLL_RULE_SECONDS:
            warnings.warn(f"docusign: polling an envelope every {poll:g} s breaks DocuSign's rule of at most one "
                          f"status request per envelope per {POLL_RULE_SECONDS // 60} minutes (use webhooks, or "
                          "leave poll unset)", PollingRuleWarning, stacklevel=5)
        return poll

    # --- pure parsing --------------------------------------------------------------------------
    def parse_envelope(self, payload: Mapping[str, Any]) -> Envelope:
        """An ``envelope`` (GET, list item or Connect summary) -> Envelope."""
        return payloads.parse_envelope(payload)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes | str) -> Event:
        """A Connect JSON SIM delivery (§8.2) -> Event, HMAC-verified when ``webhook_secrets`` is set (§8.3).

        The delivery goes through the core reader (size, nesting, header checks); the signature is checked
        over the raw bytes before the JSON is decoded. No secrets configured: ``Verification.NOT_CONFIGURED``.
        Secrets configured and no signature header, or none that matches: ``WebhookVerificationError``.
        With ``webhook_tolerance`` set, a verified message whose ``generatedDateTime`` is older is refused.
        """
        max_bytes = int(self.settings.webhook_max_bytes)
        lowered = normalise_headers(headers, provider=PROVIDER)
        raw = body_bytes(body, max_bytes=max_bytes, provider=PROVIDER)
        verification = verify_hmac(lowered, raw, self.settings.webhook_secrets)
        delivery = read_delivery(lowered, raw, provider=PROVIDER, max_bytes=max_bytes)
        event = payloads.parse_event(delivery.payload, verification)
        tolerance = self.settings.webhook_tolerance
        if tolerance is not None and event.verified:
            check_age(event.occurred_at, tolerance=timedelta(seconds=float(tolerance)), provider=PROVIDER)
        return event

    # --- flows -----------------------------------------------------------------------------------
    def create(self, envelope: Envelope, *, send: bool, extras: Mapping[str, Any]) -> Flow[Envelope]:
        """§5.1 one ``POST /envelopes`` (documents, signers, tabs). Its ``transactionId`` is a correlation
        marker: a create whose answer is lost is looked up by it (§11) instead of made twice."""
        embedded = self._embedded(envelope, extras)
        pages = self._pages(envelope)
        marker = str(extras.get("transactionId") or new_marker())
        body = payloads.create_body(envelope, pages, send=send, embedded=embedded, transaction_id=marker,
                                    extras=extras)
        routes = yield from self._routes()
        envelope_id = yield from recover(self._post(routes, body),
                                         lambda delay: self._find_transaction(routes, marker, delay),
                                         provider=PROVIDER, what="creating the envelope", marker=marker)
        done = "sent" if send else "created as a draft"
        return (yield from read_back(self._read(routes, envelope_id), envelope_id, provider=PROVIDER, done=done))

    def send_draft(self, envelope_id: str) -> Flow[Envelope]:
        """§5.5 ``{"status": "sent"}``, only from ``created`` (checked first: a repeat is not documented, §11)."""
        routes = yield from self._routes()
        yield from self._require(routes, envelope_id, DRAFT, "send")
        yield from self._apply(routes.update(envelope_id, {"status": "sent"}),
                               lambda: self._status_left(routes, envelope_id, DRAFT), "sending", envelope_id)
        return (yield from self._read(routes, envelope_id))

    def get(self, envelope_id: str) -> Flow[Envelope]:
        """§5.2 with recipients, documents and folders; a draft in the recycle bin is NotFound (§5.9)."""
        routes = yield from self._routes()
        return (yield from self._read(routes, envelope_id))

    def list_page(self, states: frozenset[State] | None, cursor: Any) -> Flow[Page]:
        """§5.3 listStatusChanges from ``list_since``, ``start_position``/``count``; states re-checked here
        (the vendor may return extraneous envelopes, §5.3)."""
        routes = yield from self._routes()
        params = {"from_date": format_timestamp(self.settings.since()), "start_position": str(int(cursor or 0)),
                  "count": str(self.settings.page_size), "include": "recipients,folders"}
        native = vendor.native_filter(states)
        if native:
            params["status"] = ",".join(native)
        items, following = payloads.list_page(json_body(self.check((yield routes.list(params)))))
        envelopes = [payloads.parse_envelope(item) for item in items if not payloads.in_recycle_bin(item)]
        if states:
            envelopes = [e for e in envelopes if e.state in states]
        return Page(tuple(envelopes), next=following)

    def update_draft(self, envelope_id: str, update: DraftUpdate, extras: Mapping[str, Any]) -> Flow[Envelope]:
        """§5.5 subject/message, §5.6 recipients, §5.8 documents: one call per kind of change, each applied
        change listed in the ``PartialFailure`` if a later one fails."""
        routes = yield from self._routes()
        current = yield from self._require(routes, envelope_id, DRAFT, "update")
        signers = payloads.maps(payloads.mapping(current.get("recipients")).get("signers"))
        documents = payloads.parse_documents(current.get("envelopeDocuments"))
        _require_ids("remove_signers", update.remove_signers, [payloads.text(s.get("recipientId")) for s in signers])
        _require_ids("remove_documents", update.remove_documents, [d.id for d in documents])
        applied: list[str] = []
        try:
            fields = {k: v for k, v in (("emailSubject", update.subject), ("emailBlurb", update.message))
                      if v is not None}
            if fields or extras:
                self.check((yield routes.update(envelope_id, {**fields, **extras})))
                applied.append("subject/message")
            if update.add_signers:
                body = {"signers": self._added_signers(signers, update.add_signers)}
                answer = json_body(self.check((yield routes.recipients_update(envelope_id, body))))
                _raise_item_errors(answer, "recipientUpdateResults")
                applied.append("add_signers")
            if update.remove_signers:
                self.check((yield routes.recipients_delete(envelope_id, update.remove_signers)))
                applied.append("remove_signers")
            if update.add_documents:
                start = max([payloads.number(d.id) or 0 for d in documents] + [0]) + 1
                items = [payloads.document_body(d, str(start + i), start + i)
                         for i, d in enumerate(update.add_documents)]
                answer = json_body(self.check((yield routes.documents_update(envelope_id, items))))
                _raise_item_errors(answer, "envelopeDocuments")
                applied.append("add_documents")
            if update.remove_documents:
                self.check((yield routes.documents_delete(envelope_id, update.remove_documents)))
                applied.append("remove_documents")
        except SignportError as exc:
            if not applied:
                raise
            raise PartialFailure(f"docusign: updating draft {envelope_id} failed after applying "
                                 f"{', '.join(applied)}: {exc.message}", envelope_id=envelope_id,
                                 remote_ids=[envelope_id], cleaned_up=False, cause=exc, applied=applied,
                                 provider=PROVIDER) from exc
        return (yield from read_back(self._read(routes, envelope_id), envelope_id, provider=PROVIDER,
                                     done="updated", applied=applied))

    def update_signer(self, envelope_id: str, signer_id: str, update: SignerUpdate) -> Flow[Envelope]:
        """§5.6 correction of a signer's email, resent at once; per-item errors checked (§9)."""
        routes = yield from self._routes()
        current = yield from self._require(routes, envelope_id, DRAFT | vendor.LIVE, "update a signer of")
        signer = _find_signer(current, signer_id, envelope_id)
        if update.email is not None:
            # §5.6: any email sent counts as a new address, so only a change is sent.
            entry = {"recipientId": signer_id, "email": update.email,
                     "name": payloads.text(signer.get("name")) or ""}
            live = (payloads.text(current.get("status")) or "").lower() in vendor.LIVE
            answer = json_body(self.check((yield routes.recipients_update(envelope_id, {"signers": [entry]},
                                                                          resend=live))))
            _raise_item_errors(answer, "recipientUpdateResults")
        return (yield from self._read(routes, envelope_id))

    def void(self, envelope_id: str, reason: str | None) -> Flow[Envelope]:
        """§5.5 ``{"status": "voided", "voidedReason"}`` for an in-process envelope (checked first)."""
        routes = yield from self._routes()
        yield from self._require(routes, envelope_id, VOIDABLE, "void")
        # §5.5: the examples always carry a reason; whether one is required is not documented, so one is sent.
        body = {"status": "voided", "voidedReason": reason or "Voided by the sender"}
        yield from self._apply(routes.update(envelope_id, body),
                               lambda: self._status_left(routes, envelope_id, VOIDABLE), "voiding", envelope_id)
        return (yield from self._read(routes, envelope_id))

    def delete_draft(self, envelope_id: str) -> Flow[None]:
        """§5.9 move to the recycle bin, for drafts only (checked first: it would void a sent envelope)."""
        routes = yield from self._routes()
        yield from self._require(routes, envelope_id, DRAFT, "delete")
        yield from self._apply(routes.recycle(envelope_id), lambda: self._gone(routes, envelope_id), "deleting",
                               envelope_id)
        return None

    def download(self, envelope_id: str, kind: DocumentKind, to: Path) -> Flow[list[Path]]:
        """§5.7: each document (EXECUTED), ``combined`` without the certificate (COMBINED), ``certificate``
        (AUDIT), each streamed to ``to``. EXECUTED and COMBINED wait for completion (checked first: a
        real id returns the document in its *current* state)."""
        if kind not in self.capabilities.download_kinds:
            self.unsupported(f"download_{kind.value}", f"docusign cannot download {kind.value} documents: the "
                             "as-sent bytes of an envelope are not documented (docs/vendors/docusign.md §5.7)")
        routes = yield from self._routes()
        envelope = yield from self._read(routes, envelope_id)
        if kind is DocumentKind.AUDIT:
            if envelope.state is State.DRAFT:
                raise InvalidState(f"docusign: envelope {envelope_id} is a draft; it has no certificate yet",
                                   provider=PROVIDER)
        elif envelope.state is not State.COMPLETED:
            raise InvalidState(f"docusign: envelope {envelope_id} is {envelope.state.value}; executed documents "
                               "exist only once every signer has signed", provider=PROVIDER)
        # One naming rule for every provider (transport.download_filenames): <stem>.pdf, -combined, -audit.
        names = download_filenames(kind, [d.name for d in envelope.documents])
        if kind is DocumentKind.COMBINED:
            targets = [("combined", {"certificate": "false"}, names[0])]
        elif kind is DocumentKind.AUDIT:
            targets = [("certificate", {}, names[0])]
        else:
            targets = [(d.id or "", {}, name) for d, name in zip(envelope.documents, names, strict=True)]
        paths: list[Path] = []
        for document_id, params, name in targets:
            request = save_to(routes.document(envelope_id, document_id, params or None), to, name)
            paths.append(saved_path(self.check((yield request))))
        return paths

    def signing_url(self, envelope_id: str, signer_id: str) -> Flow[str]:
        """§5.10 ``POST views/recipient`` for an embedded signer of a sent envelope; single use, short-lived."""
        return_url = self.settings.return_url
        if not return_url:
            raise config.missing(PROVIDER, "return_url", "where DocuSign sends the signer after signing")
        if len(return_url) > RETURN_URL_MAX:
            raise ValidationError(f"DocuSign truncates return URLs past {RETURN_URL_MAX} characters",
                                  path="return_url", provider=PROVIDER)
        routes = yield from self._routes()
        current = yield from self._require(routes, envelope_id, vendor.LIVE, "get a signing URL for")
        signer = _find_signer(current, signer_id, envelope_id)
        client_user_id = payloads.text(signer.get("clientUserId"))
        if client_user_id is None:
            raise InvalidState(f"docusign: signer {signer_id} was not created as an embedded signer, so DocuSign "
                               "invites them by email; create envelopes with embedded_signers to get signing URLs",
                               provider=PROVIDER)
        body = {"returnUrl": return_url, "authenticationMethod": "none", "clientUserId": client_user_id,
                "recipientId": signer_id, "email": payloads.text(signer.get("email")) or "",
                "userName": payloads.text(signer.get("name")) or ""}
        answer = json_body(self.check((yield routes.recipient_view(envelope_id, body))))
        url = payloads.text(answer.get("url")) if isinstance(answer, Mapping) else None
        if not url:
            raise ProviderError("docusign: the recipient view has no url", provider=PROVIDER)
        return url

    # --- building blocks ---------------------------------------------------------------------------
    def _routes(self) -> Flow[Routes]:
        """The account and REST base: configured, else discovered once through userinfo (§2.6)."""
        if self._account is None:
            response = yield _auth.userinfo_request(self.settings)
            if not response.is_success:
                from .errors import oauth_error

                raise oauth_error(response, "userinfo")
            self._account = _auth.pick_account(self.settings, json_body(response))
        return Routes(self._account.rest_base, self._account.account_id)

    def _fetch(self, routes: Routes, envelope_id: str) -> Flow[Json]:
        payload = json_body(self.check((yield routes.envelope(envelope_id))))
        if not isinstance(payload, Mapping):
            raise ProviderError("docusign: the envelope answer is not an object", provider=PROVIDER)
        if payloads.in_recycle_bin(payload):
            raise NotFound(f"docusign: envelope {envelope_id} was deleted (it is in the recycle bin)",
                           provider=PROVIDER, code="ENVELOPE_DOES_NOT_EXIST")
        return payload

    def _read(self, routes: Routes, envelope_id: str) -> Flow[Envelope]:
        return payloads.parse_envelope((yield from self._fetch(routes, envelope_id)))

    def _require(self, routes: Routes, envelope_id: str, allowed: Iterable[str], doing: str) -> Flow[Json]:
        payload = yield from self._fetch(routes, envelope_id)
        status = (payloads.text(payload.get("status")) or "").lower()
        if status not in allowed:
            raise InvalidState(f"docusign: cannot {doing} envelope {envelope_id} in status {status or 'unknown'}",
                               provider=PROVIDER, code=status or None)
        return payload

    def _post(self, routes: Routes, body: Mapping[str, Any]) -> Flow[str]:
        summary = json_body(self.check((yield routes.create(body))))
        envelope_id = payloads.text(summary.get("envelopeId")) if isinstance(summary, Mapping) else None
        if not envelope_id:
            raise ProviderError("docusign: the create answer has no envelopeId", provider=PROVIDER)
        return envelope_id

    def _find_transaction(self, routes: Routes, marker: str, delay: float) -> Flow[str | None]:
        """§11: the envelope created with ``transactionId`` ``marker``, or ``None``."""
        response = yield delayed(routes.list({"transaction_ids": marker}), delay)
        items, _ = payloads.list_page(json_body(self.check(response)))
        found = [payloads.text(i.get("envelopeId")) for i in items
                 if payloads.text(i.get("transactionId")) in (None, marker)]
        return next((f for f in found if f), None)

    def _change(self, request: httpx.Request) -> Flow[None]:
        """One change; a 2xx whose body is not a JSON object (a proxy's page, a cut answer) leaves the outcome
        unknown, so ``settle`` re-reads the envelope rather than trusting it."""
        answer = json_body(self.check((yield request)))
        if not isinstance(answer, Mapping):
            raise ProviderError("docusign: the answer to a change is not a JSON object", provider=PROVIDER,
                                status=200)

    def _apply(self, request: httpx.Request, took_effect: Callable[[], Flow[bool]], what: str,
               envelope_id: str) -> Flow[None]:
        """One change of an envelope whose state was checked first. An ambiguous answer is settled by
        re-reading; so is a state refusal, which is what a retried PUT gets when its first attempt took
        effect and only the answer was lost (the drivers retry PUTs)."""
        try:
            yield from settle(self._change(request), took_effect, provider=PROVIDER, what=what,
                              envelope_id=envelope_id)
        except InvalidState:
            if not (yield from took_effect()):
                raise

    def _status_left(self, routes: Routes, envelope_id: str, before: Iterable[str]) -> Flow[bool]:
        """True once the envelope's status is no longer one of ``before`` (a change took effect)."""
        payload = yield from self._fetch(routes, envelope_id)
        return (payloads.text(payload.get("status")) or "").lower() not in before

    def _gone(self, routes: Routes, envelope_id: str) -> Flow[bool]:
        try:
            yield from self._fetch(routes, envelope_id)
        except NotFound:
            return True
        return False

    def _pages(self, envelope: Envelope) -> dict[int, Mapping[int, PageBox]]:
        """The boxes of the pages fields are on: validation read them, so no document is parsed again."""
        return {i: pdf_info(envelope.documents[i], pages=pages, path=f"documents[{i}]").boxes
                for i, pages in field_pages(envelope).items()}

    def _embedded_names(self, envelope: Envelope, extras: Mapping[str, Any]) -> list[int]:
        wanted = extras.get("embedded_signers")
        if wanted is None or wanted is False:
            return list(range(len(envelope.signers))) if self.settings.embedded_signers else []
        if wanted is True:
            return list(range(len(envelope.signers)))
        refs = [wanted] if isinstance(wanted, str | int) else list(wanted)
        keys = [s.key for s in envelope.signers]
        out = []
        for i, ref in enumerate(refs):
            index = resolve_ref(ref, keys)
            if index is None:
                raise ValidationError(f"refers to no signer: {ref!r}", path=f"extras.embedded_signers[{i}]",
                                      provider=PROVIDER)
            out.append(index)
        return out

    def _embedded(self, envelope: Envelope, extras: Mapping[str, Any]) -> list[bool]:
        chosen = set(self._embedded_names(envelope, extras))
        return [i in chosen for i in range(len(envelope.signers))]

    def _added_signers(self, existing: Sequence[Json], added: Sequence[Signer]) -> list[dict[str, Any]]:
        ids = [payloads.number(s.get("recipientId")) or 0 for s in existing]
        orders = [payloads.number(s.get("routingOrder")) or 1 for s in existing]
        sequential = len(set(orders)) > 1
        next_id = max([*ids, 0]) + 1
        out = []
        for i, signer in enumerate(added):
            order = (max([*orders, 0]) + 1 + i) if sequential else (orders[0] if orders else 1)
            out.append(payloads.signer_body(signer, str(next_id + i), signer.order or order,
                                            embedded=self.settings.embedded_signers))
        return out


# --- helpers ------------------------------------------------------------------------------------------
def _find_signer(payload: Json, signer_id: str, envelope_id: str) -> Json:
    for signer in payloads.maps(payloads.mapping(payload.get("recipients")).get("signers")):
        if payloads.text(signer.get("recipientId")) == signer_id:
            return signer
    raise NotFound(f"docusign: envelope {envelope_id} has no signer {signer_id}", provider=PROVIDER)


def _require_ids(path: str, wanted: Sequence[str], have: Sequence[str | None]) -> None:
    for i, item in enumerate(wanted):
        if item not in have:
            raise NotFound(f"docusign: {path}[{i}]: the envelope has no such item ({item})", provider=PROVIDER)


def _raise_item_errors(answer: Any, collection: str) -> None:
    """§9: a multi-item call answers 200 even when items failed."""
    errors = item_errors(answer, collection)
    if errors:
        ident, code, message = errors[0]
        raise classify(code, f"item {ident}: {message or code}", status=200,
                       raw=answer if isinstance(answer, Mapping) else None)


def verify_hmac(headers: Mapping[str, str], body: bytes, secrets: Iterable[str]) -> Verification:
    """§8.3: base64(HMAC-SHA256(secret, raw body)) against every ``X-DocuSign-Signature-N``, constant time."""
    keys = [s for s in secrets if s]
    if not keys:
        return Verification.NOT_CONFIGURED
    signatures = [v.strip().encode("ascii", "replace") for k, v in headers.items()
                  if k.lower().startswith(SIGNATURE_HEADER)]
    if not signatures:
        raise WebhookVerificationError("docusign: the webhook has no X-DocuSign-Signature header",
                                       provider=PROVIDER)
    matched = False
    for key in keys:
        expected = hmac_signature(key, body).encode("ascii")
        for signature in signatures:
            # Every pair is compared (no early exit), so timing tells nothing about which key matched.
            matched |= hmac.compare_digest(expected, signature)
    if not matched:
        raise WebhookVerificationError("docusign: the webhook signature does not match any configured secret",
                                       provider=PROVIDER)
    return Verification.VERIFIED


def hmac_signature(secret: str, body: bytes) -> str:
    """The value of an ``X-DocuSign-Signature-N`` header for ``body`` (§8.3), e.g. to test a receiver."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")

