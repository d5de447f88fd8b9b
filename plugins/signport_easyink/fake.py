"""A faithful in-memory fake of the EasyInk API and identity provider (Starlette), for tests and demos.

It serves the route table of ``routes.py`` with the rules the reference documents: a bearer
token on every ``/api`` call, drafts vs sessions, documents that stay in processing for the
first reads, the one-by-one order that must list every participant, locked drafts that
cannot be deleted, the mandatory void reason, the contact update refused once the link was
used, zero-based pagination, ApiError bodies with the documented messages and bare-string
ids. The identity endpoints run the authorization-code + PKCE exchange and check the
``code_verifier`` against the challenge and the client secret.

Responses carry exactly the keys of the documented examples. Where the reference is silent
the fake picks something and says so in a comment (``fake-only``).

Outside the vendor's paths, ``/_control/...`` simulates what people do (sign, decline, open
the link), what time does (expire) and what goes wrong (injected failures).

For benchmarks only, ``create_app(auto_complete=True)`` makes every participant sign as a session
starts, so a session sent through the API is already finished when read (its signed copies download
without control calls). Off by default: the fake then waits for participants like the vendor.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge  # type: ignore[import-untyped]
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from signport.fakeserver import text_page
from signport.multipart import content_disposition, disposition_filename

from .routes import AUTHORIZE_PATH, ROUTES, TOKEN_PATH

Handler = Callable[[Request], Awaitable[Response]]

SEARCH_STATUSES = ("Draft", "ReadyToStart", "InProgress", "NeedToSign", "Finished", "Declined", "Voided",
                   "Expired", "NeedsAction")
LIVE = ("Pending", "InProgress")
PHONE = re.compile(r"^\d{10}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: fake-only: a draft document's status while processing (the reference shows only ``ProcessingReady``).
PROCESSING = "Processing"

# Documented messages (docs/vendors/easyink.md §6; tests/data/vendor-examples/easyink/*.error.json).
MSG_DRAFT_MISSING = "Signing session draft does not exists"
MSG_LOCKED = "Signing session draft is locked and cannot be removed"
MSG_PROCESSING = "Document processing is in progress. Try again later."
MSG_ORDER_MISSING = "There are some participants missed in signing order definition: "
MSG_LINK_USED = "Delivery method can't be changed because the participant has already used the signing link"
MSG_VOID_REASON = "Voiding reason is required"
MSG_CONVERT = ("Session configuration is invalid. Check that all documents, participants, and fields "
               "are configured.")
MSG_START_NO_DOCUMENT = "Session must have at least one document before starting"
MSG_SIGNED_NOT_READY = "Signed document is not available until participant completes signing"
MSG_SUBJECT = "Subject cannot exceed 500 characters"
MSG_FIELD_OPTIONS = "Field options must target the field type"
MSG_PARTICIPANT_ID = "Participant Id is required"


def _now_iso(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class ApiFailure(Exception):
    """Raised inside a handler: answered as an ApiError body."""

    def __init__(self, status: int, code: str, message: str,
                 inner: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.inner = status, code, message, list(inner)

    def response(self) -> JSONResponse:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.inner:
            error["innerErrors"] = [{"code": c, "message": m} for c, m in self.inner]
        return JSONResponse({"error": error}, status_code=self.status)


def invalid(message: str, inner: Iterable[tuple[str, str]] = ()) -> ApiFailure:
    """A ``ValidationError`` ApiError (the fake answers 400; statuses are not documented)."""
    return ApiFailure(400, "ValidationError", message, inner)


def required(name: str) -> ApiFailure:
    return invalid("Validation failed for one or more fields",
                   [("RequiredField", f"The '{name}' field is required")])


@dataclass
class FakeDocument:
    id: str
    title: str
    content: bytes
    reads_left: int
    blob_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class FakeParticipant:
    id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    delivery: list[str]
    language: str = "English"
    middle_name: str | None = None
    role: str = "Signer"
    status: str = "Pending"
    signed_at: str | None = None
    link_used: bool = False
    decline_reason: str | None = None


@dataclass
class FakeField:
    id: str
    participant_id: str | None
    document_id: str
    type: str
    placement: dict[str, Any]
    options: dict[str, Any]


@dataclass
class SignedDocument:
    id: str
    participant_id: str
    document_id: str
    title: str
    reads_left: int


@dataclass
class FakeSession:
    id: str
    subject: str | None
    created: str
    seq: int
    status: str = "Draft"
    locked: bool = False
    reminder: str | None = None
    documents: list[FakeDocument] = field(default_factory=list)
    participants: list[FakeParticipant] = field(default_factory=list)
    fields: list[FakeField] = field(default_factory=list)
    order_type: str = "AllAtOnce"
    order: list[str] | None = None
    void_reason: str | None = None
    signed: list[SignedDocument] = field(default_factory=list)
    all_in_one_reads_left: int = 0

    def participant(self, pid: str) -> FakeParticipant | None:
        return next((p for p in self.participants if p.id == pid), None)

    def document(self, did: str) -> FakeDocument | None:
        return next((d for d in self.documents if d.id == did), None)


@dataclass
class Injected:
    """A failure to answer instead of the vendor route (``/_control/fail``)."""

    method: str
    path: re.Pattern[str]
    status: int
    code: str
    message: str
    times: int | None


class FakeEasyInk:
    """The fake's state and handlers; ``create_app`` wraps it in a Starlette app (``app.state.fake``)."""

    def __init__(self, *, access_tokens: Iterable[str] = ("test-token",), client_id: str = "signport-test",
                 client_secret: str = "test-secret",  # noqa: S107 (the fake's own test credential)
                 processing_reads: int = 1, token_lifetime: int = 3600,
                 refresh_tokens: bool = True, clock: Callable[[], float] = time.time,
                 auto_complete: bool = False) -> None:
        self.auto_complete = auto_complete
        self.lock = threading.RLock()
        self.static_tokens = set(access_tokens)
        self.client_id = client_id
        self.client_secret = client_secret
        self.processing_reads = processing_reads
        self.token_lifetime = token_lifetime
        self.refresh_tokens = refresh_tokens
        self.clock = clock
        self.sessions: dict[str, FakeSession] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.issued: dict[str, float] = {}
        self.refreshables: dict[str, str] = {}
        self.revoked: set[str] = set()
        self.failures: list[Injected] = []
        self.token_requests: list[str] = []
        self.api_requests: list[tuple[str, str]] = []
        self._seq = 0
        self._signing_key = uuid.uuid4().bytes

    # --- auth ---------------------------------------------------------------------------------
    def _jwt(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims).encode())
        signature = hmac.new(self._signing_key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64(signature)}"

    def _issue(self, scope: str) -> dict[str, Any]:
        now = self.clock()
        exp = now + self.token_lifetime
        access = self._jwt({"sub": "fake-user", "client_id": self.client_id, "scope": scope, "iat": int(now),
                            "exp": int(exp), "jti": str(uuid.uuid4())})
        self.issued[access] = exp
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer",
                                "expires_in": self.token_lifetime, "scope": scope,
                                "id_token": self._jwt({"sub": "fake-user", "aud": self.client_id,
                                                       "exp": int(exp)})}
        if self.refresh_tokens:
            refresh = _b64(uuid.uuid4().bytes + uuid.uuid4().bytes)
            self.refreshables[refresh] = scope
            body["refresh_token"] = refresh
        return body

    def authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return False
        token = header[len("Bearer "):]
        if token in self.revoked:
            return False
        if token in self.static_tokens:
            return True
        exp = self.issued.get(token)
        return exp is not None and self.clock() < exp

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        problems = []
        if q.get("response_type") != "code":
            problems.append("response_type must be code")
        if q.get("client_id") != self.client_id:
            problems.append("unknown client_id")
        if not q.get("redirect_uri"):
            problems.append("redirect_uri is required")
        if not q.get("code_challenge") or q.get("code_challenge_method") != "S256":
            problems.append("PKCE S256 code_challenge is required")
        if problems:
            return Response("; ".join(problems), status_code=400, media_type="text/plain")
        code = _b64(uuid.uuid4().bytes)
        with self.lock:
            self.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"],
                                "scope": q.get("scope", "")}
        params = {"code": code, **({"state": q["state"]} if q.get("state") else {})}
        sep = "&" if "?" in q["redirect_uri"] else "?"
        return RedirectResponse(q["redirect_uri"] + sep + urlencode(params), status_code=302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        grant = str(form.get("grant_type") or "")

        def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
            return JSONResponse({"error": error, "error_description": description}, status_code=status)

        with self.lock:
            self.token_requests.append(grant)
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return oauth_error("invalid_client", "client authentication failed", 401)
            if grant == "authorization_code":
                code = self.codes.pop(str(form.get("code") or ""), None)
                if code is None:
                    return oauth_error("invalid_grant", "unknown or used code")
                if form.get("redirect_uri") != code["redirect_uri"]:
                    return oauth_error("invalid_grant", "redirect_uri does not match")
                verifier = str(form.get("code_verifier") or "")
                if not verifier or not compare_s256_code_challenge(verifier, code["challenge"]):
                    return oauth_error("invalid_grant", "code_verifier does not match the challenge")
                return JSONResponse(self._issue(code["scope"]))
            if grant == "refresh_token":
                scope = self.refreshables.pop(str(form.get("refresh_token") or ""), None)
                if scope is None:
                    return oauth_error("invalid_grant", "unknown refresh token")
                return JSONResponse(self._issue(scope))
            return oauth_error("unsupported_grant_type", grant or "missing grant_type")

    # --- helpers --------------------------------------------------------------------------------
    def _session(self, sid: str, *, draft: bool) -> FakeSession:
        session = self.sessions.get(sid)
        if session is None:
            raise ApiFailure(404, "NotFound", MSG_DRAFT_MISSING if draft else "Signing session does not exists")
        return session

    def _editable(self, sid: str) -> FakeSession:
        session = self._session(sid, draft=True)
        if session.status != "Draft":
            # fake-only wording: the reference does not give this message.
            raise invalid("Signing session draft is locked and cannot be modified")
        if session.locked:
            raise invalid("Signing session draft is locked and cannot be modified")
        return session

    def _started(self, sid: str) -> FakeSession:
        session = self._session(sid, draft=False)
        if session.status == "Draft":
            raise ApiFailure(404, "NotFound", "Signing session does not exists")
        return session

    def _new_session(self, subject: str | None) -> FakeSession:
        self._seq += 1
        session = FakeSession(id=str(uuid.uuid4()), subject=subject, created=_now_iso(self.clock), seq=self._seq)
        self.sessions[session.id] = session
        return session

    @staticmethod
    def _pdf(content: bytes, filename: str) -> Response:
        # §3: `attachment; filename="..."`. Header values travel as Latin-1, so a title outside
        # printable ASCII (or with a quote) gets an ASCII stand-in plus filename* (RFC 6266 / 5987).
        disposition = content_disposition(filename, None, kind="attachment")
        return Response(content, media_type="application/pdf", headers={
            "Content-Disposition": disposition, "Content-Length": str(len(content))})

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise invalid("The request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise invalid("The request body must be a JSON object")
        return body

    @staticmethod
    def _check_contact(body: dict[str, Any], *, names: bool) -> tuple[list[str], list[tuple[str, str]]]:
        inner: list[tuple[str, str]] = []
        delivery = body.get("deliveryMethods")
        if delivery is not None and (not isinstance(delivery, list) or not delivery
                                     or any(d not in ("Email", "Sms") for d in delivery)):
            inner.append(("InvalidValue", "The 'deliveryMethods' field must list Email and/or Sms"))
        methods = delivery if isinstance(delivery, list) else []
        email, phone = body.get("email"), body.get("phone")
        if "Email" in methods and not email:
            inner.append(("RequiredField", "The 'email' field is required"))
        if "Sms" in methods and not phone:
            inner.append(("RequiredField", "The 'phone' field is required"))
        if email is not None and (not isinstance(email, str) or len(email) > 256 or not EMAIL.match(email)):
            inner.append(("InvalidValue", "The 'email' field is not a valid email address"))
        if phone is not None and (not isinstance(phone, str) or not PHONE.match(phone)):
            inner.append(("InvalidValue", "The 'phone' field must be 10 digits"))
        if names:
            for key in ("firstName", "lastName"):
                value = body.get(key)
                if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= 100):
                    inner.append(("InvalidValue", f"The '{key}' field must be 1 to 100 characters"))
            if body.get("language", "English") not in ("English", "Spanish"):
                inner.append(("InvalidValue", "The 'language' field must be English or Spanish"))
        return methods, inner

    def _ready(self, document: FakeDocument) -> bool:
        return document.reads_left <= 0

    # --- views (keys exactly as the documented examples) -----------------------------------------
    def draft_view(self, s: FakeSession) -> dict[str, Any]:
        statuses = {d.id: PROCESSING if d.reads_left > 0 else "ProcessingReady" for d in s.documents}
        for d in s.documents:
            d.reads_left = max(0, d.reads_left - 1)
        return {
            "signingSessionId": s.id,
            "organizationId": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "settingsSetId": "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
            "initiatorUserId": "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
            "timestampFormat": "Usa",
            "isBulkSession": False,
            "isLocked": s.locked or s.status != "Draft",
            "isVoidDisabled": False,
            "isSessionCopyDisabled": False,
            "isValidBulkParticipant": None,
            "subject": s.subject,
            "documents": [{"id": d.id, "title": d.title.removesuffix(".pdf"), "blobId": d.blob_id,
                           "status": statuses[d.id], "pages": []}
                          for d in s.documents],
            "attachments": [],
            "participants": [{"id": p.id, "firstName": p.first_name, "lastName": p.last_name, "email": p.email,
                              "role": p.role, "language": p.language} for p in s.participants],
            "bulkParticipants": None,
            # Shape not documented (§6.1 #2): the add-field body's members plus the id.
            "signatureFields": [{"id": f.id, "participantId": f.participant_id, "documentId": f.document_id,
                                 "type": f.type, "placement": f.placement, "options": f.options,
                                 "dependsOn": None} for f in s.fields],
            "pageLabels": [],
            "reminderFrequency": s.reminder,
            "signingOrderSettings": {"type": s.order_type, "participantsOrder": s.order},
        }

    def session_view(self, s: FakeSession) -> dict[str, Any]:
        # fake-only: "Processing" while a file is being produced (the reference shows only "Ready").
        signed = [{"signedDocumentId": sd.id, "title": sd.title,
                   "processingStatus": "Processing" if sd.reads_left > 0 else "Ready"} for sd in s.signed]
        for sd in s.signed:
            sd.reads_left = max(0, sd.reads_left - 1)
        all_in_one = None
        if s.status == "Finished":
            all_in_one = {"title": f"{s.subject or 'Signing session'} - All Signatures.pdf",
                          "status": "Processing" if s.all_in_one_reads_left > 0 else "Ready"}
            s.all_in_one_reads_left = max(0, s.all_in_one_reads_left - 1)
        return {
            "signingSessionId": s.id,
            "bulkSessionId": None,
            "subject": s.subject,
            "canBeVoided": s.status in LIVE,
            "canBeCopied": s.status not in ("Voided", "Expired"),
            "status": s.status,
            "documents": [{"documentId": d.id, "title": d.title} for d in s.documents],
            "participants": [{"participantId": p.id, "firstName": p.first_name, "lastName": p.last_name,
                              "email": p.email, "role": p.role, "status": p.status, "signedAt": p.signed_at}
                             for p in s.participants],
            "signedDocuments": signed,
            "attachments": [],
            "allInOneDocument": all_in_one,
        }

    @staticmethod
    def search_item(s: FakeSession) -> dict[str, Any]:
        return {"id": s.id, "isBulk": False, "subject": s.subject, "created": s.created, "status": s.status,
                "currentUserNeedToSign": False, "hasNotificationErrors": False,
                "canBeDeleted": s.status in ("Draft", "ReadyToStart") and not s.locked}

    # --- drafts (§6.1) -------------------------------------------------------------------------------
    async def create_draft(self, request: Request, ids: dict[str, str]) -> Response:
        body = await self._body(request)
        subject = body.get("subject")
        if subject is not None and (not isinstance(subject, str) or len(subject) > 500):
            raise invalid(MSG_SUBJECT)
        return JSONResponse(self._new_session(subject).id, status_code=201)

    async def get_draft(self, request: Request, ids: dict[str, str]) -> Response:
        # fake-only: the draft view is served for every session (the reference does not say otherwise).
        session = self._session(ids["sid"], draft=True)
        if request.method == "HEAD":
            return Response(status_code=200)
        return JSONResponse(self.draft_view(session))

    async def update_draft(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        body = await self._body(request)
        subject = body.get("subject")
        if subject is not None and (not isinstance(subject, str) or len(subject) > 500):
            raise invalid(MSG_SUBJECT)
        reminder = body.get("reminderFrequency")
        if reminder not in (None, "Never", "Daily", "Weekly"):
            raise invalid("The 'reminderFrequency' field must be Never, Daily or Weekly")
        session.subject, session.reminder = subject, reminder
        return Response(status_code=204)

    async def delete_draft(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._session(ids["sid"], draft=True)
        if session.locked or session.status not in ("Draft", "ReadyToStart"):
            raise invalid(MSG_LOCKED)
        del self.sessions[session.id]
        return Response(status_code=204)

    # --- draft documents and attachments (§6.2) -------------------------------------------------------
    async def upload_document(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        form = await request.form()
        upload = form.get("fileContent")
        if upload is None or isinstance(upload, str):
            raise required("fileContent")
        content = await upload.read()
        if not content.startswith(b"%PDF-"):
            raise invalid("Only PDF and Word documents are supported")  # fake-only: Word is not converted
        # Starlette reads only filename="..."; like any RFC 6266 server, prefer filename* when present.
        title = disposition_filename(upload.headers.get("content-disposition", "")) or upload.filename
        document = FakeDocument(id=str(uuid.uuid4()), title=title or "document.pdf", content=content,
                                reads_left=self.processing_reads)
        session.documents.append(document)
        return JSONResponse(document.id, status_code=201)

    async def remove_document(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        document = session.document(ids["documentId"])
        if document is None:
            raise invalid(f"Document '{ids['documentId']}' not found")
        session.documents.remove(document)
        session.fields = [f for f in session.fields if f.document_id != document.id]
        return Response(status_code=204)

    async def download_draft_document(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._session(ids["sid"], draft=True)
        document = session.document(ids["documentId"])
        if document is None:
            raise invalid(f"Document '{ids['documentId']}' not found")
        if not self._ready(document):
            document.reads_left = max(0, document.reads_left - 1)
            raise invalid(MSG_PROCESSING)
        return self._pdf(document.content, document.title)

    async def no_attachment(self, request: Request, ids: dict[str, str]) -> Response:
        # Attachments cannot be uploaded through the API (§6.0): there never is one.
        self._session(ids["sid"], draft=True)
        raise invalid(f"Attachment '{ids['attachmentId']}' not found")

    # --- draft participants (§6.3) --------------------------------------------------------------------
    def _participant_from(self, body: dict[str, Any], pid: str) -> FakeParticipant:
        methods, inner = self._check_contact(body, names=True)
        if inner:
            raise invalid("Validation failed for one or more fields", inner)
        return FakeParticipant(id=pid, first_name=body.get("firstName"), last_name=body.get("lastName"),
                               middle_name=body.get("middleName"), email=body.get("email"),
                               phone=body.get("phone"), delivery=methods,
                               language=body.get("language") or "English")

    async def add_participant(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        participant = self._participant_from(await self._body(request), str(uuid.uuid4()))
        session.participants.append(participant)
        return JSONResponse(participant.id, status_code=201)

    async def add_me(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        me = FakeParticipant(id=str(uuid.uuid4()), first_name="Fake", middle_name=None, last_name="User",
                             email="fake.user@example.com", phone="2025551234", delivery=[], role="Initiator")
        session.participants.append(me)
        return JSONResponse({"id": me.id, "firstName": me.first_name, "middleName": me.middle_name,
                             "lastName": me.last_name, "email": me.email, "phone": me.phone, "role": me.role,
                             "userId": "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d", "deliveryMethods": me.delivery,
                             "language": me.language, "signatureBlobId": None, "initialsBlobId": None})

    async def update_participant(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        old = session.participant(ids["participantId"])
        if old is None:
            raise invalid(MSG_PARTICIPANT_ID)
        new = self._participant_from(await self._body(request), old.id)
        session.participants[session.participants.index(old)] = new
        return Response(status_code=204)

    async def remove_participant(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        participant = session.participant(ids["participantId"])
        if participant is None:
            raise invalid(MSG_PARTICIPANT_ID)
        session.participants.remove(participant)
        session.fields = [f for f in session.fields if f.participant_id != participant.id]
        if session.order:
            session.order = [i for i in session.order if i != participant.id]
        return Response(status_code=204)

    # --- signing order (§6.4) ---------------------------------------------------------------------------
    async def order_one_by_one(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        order = (await self._body(request)).get("participantsOrder")
        if not isinstance(order, list) or not order or not all(isinstance(i, str) for i in order):
            raise required("participantsOrder")
        unknown = [i for i in order if session.participant(i) is None]
        if unknown or len(set(order)) != len(order):
            raise invalid("Signing order contains unknown or repeated participants: " + ", ".join(unknown))
        missed = [p.id for p in session.participants if p.id not in order]
        if missed:
            raise invalid(MSG_ORDER_MISSING + ", ".join(missed))
        session.order_type, session.order = "OneByOne", list(order)
        return Response(status_code=204)

    async def order_all_at_once(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        session.order_type, session.order = "AllAtOnce", None
        return Response(status_code=204)

    # --- signature fields (§6.5) ---------------------------------------------------------------------------
    @staticmethod
    def _placement(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise required("placement")
        try:
            page, x, y = int(value["page"]), float(value["positionX"]), float(value["positionY"])
            w, h = float(value["sizeX"]), float(value["sizeY"])
        except (KeyError, TypeError, ValueError):
            raise required("placement") from None
        if page < 1:
            raise invalid("Page number must be greater than or equal to 1")
        if x < 0:
            raise invalid("Position on X-axis cannot be less than 0")
        if y < 0:
            raise invalid("Position on Y-axis cannot be less than 0")
        if w < 0.1 or h < 0.1:
            raise invalid("Size cannot be less than 0.1")
        return {"page": page, "positionX": value["positionX"], "positionY": value["positionY"],
                "sizeX": value["sizeX"], "sizeY": value["sizeY"]}

    async def add_field(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        body = await self._body(request)
        spec = body.get("field")
        if not isinstance(spec, dict):
            raise required("field")
        document = session.document(str(body.get("documentId")))
        if document is None:
            raise invalid(f"Document '{body.get('documentId')}' not found")
        pid = body.get("participantId")
        if pid is not None and session.participant(str(pid)) is None:
            raise invalid(f"Participant '{pid}' not found")
        if spec.get("type") != "Signature":
            # fake-only: other field types are not documented (§5.4).
            raise invalid(f"Field type '{spec.get('type')}' is not supported")
        options = spec.get("options") or {}
        if not isinstance(options, dict) or options.get("forType", spec["type"]) != spec["type"]:
            raise invalid(MSG_FIELD_OPTIONS)
        placement = self._placement(spec.get("placement"))
        if not self._ready(document):
            raise invalid(MSG_PROCESSING)
        created = FakeField(id=str(uuid.uuid4()), participant_id=pid, document_id=document.id, type="Signature",
                            placement=placement, options={"isRequired": bool(options.get("isRequired", False)),
                                                          "forType": "Signature"})
        session.fields.append(created)
        return JSONResponse(created.id, status_code=201)

    def _field(self, session: FakeSession, fid: str) -> FakeField:
        found = next((f for f in session.fields if f.id == fid), None)
        if found is None:
            raise invalid(f"Signature field '{fid}' not found")
        return found

    async def update_field_options(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        target = self._field(session, ids["signatureFieldId"])
        body = await self._body(request)
        if body.get("forType") != target.type:
            raise invalid(MSG_FIELD_OPTIONS)
        target.options = {"isRequired": bool(body.get("isRequired", False)), "forType": target.type}
        return Response(status_code=204)

    async def update_field_placement(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        target = self._field(session, ids["signatureFieldId"])
        target.placement = self._placement(await self._body(request))
        return Response(status_code=204)

    async def remove_field(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        target = self._field(session, ids["signatureFieldId"])
        session.fields.remove(target)
        return JSONResponse([target.id])

    # --- finalising and starting (§6.6) ------------------------------------------------------------------
    async def convert(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._editable(ids["sid"])
        if not session.documents or not session.participants or not all(map(self._ready, session.documents)):
            raise invalid(MSG_CONVERT)
        if any(not p.delivery for p in session.participants):
            raise invalid(MSG_CONVERT)
        if session.order_type == "OneByOne":
            missed = [p.id for p in session.participants if p.id not in (session.order or [])]
            if missed:
                raise invalid(MSG_ORDER_MISSING + ", ".join(missed))
        session.status = "ReadyToStart"
        return Response(status_code=204)

    async def start(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._started(ids["sid"])
        if not session.documents:
            raise invalid(MSG_START_NO_DOCUMENT)
        if session.status != "ReadyToStart":
            raise invalid("Signing session is not ready to start")  # fake-only wording
        # fake-only: "Pending" until somebody signs, then "InProgress" (§5.1 leaves the difference open).
        session.status = "Pending"
        if self.auto_complete:
            for participant in session.participants:
                self._sign(session, participant)
        return Response(status_code=204)

    # --- active sessions (§6.7) ------------------------------------------------------------------------------
    async def get_session(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._started(ids["sid"])
        if request.method == "HEAD":
            return Response(status_code=200)
        return JSONResponse(self.session_view(session))

    async def update_contact(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._started(ids["sid"])
        participant = session.participant(ids["participantId"])
        if participant is None:
            raise invalid(f"Participant '{ids['participantId']}' not found")
        if session.status not in LIVE:
            raise invalid("Participant contact can be changed only while the session is active")  # fake-only
        if participant.status != "Pending" or participant.link_used:
            raise invalid(MSG_LINK_USED)
        body = await self._body(request)
        methods, inner = self._check_contact(body, names=False)
        if inner:
            raise invalid("Validation failed for one or more fields", inner)
        if methods:
            participant.delivery = methods
        participant.email, participant.phone = body.get("email"), body.get("phone")
        return Response(status_code=204)

    def _void(self, session: FakeSession, reason: Any) -> None:
        if not isinstance(reason, str) or not reason.strip():
            raise invalid(MSG_VOID_REASON)
        if len(reason) > 1000:
            raise invalid("Voiding reason cannot exceed 1000 characters")
        if session.status == "Voided":
            raise invalid("Signing session is already voided")
        if session.status not in LIVE:
            raise invalid(f"Signing session cannot be voided in status {session.status}")
        session.status, session.void_reason = "Voided", reason

    async def void(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._started(ids["sid"])
        self._void(session, (await self._body(request)).get("reason"))
        return Response(status_code=204)

    def _copy(self, source: FakeSession, subject: Any) -> FakeSession:
        if source.status in ("Voided", "Expired"):
            raise invalid(f"Signing session in status {source.status} cannot be copied")
        if subject is not None and (not isinstance(subject, str) or len(subject) > 500):
            raise invalid(MSG_SUBJECT)
        copy = self._new_session(subject if subject is not None else source.subject)
        doc_ids = {d.id: str(uuid.uuid4()) for d in source.documents}
        part_ids = {p.id: str(uuid.uuid4()) for p in source.participants}
        copy.documents = [FakeDocument(id=doc_ids[d.id], title=d.title, content=d.content, reads_left=0)
                          for d in source.documents]
        copy.participants = [FakeParticipant(id=part_ids[p.id], first_name=p.first_name, last_name=p.last_name,
                                             email=p.email, phone=p.phone, delivery=list(p.delivery),
                                             language=p.language, middle_name=p.middle_name)
                             for p in source.participants]
        copy.fields = [FakeField(id=str(uuid.uuid4()), participant_id=part_ids.get(f.participant_id or ""),
                                 document_id=doc_ids[f.document_id], type=f.type, placement=dict(f.placement),
                                 options=dict(f.options)) for f in source.fields]
        copy.order_type = source.order_type
        copy.order = [part_ids[i] for i in source.order] if source.order else None
        copy.reminder = source.reminder
        return copy

    async def copy(self, request: Request, ids: dict[str, str]) -> Response:
        source = self._session(ids["sid"], draft=False)
        return JSONResponse(self._copy(source, (await self._body(request)).get("subject")).id, status_code=201)

    async def recreate(self, request: Request, ids: dict[str, str]) -> Response:
        source = self._started(ids["sid"])
        body = await self._body(request)
        reason = body.get("voidReason")
        if not isinstance(reason, str) or not reason.strip():
            raise invalid(MSG_VOID_REASON)
        if source.status not in LIVE:
            raise invalid(f"Signing session cannot be voided in status {source.status}")
        copy = self._copy(source, body.get("subject"))
        self._void(source, reason)
        return JSONResponse(copy.id, status_code=201)

    # --- search and statistics (§6.8) ------------------------------------------------------------------------
    async def search(self, request: Request, ids: dict[str, str]) -> Response:
        q = request.query_params
        try:
            index = int(q.get("pageIndex", "0"))
            size = int(q.get("pageSize", "20"))
        except ValueError:
            raise invalid("pageIndex and pageSize must be integers") from None
        if index < 0:
            raise invalid("pageIndex must be greater than or equal to 0")
        if not 1 <= size <= 100:
            raise invalid("pageSize must be between 1 and 100")
        statuses = q.getlist("statuses")
        bad = [s for s in statuses if s not in SEARCH_STATUSES]
        if bad:
            raise invalid(f"Unknown status filter: {', '.join(bad)}")
        found = sorted(self.sessions.values(), key=lambda s: s.seq, reverse=True)
        if statuses:
            # fake-only: NeedToSign / NeedsAction match nothing (the fake's user signs nothing).
            found = [s for s in found if s.status in statuses]
        items = found[index * size:(index + 1) * size]
        return JSONResponse({"items": [self.search_item(s) for s in items], "totalItemsCount": len(found),
                             "pagesCount": (len(found) + size - 1) // size, "pageIndex": index,
                             "pageSize": size})

    async def statistics(self, request: Request, ids: dict[str, str]) -> Response:
        def count(*wanted: str) -> int:
            return sum(1 for s in self.sessions.values() if s.status in wanted)

        return JSONResponse({"sessionsToSignCount": 0, "draftsCount": count("Draft"),
                             "readyToStartCount": count("ReadyToStart"),
                             "inProgressCount": count("InProgress", "Pending"), "needsActionCount": 0})

    # --- downloads (§6.9) ------------------------------------------------------------------------------------
    async def download_document(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._started(ids["sid"])
        document = session.document(ids["documentId"])
        if document is None:
            raise invalid(f"Document '{ids['documentId']}' not found")
        return self._pdf(document.content, document.title)

    async def download_signed(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._started(ids["sid"])
        signed = next((sd for sd in session.signed if sd.id == ids["documentId"]), None)
        if signed is None:
            raise invalid(MSG_SIGNED_NOT_READY)
        if signed.reads_left > 0:
            signed.reads_left -= 1
            raise invalid(MSG_PROCESSING)
        document = session.document(signed.document_id)
        participant = session.participant(signed.participant_id)
        assert document is not None
        assert participant is not None
        return self._pdf(signed_copy(document, participant), signed.title)

    async def download_all_in_one(self, request: Request, ids: dict[str, str]) -> Response:
        session = self._started(ids["sid"])
        if session.status != "Finished":
            raise invalid("All-in-one document is not available until the session is finished")  # fake-only
        if session.all_in_one_reads_left > 0:
            session.all_in_one_reads_left -= 1
            raise invalid(MSG_PROCESSING)
        import pypdf

        # §6.9 #33: every participant's signed documents plus the audit trail, in one PDF.
        writer = pypdf.PdfWriter()
        for sd in session.signed:
            document, participant = session.document(sd.document_id), session.participant(sd.participant_id)
            if document is not None and participant is not None:
                writer.append(io.BytesIO(signed_copy(document, participant)))
        writer.append(io.BytesIO(text_page("Audit trail", [
            f"{p.first_name} {p.last_name}: {p.status} {p.signed_at or ''}" for p in session.participants])))
        out = io.BytesIO()
        writer.write(out)
        return self._pdf(out.getvalue(), f"{session.subject or 'Signing session'} - All Signatures.pdf")

    async def download_attachment(self, request: Request, ids: dict[str, str]) -> Response:
        self._started(ids["sid"])
        raise invalid(f"Attachment '{ids['attachmentId']}' not found")

    # --- control: what people, time and failures do ----------------------------------------------------------
    async def control(self, request: Request) -> Response:
        action = request.path_params["action"]
        body = await self._body(request) if request.method == "POST" else {}
        with self.lock:
            try:
                result = self._control(request, action, body)
            except LookupError as exc:
                return JSONResponse({"error": str(exc)}, status_code=404)
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse(result)

    def _control(self, request: Request, action: str, body: dict[str, Any]) -> Any:
        params = request.path_params
        if action == "sessions":
            return [{"id": s.id, "status": s.status, "isLocked": s.locked} for s in self.sessions.values()]
        if action == "fail":
            if request.method == "DELETE":
                self.failures.clear()
                return {"cleared": True}
            self.failures.append(Injected(
                method=str(body.get("method", "")).upper(), path=re.compile(str(body["path"])),
                status=int(body.get("status", 500)), code=str(body.get("code", "InternalServerError")),
                message=str(body.get("message", "An unexpected error occurred")), times=body.get("times")))
            return {"injected": len(self.failures)}
        if action == "revoke":
            self.revoked.update(self.static_tokens | set(self.issued))
            self.issued.clear()
            return {"revoked": True}
        session = self.sessions.get(params.get("sid", ""))
        if session is None:
            raise LookupError("no such session")
        if action == "expire":
            if session.status not in LIVE:
                raise ValueError(f"only a live session expires (status {session.status})")
            session.status = "Expired"
            return self.session_view(session)
        if action == "lock":
            session.locked = True
            return {"locked": True}
        participant = session.participant(params.get("pid", ""))
        if participant is None:
            raise LookupError("no such participant")
        if action == "open":
            participant.link_used = True
            return {"opened": True}
        if session.status not in LIVE:
            raise ValueError(f"the session is not live (status {session.status})")
        if participant.status != "Pending":
            raise ValueError(f"the participant is {participant.status}")
        if session.order_type == "OneByOne":
            current = next((session.participant(i) for i in session.order or []
                            if (session.participant(i) or participant).status == "Pending"), None)
            if current is not participant:
                raise ValueError("it is not this participant's turn (one-by-one order)")
        if action == "sign":
            self._sign(session, participant)
            return {"status": session.status}
        if action == "decline":
            participant.status, participant.link_used = "Declined", True
            participant.decline_reason = str(body.get("reason") or "")
            session.status = "Declined"
            return {"status": session.status}
        raise LookupError(f"unknown action {action}")

    def _sign(self, session: FakeSession, participant: FakeParticipant) -> None:
        """The participant signs: a signed copy of each document; the session finishes with the last one."""
        participant.status, participant.signed_at, participant.link_used = "Signed", _now_iso(self.clock), True
        for document in session.documents:
            session.signed.append(SignedDocument(
                id=str(uuid.uuid4()), participant_id=participant.id, document_id=document.id,
                title=f"{document.title.removesuffix('.pdf')} - {participant.first_name} "
                      f"{participant.last_name} (Signed).pdf", reads_left=self.processing_reads))
        session.status = "InProgress"
        if all(p.status == "Signed" for p in session.participants):
            session.status = "Finished"
            session.all_in_one_reads_left = self.processing_reads

    # --- dispatch ---------------------------------------------------------------------------------------------
    def _injected(self, request: Request) -> Response | None:
        for rule in list(self.failures):
            if (not rule.method or rule.method == request.method) and rule.path.search(request.url.path):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.failures.remove(rule)
                return ApiFailure(rule.status, rule.code, rule.message).response()
        return None

    def endpoint(self, handlers: dict[str, Callable[[Request, dict[str, str]], Awaitable[Response]]]) -> Handler:
        async def dispatch(request: Request) -> Response:
            handler = handlers.get(request.method) or handlers.get("GET" if request.method == "HEAD" else "")
            if handler is None:
                return Response(status_code=405)
            if not self.authorized(request):
                failure = ApiFailure(401, "Unauthorized", "Authorization token is missing or invalid")
                return failure.response() if request.method != "HEAD" else Response(status_code=401)
            ids = dict(request.path_params)
            ids["sid"] = ids.get("signingSessionId") or ids.get("id") or ""
            if request.method != "HEAD":
                # Read the body before taking the lock (handlers then read it from the cache).
                await request.body()
            with self.lock:
                self.api_requests.append((request.method, request.url.path))
                injected = self._injected(request)
                if injected is not None:
                    return injected
                try:
                    return await handler(request, ids)
                except ApiFailure as failure:
                    if request.method == "HEAD":
                        return Response(status_code=failure.status)
                    return failure.response()
        return dispatch


def create_app(**options: Any) -> Starlette:
    """The fake as a Starlette app; ``app.state.fake`` is the ``FakeEasyInk`` (options go to it)."""
    fake = FakeEasyInk(**options)
    by_path: dict[str, dict[str, Callable[[Request, dict[str, str]], Awaitable[Response]]]] = {}
    handlers = {"download_draft_attachment": fake.no_attachment, "remove_attachment": fake.no_attachment,
                "head_draft": fake.get_draft, "head_session": fake.get_session}
    for route in ROUTES.values():
        handler = handlers.get(route.name) or getattr(fake, route.name)
        by_path.setdefault(route.path, {})[route.method] = handler
    # Literal segments first ("/statistics", "/participants/me") so they win over "{id}" ones.
    paths = sorted(by_path, key=lambda p: (p.count("{"), -len(p)))
    routes = [Route(path, fake.endpoint(by_path[path]), methods=sorted(by_path[path])) for path in paths]
    routes += [
        Route(AUTHORIZE_PATH, fake.authorize, methods=["GET"]),
        Route(TOKEN_PATH, fake.token, methods=["POST"]),
        Route("/_control/{action:str}", fake.control, methods=["GET", "POST", "DELETE"]),
        Route("/_control/sessions/{sid}/{action:str}", fake.control, methods=["POST"]),
        Route("/_control/sessions/{sid}/participants/{pid}/{action:str}", fake.control, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.fake = fake
    return app


def signed_copy(document: FakeDocument, participant: FakeParticipant) -> bytes:
    """A participant's signed copy (§6.9 #32): the document, then a page naming the signer.

    FAKE CHOICE: the reference says "that participant's copy with signatures applied" without saying
    how they look; the fake draws no signature on the pages and appends one signature page instead.
    """
    import pypdf

    writer = pypdf.PdfWriter()
    try:
        writer.append(io.BytesIO(document.content))
    except Exception:
        writer = pypdf.PdfWriter()  # an unreadable upload: the signature page alone
    writer.append(io.BytesIO(text_page(f"Signed: {document.title}", [
        f"Signed by {participant.first_name} {participant.last_name} at {participant.signed_at or ''}"])))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
