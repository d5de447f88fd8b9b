"""The iinked Sign provider: packages API flows built from ``routes`` and ``payloads``.

Reference: docs/vendors/iinked.md (section numbers in the comments). Where the reference
is silent the flow says so and either refuses (capabilities) or checks first instead of guessing.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
from base64 import b64encode
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import httpx

from signport.capabilities import Capabilities
from signport.errors import (
    ConfigError,
    InvalidState,
    NotFound,
    PartialFailure,
    ProviderError,
    SignportError,
    ValidationError,
    WebhookVerificationError,
)
from signport.model import Document, DraftUpdate, Envelope, Event, SignerUpdate
from signport.multipart import FilePart
from signport.provider import (
    Flow,
    Page,
    Provider,
    delayed,
    json_body,
    new_marker,
    outcome_unknown,
    read_back,
    recover,
    save_to,
    saved_path,
    settle,
    split_marker,
    tag_marker,
)
from signport.rules import InputRules
from signport.states import DocumentKind, State, Verification
from signport.transport import download_filenames, pdf_filename
from signport.webhooks import check_age, read_delivery
from signport.wire import format_timestamp

from . import payloads
from .errors import map_error
from .routes import Routes
from .rules import IinkedRules
from .settings import PROVIDER, IinkedAuth, IinkedSettings, WebhookVerifier
from .states import DRAFT_STATES, LIST_FILTERS, RESCINDABLE_STATES, native_filter

SIGNATURE_HEADER = "x-syngrafii-signature"  # §7.3 (the brand change did not rename it)
#: §5.1: temporary uploads not attached to a package are deleted after 24 h.
TEMPORARY_FILE_HOURS = 24
#: Sends of one upload whose answers keep getting lost, before giving up.
UPLOAD_ATTEMPTS = 3
#: Pages of ``packages/list`` walked when looking for a package by its marker.
LOOKUP_PAGES = 20
Json = Mapping[str, Any]


class IinkedProvider(Provider):
    """iinked Sign (formerly Syngrafii) packages API, v4 docs, ``/api/v1`` paths."""

    name: ClassVar[str] = PROVIDER
    settings_class: ClassVar[type[Any]] = IinkedSettings
    rules: ClassVar[InputRules] = IinkedRules()
    capabilities: ClassVar[Capabilities] = Capabilities(
        sequential_order=True,  # §4.1 "Sequential"
        parallel_order=True,  # §4.1 "concurrent"
        field_types=frozenset(),  # §10: no field placement in the API; templates/editor only
        sms_delivery=False,  # §5.2 takes a mobileNumber, but how SMS invitations are chosen is not documented
        sign_by=True,  # §5.2 timeSignBy
        message=True,  # §5.2/§5.3 message
        void_reason=True,  # §5.8 rescindMessage
        drafts=True,  # §4.2 draft + §5.4 send
        update_draft=True,  # §5.3
        update_signer=True,  # §5.3 updateSigners
        delete_draft=True,  # §5.9
        list_filters=frozenset(LIST_FILTERS),  # §5.7 states[] (DECLINED cannot be filtered: states.py)
        download_kinds=frozenset({DocumentKind.EXECUTED}),  # §5.13: only the executed PDF is documented
        signing_urls=True,  # §5.10
        webhooks=True,  # §7
        webhook_verification=False,  # §7.3: algorithm not documented; only a user-supplied verifier checks
        duplicate=False,  # not in the API (§5.0)
        simulated_signing=False,
    )

    def __init__(self, settings: IinkedSettings) -> None:
        super().__init__(settings)
        self.settings: IinkedSettings = settings
        settings.check()
        self._auth = settings.make_auth()
        self._base_url = settings.resolved_base_url()
        self.routes = Routes(self._base_url)
        self._verifier = resolve_verifier(settings.webhook_verifier)

    # --- what the drivers need ---------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The API base URL (``.../api/v1``)."""
        return self._base_url

    @property
    def auth(self) -> IinkedAuth:
        """``api_key`` header or Bearer token (§2)."""
        return self._auth

    def error(self, response: httpx.Response) -> SignportError:
        """Map the §8 error body."""
        return map_error(response)

    # --- pure parsing ------------------------------------------------------------------------
    def parse_envelope(self, payload: Mapping[str, Any]) -> Envelope:
        """A status, full Package or list item payload (or ``{"status", "package"}``) -> Envelope."""
        return payloads.parse_envelope(payload)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes | str) -> Event:
        """A delivery (§7.2) -> Event; verified only with a configured verifier (§7.3).

        No verifier: ``Verification.NOT_CONFIGURED``. A verifier that accepts: ``VERIFIED``. A
        verifier that refuses, fails, or has no signature header to check, or a verified delivery
        whose ``eventTime`` is older than ``webhook_tolerance`` seconds: ``WebhookVerificationError``.
        An unreadable delivery (not JSON, too large, too deep, headers not a mapping): ``ValidationError``.
        """
        delivery = read_delivery(headers, body, provider=PROVIDER, max_bytes=int(self.settings.webhook_max_bytes))
        verification = self._verify(delivery.headers, delivery.body)
        event = payloads.parse_event(delivery.payload, verification)
        if verification is Verification.VERIFIED:
            # §7.3 documents no timestamp header; the payload's eventTime (§7.2) is the only time a
            # delivery carries, so a replay is judged by it. A delivery without one passes.
            check_age(event.occurred_at, tolerance=timedelta(seconds=float(self.settings.webhook_tolerance)),
                      provider=PROVIDER)
        return event

    def _verify(self, headers: Mapping[str, str], body: bytes) -> Verification:
        if self._verifier is None:
            return Verification.NOT_CONFIGURED
        signature = headers.get(SIGNATURE_HEADER)
        if not signature:
            raise WebhookVerificationError("iinked: the webhook has no X-Syngrafii-Signature header",
                                           provider=PROVIDER)
        try:
            ok = self._verifier(signature=signature, body=body, headers=headers,
                                secret=self.settings.webhook_secret)
        except WebhookVerificationError:
            raise
        except Exception as exc:
            raise WebhookVerificationError(f"iinked: the webhook verifier failed ({type(exc).__name__})",
                                           provider=PROVIDER) from exc
        if not ok:
            raise WebhookVerificationError("iinked: the webhook signature does not match", provider=PROVIDER)
        return Verification.VERIFIED

    # --- flows ---------------------------------------------------------------------------------
    def create(self, envelope: Envelope, *, send: bool, extras: Mapping[str, Any]) -> Flow[Envelope]:
        """§5.1 upload each document, then §5.2 ``packages/add`` (state ``open`` or ``draft``)."""
        if envelope.fields:
            self.unsupported("fields", "iinked cannot place fields through its API (docs/vendors/iinked.md §10)")
        # §5.1/§11: every document carries signport's correlation marker in its externalId (beside the
        # caller's key), and list items return it (§5.7); so when the add's answer is lost, the package
        # it may have made is found again instead of being created twice or lost.
        marker = new_marker()
        uploaded: list[str] = []
        try:
            documents = yield from self._upload_all(envelope.documents, uploaded, marker)
            body = payloads.add_body(envelope, documents, send=send,
                                     links=self.settings.generate_signer_links, extras=extras)
            package_id, package = yield from recover(
                self._add(body), lambda wait: self._found(marker, envelope.subject, send, wait),
                provider=PROVIDER, what="creating the package", marker=marker)
        except Exception as exc:
            if not uploaded:
                raise
            raise self._partial(exc, uploaded, "creating the package") from exc
        if package is not None:  # the add answered with the Package (returnPackage, §3): nothing to read back
            return payloads.parse_envelope(package)
        done = "sent" if send else "created as a draft"
        return (yield from read_back(self._read(package_id), package_id, provider=PROVIDER, done=done))

    def _add(self, body: Mapping[str, Any]) -> Flow[tuple[str, Json | None]]:
        """§5.2: the new package's id, and the Package when the answer carries it (``returnPackage``)."""
        answer = json_body(self.check((yield self.routes.add(body))))
        package_id = payloads.package_id_of(answer)
        return package_id, payloads.returned_package(answer, package_id)

    def _found(self, marker: str, name: str, sent: bool, wait: float) -> Flow[tuple[str, Json | None] | None]:
        """``_find`` for ``recover``: a package found by its marker is read back, its add answer being lost."""
        package_id = yield from self._find(marker, name, sent, wait)
        return None if package_id is None else (package_id, None)

    def _find(self, marker: str, name: str, sent: bool, wait: float) -> Flow[str | None]:
        """The id of the package whose documents carry ``marker``, or ``None``.

        §5.7 searches names, descriptions and signers, not externalId, and its default sort is not
        documented: first a search by the package name (cheap), then a bounded walk of the packages
        in the state the add asked for, reading each item's ``documents[].externalId``.
        """
        states = ["open", "executed"] if sent else ["draft"]
        for search in (name, None):
            skip, pages = 0, 0
            while pages < LOOKUP_PAGES:
                request = self.routes.list(skip=skip, take=self.settings.page_size, states=states, search=search)
                response = yield delayed(request, wait) if wait else request
                wait = 0.0
                items, _, total = payloads.list_page(json_body(self.check(response)))
                for item in items:
                    for doc in payloads.as_maps(item.get("documents")):
                        external = doc.get("externalId")
                        if isinstance(external, str) and split_marker(external)[1] == marker:
                            return payloads.package_id_of(item)
                skip, pages = skip + len(items), pages + 1
                if not items or skip >= total:
                    break
        return None

    def send_draft(self, envelope_id: str) -> Flow[Envelope]:
        """§5.4, only from draft/select/add (checked first); an answer lost on the way is settled by a re-read."""
        yield from self._require(envelope_id, DRAFT_STATES, "send")
        yield from settle(self._checked(self.routes.send(envelope_id)),
                          lambda: self._state_is(envelope_id, lambda native: native not in DRAFT_STATES),
                          provider=PROVIDER, what="sending", envelope_id=envelope_id)
        return (yield from read_back(self._read(envelope_id), envelope_id, provider=PROVIDER, done="sent"))

    def get(self, envelope_id: str) -> Flow[Envelope]:
        """§5.6 the full Package: one request (see ``_read``)."""
        return (yield from self._read(envelope_id))

    def list_page(self, states: frozenset[State] | None, cursor: Any) -> Flow[Page]:
        """§5.7: ``skip``/``take`` until ``total``; SENT/IN_PROGRESS share ``open`` and are post-filtered."""
        skip = int(cursor or 0)
        response = yield self.routes.list(skip=skip, take=self.settings.page_size, states=native_filter(states))
        items, _, total = payloads.list_page(json_body(self.check(response)))
        envelopes = [payloads.parse_envelope(item) for item in items]
        if states:
            envelopes = [e for e in envelopes if e.state in states]
        following = skip + len(items)
        return Page(tuple(envelopes), next=following if items and following < total else None)

    def update_draft(self, envelope_id: str, update: DraftUpdate, extras: Mapping[str, Any]) -> Flow[Envelope]:
        """§5.3 on a draft: name, timeSignBy, message, add/delete signers and documents (uploaded first)."""
        status = yield from self._require(envelope_id, DRAFT_STATES, "update")
        _require_members(status, "signers", "signerId", update.remove_signers, "remove_signers")
        _require_members(status, "documents", "documentId", update.remove_documents, "remove_documents")
        uploaded: list[str] = []
        try:
            added = yield from self._upload_all(update.add_documents, uploaded)
            body: dict[str, Any] = {"packageId": envelope_id}
            if update.subject is not None:
                body["name"] = update.subject
            if update.sign_by is not None:
                body["timeSignBy"] = format_timestamp(update.sign_by)
            if update.message is not None:
                body["message"] = update.message
            if update.add_signers:
                body["addSigners"] = [payloads.signer_body(s) for s in update.add_signers]
            if update.remove_signers:
                body["deleteSigners"] = [{"signerId": s} for s in update.remove_signers]
            if added:
                body["addDocuments"] = [{"fileName": name, "fileId": fid} for name, fid in added]
            if update.remove_documents:
                body["deleteDocuments"] = [{"documentId": d} for d in update.remove_documents]
            # §5.3: after an add with links on, updates regenerate links unless told otherwise; say it.
            body["generateSignerLinks"] = self.settings.generate_signer_links
            body["returnPackage"] = True  # §5.3: the answer carries the updated Package
            body.update(extras)
            # One request makes the whole change; if its answer is lost, a re-read shows whether it landed.
            answers: list[Any] = []
            yield from settle(self._answered(self.routes.update(body), answers),
                              lambda: self._updated(envelope_id, status, update, added),
                              provider=PROVIDER, what="updating", envelope_id=envelope_id)
        except Exception as exc:
            if not uploaded:
                raise
            raise self._partial(exc, uploaded, "updating the package", envelope_id=envelope_id) from exc
        return (yield from self._result(answers, envelope_id, "updated"))

    def update_signer(self, envelope_id: str, signer_id: str, update: SignerUpdate) -> Flow[Envelope]:
        """§5.3 ``updateSigners`` on a draft or open package; earlier links of that signer stop working."""
        status = yield from self._require(envelope_id, DRAFT_STATES | RESCINDABLE_STATES, "update a signer of")
        current = next((s for s in payloads.as_maps(status.get("signers")) if s.get("signerId") == signer_id), None)
        if current is None:
            raise NotFound(f"iinked: package {envelope_id} has no signer {signer_id}", provider=PROVIDER)
        # The updateSigners item table is cut off (§5.3): whether omitted keys are cleared is unknown,
        # so the whole signer is sent, with the changed values.
        entry: dict[str, Any] = {"signerId": signer_id}
        for key in ("firstName", "lastName", "email", "mobileNumber"):
            value = current.get(key)
            if isinstance(value, str) and value:
                entry[key] = value
        if update.email is not None:
            entry["email"] = update.email
        if update.phone is not None:
            entry["mobileNumber"] = update.phone
        body = {"packageId": envelope_id, "updateSigners": [entry],
                "generateSignerLinks": self.settings.generate_signer_links, "returnPackage": True}

        def took_effect() -> Flow[bool]:
            now = yield from self._status(envelope_id)
            row = next((r for r in payloads.as_maps(now.get("signers")) if r.get("signerId") == signer_id), {})
            return all(row.get(k) == entry[k] for k in ("email", "mobileNumber") if k in entry)

        answers: list[Any] = []
        yield from settle(self._answered(self.routes.update(body), answers), took_effect, provider=PROVIDER,
                          what="updating a signer", envelope_id=envelope_id)
        return (yield from self._result(answers, envelope_id, f"updated (signer {signer_id})"))

    def void(self, envelope_id: str, reason: str | None) -> Flow[Envelope]:
        """§5.8 rescind (``rescindMessage``), only for an ``open`` package (checked first).

        Idempotent: a package already rescinded with the same reason (or any, when ``reason`` is
        ``None``) is returned as it is, so a retry after a lost answer succeeds.
        """
        # The full Package (§5.6) shows both the state to check and, once rescinded, the reason.
        package = yield from self._package(envelope_id)
        if package.get("state") == "rescinded":
            current = payloads.parse_envelope(package)
            if reason is None or current.void_reason == reason:
                return current
            raise InvalidState(f"iinked: package {envelope_id} was already voided with another reason",
                               provider=PROVIDER)
        self._allowed(envelope_id, package, RESCINDABLE_STATES, "void")
        yield from settle(self._checked(self.routes.rescind(envelope_id, reason, notify=self.settings.notify)),
                          lambda: self._state_is(envelope_id, lambda native: native == "rescinded"),
                          provider=PROVIDER, what="voiding", envelope_id=envelope_id)
        return (yield from read_back(self._read(envelope_id), envelope_id, provider=PROVIDER, done="voided"))

    def delete_draft(self, envelope_id: str) -> Flow[None]:
        """§5.9, for drafts only (checked first: the vendor would also delete a sent package)."""
        yield from self._require(envelope_id, DRAFT_STATES, "delete")

        def gone() -> Flow[bool]:
            response = yield self.routes.status(envelope_id)
            if response.status_code == 404:  # §4.2: how a deleted package reads is not documented; 404 here
                return True
            self.check(response)
            return False

        # A draft's signers were never notified (§4.2), so none are told about the deletion.
        yield from settle(self._checked(self.routes.delete(envelope_id, notify=False)), gone,
                          provider=PROVIDER, what="deleting", envelope_id=envelope_id)
        return None

    def download(self, envelope_id: str, kind: DocumentKind, to: Path) -> Flow[list[Path]]:
        """§5.13: the executed PDF of each document, streamed to ``to``; only once COMPLETED.

        What the endpoint does before execution is not documented, so signport checks first.
        """
        if kind is not DocumentKind.EXECUTED:
            self.unsupported(f"download_{kind.value}",
                             f"iinked does not document {kind.value} downloads (docs/vendors/iinked.md §5.13)")
        status = yield from self._status(envelope_id)
        listed = payloads.executed_documents(status)
        if listed is None:  # not plainly ``executed``: the state is judged the long way (signers, flags)
            envelope = payloads.parse_envelope(status)
            if envelope.state is not State.COMPLETED:
                raise InvalidState(f"iinked: package {envelope_id} is {envelope.state.value}; executed "
                                   "documents exist only once every signer has signed", provider=PROVIDER)
            listed = envelope.documents
        # Once the package is executed, each document's executed PDF carries every signer's signature
        # (§5.13: only a download mid-flow lacks the later ones): EXECUTED as defined, one file per
        # document, in the order the status lists them, named by the neutral scheme.
        documents = [doc for doc in listed if doc.id]
        names = download_filenames(kind, [doc.name for doc in documents])
        paths: list[Path] = []
        for doc, name in zip(documents, names, strict=True):
            assert doc.id is not None
            request = save_to(self.routes.executed_pdf(envelope_id, doc.id), to, name)
            paths.append(saved_path(self.check((yield request))))
        return paths

    def signing_url(self, envelope_id: str, signer_id: str) -> Flow[str]:
        """§5.10 ``POST /packages/{id}/link/sign/{signerId}``: a link that needs no login."""
        response = yield self.routes.sign_link(envelope_id, signer_id)
        return payloads.link_from_response(json_body(self.check(response)))

    # --- building blocks -----------------------------------------------------------------------
    def _read(self, package_id: str) -> Flow[Envelope]:
        """One read of a package: the full Package (§5.6) carries all the neutral model shows (state,
        documents with their revisions, signers with ``index``, ``next``, declines, ``timeSigned``).

        The status (§5.5) adds only per-document links and ``isExecuted`` (a Package reads executed from
        its revisions, ``payloads.envelope_state``). Signer links (``generate_signer_links``): §5.10 puts
        ``signLink`` on each signer of the Package, while the §5.6 schema does not list it; so when links
        were asked for and the Package carries none, the status, where §5.5 documents them, is read too.
        """
        package = yield from self._package(package_id)
        if self.settings.generate_signer_links and not payloads.has_signer_links(package):
            status = yield from self._status(package_id)
            return payloads.parse_envelope({"status": status, "package": package})
        return payloads.parse_envelope(package)

    def _package(self, package_id: str) -> Flow[Json]:
        """The full Package (§5.6). An answer without a ``packageId`` is not one: a ``ProviderError`` (after a
        change, ``read_back`` then names the package instead of returning an envelope without an id)."""
        response = yield self.routes.package(package_id)
        package = payloads.unwrap(payloads.as_map(json_body(self.check(response))))
        if not payloads.package_id_in(package):
            raise ProviderError(f"iinked: the answer for package {package_id} is not a package", provider=PROVIDER,
                                status=response.status_code)
        return package

    def _status(self, package_id: str) -> Flow[Json]:
        response = yield self.routes.status(package_id)
        return payloads.as_map(json_body(self.check(response)))

    def _require(self, package_id: str, allowed: frozenset[str], action: str) -> Flow[Json]:
        status = yield from self._status(package_id)
        self._allowed(package_id, status, allowed, action)
        return status

    @staticmethod
    def _allowed(package_id: str, status: Json, allowed: frozenset[str], action: str) -> None:
        native = status.get("state")
        if native not in allowed:
            state = payloads.parse_envelope(status).state.value
            raise InvalidState(f"iinked: cannot {action} package {package_id}: it is {state} "
                               f"(native state {native!r})", provider=PROVIDER)

    def _checked(self, request: httpx.Request) -> Flow[httpx.Response]:
        """One request whose answer must be a success."""
        return self.check((yield request))

    def _answered(self, request: httpx.Request, answers: list[Any]) -> Flow[None]:
        """One request whose answer must be a success; its JSON (``None`` if unreadable) goes to ``answers``."""
        response = self.check((yield request))
        try:
            answers.append(response.json())
        except ValueError:  # the change was made; the read-back tells the rest
            answers.append(None)

    def _result(self, answers: list[Any], package_id: str, done: str) -> Flow[Envelope]:
        """The Package an update answered with (``returnPackage``, §5.3), or one read-back when the
        answer was lost (and ``settle`` found the change made) or carries no Package."""
        package = payloads.returned_package(answers[0], package_id) if answers else None
        if package is not None:
            return payloads.parse_envelope(package)
        return (yield from read_back(self._read(package_id), package_id, provider=PROVIDER, done=done))

    def _state_is(self, package_id: str, test: Callable[[Any], bool]) -> Flow[bool]:
        status = yield from self._status(package_id)
        return test(status.get("state"))

    def _updated(self, package_id: str, before: Json, update: DraftUpdate,
                 added: list[tuple[str, str]]) -> Flow[bool]:
        """Whether a ``packages/update`` landed: §5.3 is one request, so the changes that a status read
        shows (name, signers, documents) stand for all of it; an update with none of those (only a
        message or a sign-by date) is compared on the full package."""
        status = yield from self._status(package_id)
        signers = {r.get("signerId") for r in payloads.as_maps(status.get("signers"))}
        documents = payloads.as_maps(status.get("documents"))
        checks: list[bool] = []
        if update.subject is not None:
            checks.append(status.get("name") == update.subject)
        if update.remove_signers:
            checks.append(not signers & set(update.remove_signers))
        if update.add_signers:
            checks.append(len(signers) > len(payloads.as_maps(before.get("signers"))) - len(update.remove_signers))
        if update.remove_documents:
            checks.append(not {d.get("documentId") for d in documents} & set(update.remove_documents))
        if added:
            checks.append({fid for _, fid in added} <= {d.get("fileId") for d in documents})
        if not checks:
            envelope = yield from self._read(package_id)
            if update.message is not None:
                checks.append(envelope.message == update.message)
            if update.sign_by is not None:
                checks.append(envelope.sign_by is not None
                              and abs((envelope.sign_by - update.sign_by).total_seconds()) < 1)
        return bool(checks) and all(checks)

    def _upload_all(self, documents: tuple[Document, ...], uploaded: list[str],
                    marker: str | None = None) -> Flow[list[tuple[str, str]]]:
        """Upload each document (§5.1); ``uploaded`` collects the fileIds as they arrive.

        An upload whose answer is lost is sent again (twice at most): an unattached temporary file
        is harmless and the vendor deletes it after 24 h (§5.1), while guessing would lose the document.
        """
        out: list[tuple[str, str]] = []
        for doc in documents:
            name = pdf_filename(doc.name)
            external_id = tag_marker(doc.key, marker) if marker else doc.key
            for attempt in range(UPLOAD_ATTEMPTS):
                try:
                    response = yield self.routes.upload(self._part(doc, name), external_id=external_id)
                    ids = payloads.uploaded_file_ids(json_body(self.check(response)))
                    if not ids:
                        raise ProviderError("iinked: the upload response has no fileId", provider=PROVIDER,
                                            status=response.status_code)
                    break
                except Exception as exc:
                    if attempt + 1 >= UPLOAD_ATTEMPTS or not outcome_unknown(exc):
                        raise
            uploaded.extend(ids)
            out.append((name, ids[0]))
        return out

    def _part(self, doc: Document, name: str) -> FilePart:
        field = self.settings.upload_field or None
        # §5.1: raw bytes, part Content-Type application/pdf, the filename in Content-Disposition.
        if doc.path is not None:
            return FilePart(name, "application/pdf", path=doc.path, field_name=field)
        if doc.content is not None:
            return FilePart(name, "application/pdf", content=doc.content, field_name=field)
        raise ValidationError("needs content (path or bytes) to upload", path="documents", provider=PROVIDER)

    def _partial(self, exc: Exception, uploaded: list[str], doing: str,
                 envelope_id: str | None = None) -> PartialFailure:
        """§5.1: unattached temporary uploads expire after 24 h, so they are named, not deleted
        (the reference documents no file delete endpoint, §5.0)."""
        cause = exc if isinstance(exc, SignportError) else None
        return PartialFailure(
            f"iinked: {doing} failed after uploading temporary file(s) {', '.join(uploaded)}; the vendor "
            f"deletes unattached temporary files after {TEMPORARY_FILE_HOURS} h (docs/vendors/iinked.md §5.1)",
            envelope_id=envelope_id, remote_ids=uploaded, cleaned_up=False, cause=cause,
            provider=PROVIDER)


# --- helpers ------------------------------------------------------------------------------------
def _require_members(status: Json, collection: str, key: str, wanted: tuple[str, ...], path: str) -> None:
    have = {m.get(key) for m in payloads.as_maps(status.get(collection))}
    for i, item in enumerate(wanted):
        if item not in have:
            raise NotFound(f"iinked: {path}[{i}]: the package has no {collection[:-1]} {item}",
                           provider=PROVIDER)


def resolve_verifier(value: Any) -> WebhookVerifier | None:
    """``None``, a callable, or ``"module:function"`` (from the environment or TOML) -> a verifier."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        module_name, sep, attr = value.partition(":")
        if not sep:
            raise ConfigError(f"{PROVIDER}: webhook_verifier must be 'module:function'", provider=PROVIDER)
        try:
            value = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"{PROVIDER}: cannot load webhook_verifier {value!r}: {exc}",
                              provider=PROVIDER) from None
    if not callable(value):
        raise ConfigError(f"{PROVIDER}: webhook_verifier must be callable", provider=PROVIDER)
    verifier: WebhookVerifier = value
    return verifier


def hmac_verifier(*, digest: str = "sha256", encoding: str) -> WebhookVerifier:
    """A verifier comparing the header with HMAC(``secret``, body), for you to choose once you have
    checked a real delivery: the reference does not document the algorithm (§7.3), so signport
    never picks one for you. ``encoding`` is ``"hex"`` or ``"base64"``.
    """
    if encoding not in ("hex", "base64"):
        raise ValueError("encoding must be 'hex' or 'base64'")
    hashlib.new(digest)  # fail now on an unknown digest

    def verify(*, signature: str, body: bytes, headers: Mapping[str, str], secret: str | None) -> bool:
        if not secret:
            raise WebhookVerificationError("iinked: webhook_secret is not set", provider=PROVIDER)
        mac = hmac.new(secret.encode("utf-8"), body, digest).digest()
        expected = mac.hex() if encoding == "hex" else b64encode(mac).decode("ascii")
        return hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("ascii", "replace"))

    return verify

