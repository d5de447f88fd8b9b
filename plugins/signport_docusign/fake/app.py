"""A faithful in-memory fake of the DocuSign eSignature REST v2.1 endpoints signport uses, and of the
OAuth service (authorization code + PKCE, JWT grant, refresh, userinfo), as a Starlette app.

Rules it keeps (docs/vendors/docusign.md): bearer token on every call and the account id in the
path; ``from_date``/``envelope_ids``/``transaction_ids`` required by listStatusChanges; string
scalars; ``errorDetails`` bodies with the vendor's codes; 201 for create and recipient view;
multi-item answers of 200 with per-item errors; the recycle bin voiding in-process envelopes;
``X-RateLimit-*``/``X-BurstLimit-*`` headers on every REST answer; Connect messages signed with
HMAC-SHA256 for every configured key. ``/_control/...`` simulates people (sign, decline, view),
Connect deliveries and token expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge  # type: ignore[import-untyped]
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..routes import AUTHORIZE_PATH, ROUTES, TOKEN_PATH, USERINFO_PATH
from .state import (
    LIVE,
    ApiFailure,
    FakeDocument,
    FakeEnvelope,
    FakeRecipient,
    certificate_pdf,
    combined_pdf,
    current_pdf,
    envelope_view,
    invalid,
    recipients_view,
    stamp,
)

Handler = Callable[[Request], Awaitable[Response]]
REST_PREFIX = "/restapi"
ACCOUNT_ID = "8a1b2c3d-0000-4000-8000-00000000acc7"
USER_ID = "5e6f7a8b-0000-4000-8000-0000000005e1"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
HOURLY_LIMIT = 3000       # §10 default
BURST_LIMIT = 200         # §10 developer environment
TOKEN_LIFETIME = 28800    # fake-only: the lifetime is not documented (§2.5)
MSG_NOT_EXIST = "The envelope specified either does not exist or you have no rights to it."
MSG_INVALID_STATUS = "Envelope status is not one of: Created, Sent, Delivered, Correct."
MSG_CANNOT_VOID = "Only envelopes in the 'Sent' or 'Delivered' states may be voided."
MSG_UPDATE_FAILED = "The recipient could not be updated.  Recipient not in state that allows correction."


class FakeDocuSign:
    """The fake's state and handlers. Options: ``access_tokens`` accepted as-is; ``integration_key``,
    ``public_key`` (PEM) and ``consented`` for the JWT grant; ``hmac_keys`` for Connect messages."""

    def __init__(self, *, access_tokens: Iterable[str] = (), integration_key: str = "fake-integration-key",
                 public_key: str | None = None, consented: bool = True, hmac_keys: Iterable[str] = (),
                 account_id: str = ACCOUNT_ID, user_id: str = USER_ID,
                 clock: Callable[[], float] = time.time) -> None:
        self.static_tokens = set(access_tokens)
        self.issued: dict[str, float] = {}          # token -> expiry
        self.refresh_tokens: set[str] = set()
        self.codes: dict[str, dict[str, str]] = {}  # code -> authorize request
        self.integration_key = integration_key
        self.public_key = public_key
        self.consented = consented
        self.hmac_keys = list(hmac_keys)
        self.account_id = account_id
        self.user_id = user_id
        self.clock = clock
        self.envelopes: dict[str, FakeEnvelope] = {}
        self.lock = threading.RLock()
        self.api_requests: list[tuple[str, str]] = []
        self.token_requests: list[str] = []
        self.userinfo_calls = 0
        self.used = 0

    # --- auth -------------------------------------------------------------------------------------------
    def authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return False
        token = header[7:]
        if token in self.static_tokens:
            return True
        expiry = self.issued.get(token)
        return expiry is not None and expiry > self.clock()

    def _issue(self, *, refresh: bool, scope: str) -> dict[str, Any]:
        token = "fake-access-" + uuid.uuid4().hex
        self.issued[token] = self.clock() + TOKEN_LIFETIME
        body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME,
                                "scope": scope}
        if refresh:
            value = "fake-refresh-" + uuid.uuid4().hex
            self.refresh_tokens.add(value)
            body["refresh_token"] = value
        return body

    async def authorize(self, request: Request) -> Response:
        """§2.3: checks the client and the S256 challenge, then redirects with a code."""
        q = request.query_params
        if q.get("response_type") != "code" or q.get("client_id") != self.integration_key:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request", "error_description": "PKCE required"}, status_code=400)
        code = uuid.uuid4().hex
        with self.lock:
            self.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": q.get("redirect_uri", "")}
        query = urlencode({"code": code, **({"state": q["state"]} if q.get("state") else {})})
        return RedirectResponse(f"{q.get('redirect_uri', '')}?{query}", status_code=302)

    async def token(self, request: Request) -> Response:
        """§2.2-2.4: authorization_code (+ code_verifier), refresh_token, jwt-bearer."""
        form = await request.form()
        grant = str(form.get("grant_type") or "")
        with self.lock:
            self.token_requests.append(grant)
            if grant == "authorization_code":
                pending = self.codes.pop(str(form.get("code") or ""), None)
                verifier = str(form.get("code_verifier") or "")
                if pending is None or form.get("client_id") != self.integration_key:
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                if not compare_s256_code_challenge(verifier, pending["challenge"]):
                    return JSONResponse({"error": "invalid_grant", "error_description": "code_verifier"},
                                        status_code=400)
                return JSONResponse(self._issue(refresh=True, scope="signature"))
            if grant == "refresh_token":
                value = str(form.get("refresh_token") or "")
                if value not in self.refresh_tokens:
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                self.refresh_tokens.discard(value)  # §2.2: a new refresh token comes with the new access token
                return JSONResponse(self._issue(refresh=True, scope="signature"))
            if grant == JWT_GRANT:
                return self._jwt(str(form.get("assertion") or ""), request)
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    def _jwt(self, assertion: str, request: Request) -> Response:
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import RSAKey

        if not self.public_key:
            return JSONResponse({"error": "invalid_grant", "error_description": "no_valid_keys_or_signatures"},
                                status_code=400)
        try:
            claims = jwt.decode(assertion, RSAKey.import_key(self.public_key), algorithms=["RS256"]).claims
            jwt.JWTClaimsRegistry(now=int(self.clock()), exp={"essential": True}).validate(claims)
        except (JoseError, ValueError):
            return JSONResponse({"error": "invalid_grant", "error_description": "no_valid_keys_or_signatures"},
                                status_code=400)
        host = request.url.netloc
        if claims.get("iss") != self.integration_key or claims.get("aud") != host:
            return JSONResponse({"error": "invalid_grant", "error_description": "issuer_not_found"}, status_code=400)
        if claims.get("sub") != self.user_id:
            return JSONResponse({"error": "invalid_grant", "error_description": "user_not_found"}, status_code=400)
        if not self.consented:
            return JSONResponse({"error": "consent_required"}, status_code=400)
        return JSONResponse(self._issue(refresh=False, scope=str(claims.get("scope") or "")))

    async def userinfo(self, request: Request) -> Response:
        """§2.6: the user and their accounts; ``base_uri`` is this fake."""
        with self.lock:
            self.userinfo_calls += 1
            if not self.authorized(request):
                return JSONResponse({"error": "invalid_request"}, status_code=401)
        base = str(request.base_url).rstrip("/")
        return JSONResponse({
            "sub": self.user_id, "name": "Fake Sender", "given_name": "Fake", "family_name": "Sender",
            "created": "2026-01-01T00:00:00.0000000Z", "email": "sender@example.com",
            "accounts": [{"account_id": self.account_id, "is_default": True, "account_name": "Fake Account",
                          "base_uri": base}],
        })

    # --- helpers ----------------------------------------------------------------------------------------
    def _now(self) -> str:
        return stamp(self.clock())

    def _envelope(self, envelope_id: str) -> FakeEnvelope:
        envelope = self.envelopes.get(envelope_id)
        if envelope is None:
            # fake-only: the HTTP status for ENVELOPE_DOES_NOT_EXIST is not documented (§9); 404 is D5's "not found".
            raise ApiFailure(404, "ENVELOPE_DOES_NOT_EXIST", MSG_NOT_EXIST)
        return envelope

    @staticmethod
    async def _json(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise invalid("The request body is not valid JSON.", "INVALID_REQUEST_BODY") from None
        if not isinstance(body, dict):
            raise invalid("The request body must be an object.", "INVALID_REQUEST_BODY")
        return body

    def _touch(self, e: FakeEnvelope) -> None:
        e.changed_at = self.clock()

    def _recipient(self, item: Any, default_order: int) -> FakeRecipient:
        if not isinstance(item, dict):
            raise invalid("A recipient must be an object.")
        rid, name, email = str(item.get("recipientId") or ""), str(item.get("name") or ""), str(item.get("email") or "")
        if not rid:
            raise invalid("A recipientId is required.", "INVALID_RECIPIENT_ID")
        if not name:
            raise invalid("A name is required for the recipient.", "INVALID_USERNAME_FOR_RECIPIENT")
        if "@" not in email or len(email) > 100:
            raise invalid("Invalid email address.", "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT")
        order = int(str(item.get("routingOrder") or default_order))
        return FakeRecipient(recipient_id=rid, name=name, email=email, routing_order=order,
                             first_name=item.get("firstName"), last_name=item.get("lastName"),
                             client_user_id=str(item["clientUserId"]) if item.get("clientUserId") else None,
                             tabs=dict(item.get("tabs") or {}))

    @staticmethod
    def _document(item: Any, default_order: int) -> FakeDocument:
        if not isinstance(item, dict) or not item.get("documentId"):
            raise invalid("A documentId is required.", "INVALID_DOCUMENT_ID")
        try:
            content = base64.b64decode(str(item.get("documentBase64") or ""), validate=True)
        except ValueError:
            raise invalid("The document could not be decoded.", "UNABLE_TO_LOAD_DOCUMENT") from None
        extension = str(item.get("fileExtension") or "pdf").lower()
        if extension != "pdf" or not content.startswith(b"%PDF-"):
            # fake-only: the fake converts nothing; §5.1 says non-PDF files are converted.
            raise invalid("Unable to load the document.", "UNABLE_TO_LOAD_DOCUMENT")
        return FakeDocument(document_id=str(item["documentId"]), name=str(item.get("name") or "document"),
                            content=content, order=int(str(item.get("order") or default_order)))

    def _send(self, e: FakeEnvelope) -> None:
        now = self._now()
        e.status, e.sent_at, e.folder = "sent", now, "sentitems"
        e.notify_current(now)
        self._touch(e)

    # --- envelopes --------------------------------------------------------------------------------------
    async def create(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.1."""
        body = await self._json(request)
        status = str(body.get("status") or "created")
        if status not in ("created", "sent"):
            raise invalid("Only 'created' and 'sent' are valid when creating an envelope.", "INVALID_ENVELOPE_STATUS")
        subject = str(body.get("emailSubject") or "")
        if len(subject) > 100:
            raise invalid("The email subject exceeds 100 characters.", "EMAIL_SUBJECT_TOO_LONG")
        documents = [self._document(d, i + 1) for i, d in enumerate(body.get("documents") or [])]
        signers = (body.get("recipients") or {}).get("signers") or []
        recipients = [self._recipient(s, 1) for s in signers]
        if status == "sent" and (not subject or not documents or not recipients):
            raise invalid("An envelope needs a subject, documents and recipients to be sent.",
                          "ENVELOPE_IS_INCOMPLETE")
        envelope = FakeEnvelope(envelope_id=str(uuid.uuid4()), subject=subject, blurb=body.get("emailBlurb"),
                                status="created", created_at=self._now(), changed_at=self.clock(),
                                transaction_id=body.get("transactionId"), documents=documents,
                                recipients=recipients)
        self.envelopes[envelope.envelope_id] = envelope
        if status == "sent":
            self._send(envelope)
        return JSONResponse({"envelopeId": envelope.envelope_id, "uri": f"/envelopes/{envelope.envelope_id}",
                             "statusDateTime": stamp(envelope.changed_at), "status": envelope.status},
                            status_code=201)

    async def get(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.2."""
        include = set(request.query_params.get("include", "").split(","))
        return JSONResponse(envelope_view(self._envelope(ids["envelopeId"]), include=include))

    async def list(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.3 listStatusChanges."""
        q = request.query_params
        if not (q.get("from_date") or q.get("envelope_ids") or q.get("transaction_ids")):
            raise invalid("One of from_date, envelope_ids or transaction_ids is required.")
        items = sorted(self.envelopes.values(), key=lambda e: e.created_at)
        if q.get("transaction_ids"):
            wanted = set(q["transaction_ids"].split(","))
            items = [e for e in items if e.transaction_id in wanted]
        if q.get("envelope_ids"):
            wanted = set(q["envelope_ids"].split(","))
            items = [e for e in items if e.envelope_id in wanted]
        if q.get("from_date"):
            from signport.wire import parse_timestamp

            since = parse_timestamp(q["from_date"])
            if since is None:
                raise invalid("from_date is not a date.")
            items = [e for e in items if e.changed_at >= since.timestamp()]
        if q.get("status") and q["status"] != "any":
            wanted = set(q["status"].lower().split(","))
            items = [e for e in items if e.status in wanted]
        start, count = int(q.get("start_position") or 0), int(q.get("count") or 100)
        page = items[start:start + count]
        end = start + len(page) - 1
        include = set(q.get("include", "").split(","))
        more = end + 1 < len(items)
        following = f"/envelopes?start_position={end + 1}&count={count}" if more else ""
        return JSONResponse({
            "resultSetSize": str(len(page)), "totalSetSize": str(len(items)), "startPosition": str(start),
            "endPosition": str(end), "nextUri": following, "previousUri": "",
            "envelopes": [envelope_view(e, include=include) for e in page],
        })

    async def update(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.5: send, void, subject/message of a draft, resend."""
        e = self._envelope(ids["envelopeId"])
        body = await self._json(request)
        status = body.get("status")
        if status == "sent":
            if e.status != "created":
                raise invalid(MSG_INVALID_STATUS, "ENVELOPE_INVALID_STATUS")
            self._send(e)
        elif status == "voided":
            if e.status not in LIVE:
                raise invalid(MSG_CANNOT_VOID, "ENVELOPE_CANNOT_VOID_INVALID_STATE")
            if not body.get("voidedReason"):
                # fake-only: whether the reason is required is not documented (§5.5).
                raise invalid("A void reason is required.", "INVALID_REQUEST_PARAMETER")
            e.status, e.voided_at, e.voided_reason = "voided", self._now(), str(body["voidedReason"])
            self._touch(e)
        if "emailSubject" in body or "emailBlurb" in body:
            if e.status != "created":
                raise invalid(MSG_INVALID_STATUS, "ENVELOPE_INVALID_STATUS")
            if len(str(body.get("emailSubject") or "")) > 100:
                raise invalid("The email subject exceeds 100 characters.", "EMAIL_SUBJECT_TOO_LONG")
            e.subject = str(body.get("emailSubject", e.subject))
            e.blurb = body.get("emailBlurb", e.blurb)
            self._touch(e)
        return JSONResponse({"envelopeId": e.envelope_id})

    async def recipients_update(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.6: add to a draft, correct a live envelope; 200 with per-item errors."""
        e = self._envelope(ids["envelopeId"])
        if e.status not in ("created", *LIVE):
            raise invalid(MSG_INVALID_STATUS, "ENVELOPE_INVALID_STATUS")
        body = await self._json(request)
        results = []
        for item in body.get("signers") or []:
            rid = str((item or {}).get("recipientId") or "")
            current = e.recipient(rid)
            if current is None:
                if e.status != "created":
                    raise invalid("Unknown recipient.", "INVALID_RECIPIENT_ID")
                e.recipients.append(self._recipient(item, 1))
            elif current.status in ("signed", "completed", "declined"):
                results.append({"recipientId": rid, "errorDetails": {"errorCode": "RECIPIENT_UPDATE_FAILED",
                                                                     "message": MSG_UPDATE_FAILED}})
                continue
            else:
                if "email" in item:
                    if "@" not in str(item["email"]):
                        raise invalid("Invalid email address.", "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT")
                    current.email = str(item["email"])
                    if e.status in LIVE and current.status in LIVE:
                        current.sent_at = self._now()  # the correction mail goes out
                current.name = str(item.get("name") or current.name)
            results.append({"recipientId": rid, "errorDetails": {"errorCode": "SUCCESS", "message": ""}})
        self._touch(e)
        return JSONResponse({"recipientUpdateResults": results})

    async def recipients_delete(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.6."""
        e = self._envelope(ids["envelopeId"])
        body = await self._json(request)
        gone = {str((s or {}).get("recipientId")) for s in body.get("signers") or []}
        for rid in gone:
            r = e.recipient(rid)
            if r is None:
                raise invalid("Unknown recipient.", "INVALID_RECIPIENT_ID")
            if r.status in ("signed", "completed"):
                raise invalid("A recipient who completed cannot be deleted.", "RECIPIENT_UPDATE_FAILED")
        e.recipients = [r for r in e.recipients if r.recipient_id not in gone]
        self._touch(e)
        return JSONResponse(recipients_view(e))

    async def tabs_add(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.6."""
        e = self._envelope(ids["envelopeId"])
        r = e.recipient(ids["recipientId"])
        if r is None:
            raise invalid("Unknown recipient.", "INVALID_RECIPIENT_ID")
        body = await self._json(request)
        for kind, tabs in body.items():
            r.tabs.setdefault(kind, []).extend(tabs if isinstance(tabs, list) else [])
        return JSONResponse(r.tabs, status_code=201)

    async def documents_update(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.8: add or replace draft documents."""
        e = self._envelope(ids["envelopeId"])
        if e.status != "created":
            raise invalid(MSG_INVALID_STATUS, "ENVELOPE_INVALID_STATUS")
        body = await self._json(request)
        for i, item in enumerate(body.get("documents") or []):
            doc = self._document(item, len(e.documents) + i + 1)
            e.documents = [d for d in e.documents if d.document_id != doc.document_id] + [doc]
        self._touch(e)
        return JSONResponse({"envelopeId": e.envelope_id, "envelopeDocuments": [
            {"documentId": d.document_id, "name": d.name, "errorDetails": {"errorCode": "SUCCESS", "message": ""}}
            for d in e.documents]})

    async def documents_delete(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.8."""
        e = self._envelope(ids["envelopeId"])
        if e.status != "created":
            raise invalid(MSG_INVALID_STATUS, "ENVELOPE_INVALID_STATUS")
        body = await self._json(request)
        gone = {str((d or {}).get("documentId")) for d in body.get("documents") or []}
        e.documents = [d for d in e.documents if d.document_id not in gone]
        self._touch(e)
        return JSONResponse({"envelopeId": e.envelope_id, "envelopeDocuments": []})

    async def document(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.7: a real id (its current state), ``combined`` or ``certificate``."""
        e = self._envelope(ids["envelopeId"])
        doc_id = ids["documentId"]
        if doc_id == "combined":
            content = combined_pdf(e, request.query_params.get("certificate", "true") != "false")
            name = "Combined.pdf"
        elif doc_id == "certificate":
            content, name = certificate_pdf(e), "Summary.pdf"
        else:
            doc = next((d for d in e.documents if d.document_id == doc_id), None)
            if doc is None:
                raise ApiFailure(404, "DOCUMENT_DOES_NOT_EXIST", "The document specified was not found.")
            content, name = current_pdf(e, doc), doc.name
        quoted = name.replace('"', "")
        return Response(content, media_type="application/pdf", headers={
            "Content-Disposition": f'file; filename="{quoted}"; documentid="{doc_id}"'})

    async def recipient_view(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.10: embedded signers of a sent envelope only; the URL is single-use."""
        e = self._envelope(ids["envelopeId"])
        if e.status not in LIVE:
            raise invalid(MSG_INVALID_STATUS, "ENVELOPE_INVALID_STATUS")
        body = await self._json(request)
        if not body.get("returnUrl") or not body.get("authenticationMethod"):
            raise invalid("returnUrl and authenticationMethod are required.")
        client_user_id = str(body.get("clientUserId") or "")
        match = next((r for r in e.recipients if r.client_user_id and r.client_user_id == client_user_id
                      and r.email == body.get("email") and r.name == body.get("userName")), None)
        if match is None:
            raise invalid("The recipient you have identified is not a valid recipient of the specified envelope.",
                          "UNKNOWN_ENVELOPE_RECIPIENT")
        base = str(request.base_url).rstrip("/")
        return JSONResponse({"url": f"{base}/Signing/StartInSession.aspx?t={uuid.uuid4().hex}"}, status_code=201)

    async def folder(self, request: Request, ids: dict[str, str]) -> Response:
        """§5.9: moving to the recycle bin voids an in-process envelope."""
        body = await self._json(request)
        target = ids["folderId"]
        for envelope_id in body.get("envelopeIds") or []:
            e = self._envelope(str(envelope_id))
            if target == "recyclebin" and e.status in LIVE:
                e.status, e.voided_at, e.voided_reason = "voided", self._now(), "Deleted"
            e.folder = target
            self._touch(e)
        # fake-only: the answer's shape is not documented (§5.9).
        return JSONResponse({})

    # --- control ------------------------------------------------------------------------------------------
    async def control(self, request: Request) -> Response:
        body = await self._json(request) if request.method == "POST" else {}
        with self.lock:
            try:
                result = self._control(request.path_params, body)
            except LookupError as exc:
                return JSONResponse({"error": str(exc)}, status_code=404)
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse(result)

    def _control(self, params: dict[str, Any], body: dict[str, Any]) -> Any:
        action = params["action"]
        if action == "expire-tokens":
            self.issued = {t: 0.0 for t in self.issued}
            return {"expired": len(self.issued)}
        e = self.envelopes.get(params.get("eid", ""))
        if e is None:
            raise LookupError("no such envelope")
        if action == "webhook":
            return self.connect_message(e, str(body.get("event") or f"envelope-{e.status}"),
                                        body.get("recipientId"))
        r = e.recipient(params.get("rid", ""))
        if r is None:
            raise LookupError("no such recipient")
        if e.status not in LIVE:
            raise ValueError(f"the envelope is {e.status}")
        if r.status not in LIVE:
            raise ValueError(f"the recipient is {r.status}")
        if r.routing_order != e.current_order():
            raise ValueError("it is not this recipient's turn (routing order)")
        now = self._now()
        if action == "view":
            r.status, r.delivered_at = "delivered", now
            if all(x.status in ("delivered", "completed") for x in e.recipients):
                e.status = "delivered"
        elif action == "sign":
            r.status, r.signed_at = "completed", now
            r.delivered_at = r.delivered_at or now
            e.notify_current(now)
            if all(x.status == "completed" for x in e.recipients):
                e.status, e.completed_at, e.folder = "completed", now, "inbox"
        elif action == "decline":
            r.status, r.declined_at = "declined", now
            r.declined_reason = str(body.get("reason") or "")
            e.status, e.declined_at = "declined", now
        else:
            raise LookupError(f"unknown action {action}")
        self._touch(e)
        return {"status": e.status}

    def connect_message(self, e: FakeEnvelope, event: str, recipient_id: Any = None) -> dict[str, Any]:
        """A JSON SIM message (§8.2) and its headers, one ``X-DocuSign-Signature-N`` per key (§8.3)."""
        data: dict[str, Any] = {"accountId": self.account_id, "userId": self.user_id, "envelopeId": e.envelope_id,
                                "envelopeSummary": envelope_view(e, include={"recipients", "documents"})}
        if recipient_id:
            data["recipientId"] = str(recipient_id)
        message = {"event": event, "apiVersion": "v2.1", "uri": f"/restapi/v2.1/accounts/{self.account_id}"
                   f"/envelopes/{e.envelope_id}", "retryCount": 0, "configurationId": 10001,
                   "generatedDateTime": self._now(), "data": data}
        raw = json.dumps(message, indent=2).encode()
        headers = {"Content-Type": "application/json", "X-DocuSign-AccountId": self.account_id}
        for n, key in enumerate(self.hmac_keys, start=1):
            digest = hmac.new(key.encode(), raw, hashlib.sha256).digest()
            headers[f"X-DocuSign-Signature-{n}"] = base64.b64encode(digest).decode()
        return {"headers": headers, "body": raw.decode()}

    # --- dispatch -----------------------------------------------------------------------------------------
    def _limits(self) -> dict[str, str]:
        self.used += 1
        now = self.clock()
        reset = int(now // 3600 + 1) * 3600
        return {"X-RateLimit-Limit": str(HOURLY_LIMIT), "X-RateLimit-Remaining": str(max(0, HOURLY_LIMIT - self.used)),
                "X-RateLimit-Reset": str(reset), "X-BurstLimit-Limit": str(BURST_LIMIT),
                "X-BurstLimit-Remaining": str(BURST_LIMIT - 1)}

    def endpoint(self, handlers: dict[str, Callable[[Request, dict[str, str]], Awaitable[Response]]]) -> Handler:
        async def dispatch(request: Request) -> Response:
            handler = handlers.get(request.method)
            if handler is None:
                return Response(status_code=405)
            await request.body()
            with self.lock:
                self.api_requests.append((request.method, request.url.path))
                headers = self._limits()
                if not self.authorized(request):
                    response: Response = _failure(ApiFailure(401, "AUTHORIZATION_INVALID_TOKEN",
                                                             "The access token provided is expired, revoked or "
                                                             "malformed."))
                elif request.path_params.get("accountId") != self.account_id:
                    response = _failure(ApiFailure(400, "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT",
                                                   "The specified User is not a member of the specified Account."))
                else:
                    try:
                        response = await handler(request, dict(request.path_params))
                    except ApiFailure as failure:
                        response = _failure(failure)
            response.headers.update(headers)
            return response
        return dispatch


def _failure(failure: ApiFailure) -> Response:
    return JSONResponse({"errorCode": failure.code, "message": failure.message}, status_code=failure.status)


HANDLERS = {"create": "create", "envelope": "get", "list": "list", "update": "update",
            "recipients_update": "recipients_update", "recipients_delete": "recipients_delete",
            "tabs_add": "tabs_add", "documents_update": "documents_update", "documents_delete": "documents_delete",
            "document": "document", "recipient_view": "recipient_view", "folder": "folder"}


def create_app(**options: Any) -> Starlette:
    """The fake as a Starlette app; ``app.state.fake`` is the ``FakeDocuSign`` (options go to it)."""
    fake = FakeDocuSign(**options)
    by_path: dict[str, dict[str, Callable[[Request, dict[str, str]], Awaitable[Response]]]] = {}
    for name, route in ROUTES.items():
        by_path.setdefault(REST_PREFIX + route.path, {})[route.method] = getattr(fake, HANDLERS[name])
    paths = sorted(by_path, key=lambda p: (p.count("{"), -len(p)))
    routes = [Route(path, fake.endpoint(by_path[path]), methods=sorted(by_path[path])) for path in paths]
    routes += [
        Route(AUTHORIZE_PATH, fake.authorize, methods=["GET"]),
        Route(TOKEN_PATH, fake.token, methods=["POST"]),
        Route(USERINFO_PATH, fake.userinfo, methods=["GET"]),
        Route("/_control/{action:str}", fake.control, methods=["POST"]),
        Route("/_control/envelopes/{eid}/{action:str}", fake.control, methods=["POST"]),
        Route("/_control/envelopes/{eid}/recipients/{rid}/{action:str}", fake.control, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.fake = fake
    return app
