"""A faithful fake of the iinked Sign packages API (Starlette), for tests and for recording cassettes.

It implements the endpoints signport uses with the rules the reference documents
(docs/vendors/iinked.md): the ``api_key`` header (or a Bearer token), case-sensitive type
constants (``package_invalid_type``), ``package_add_no_documents``/``no_signers`` for ``open``, the
state rules of §5.3/§5.4/§5.8, sequential signing, ``generateSignerLinks``, ``skip``/``take``, and
response shapes key for key like the documented examples (a test compares them).

Where the reference is silent the fake makes a choice and says so (``FAKE CHOICE``); those
choices are not vendor facts. Error codes that §8 does not list (``signer_not_found``,
``file_invalid_pdf``, ``package_invalid_state``...) follow its ``{type}_{kind}_{detail}`` patterns.

Control endpoints outside the vendor's paths let tests act as a
signer or as the clock:

* ``POST /_control/packages/{id}/sign/{signerId}``
* ``POST /_control/packages/{id}/decline/{signerId}``  body ``{"reason": "..."}``
* ``POST /_control/packages/{id}/expire``
* ``POST /_control/packages/{id}/webhook``  body ``{"action": "...", "documentId"?, "signerId"?}``
  -> ``{"headers": {...}, "body": "<the delivery's JSON text>"}``

For benchmarks only, ``create_app(auto_complete=True)`` makes every signer sign as a package opens,
so a package sent through the API is already executed when read (its executed PDFs download without
control calls). Off by default: the fake then waits for signers like the vendor.

The vendor paths live under ``/api/v1`` like the real hosts: point ``base_url`` at ``<url>/api/v1``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from python_multipart.multipart import MultipartParser
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from signport.multipart import content_disposition, disposition_filename, disposition_params
from signport.wire import parse_timestamp

API_PREFIX = "/api/v1"
#: §4.1, exact and case-sensitive.
PACKAGE_TYPES = frozenset({"concurrent", "Sequential", "Counterpart", "video_closing_room", "Live Session"})
ADD_STATES = frozenset({"draft", "open", "add", "select"})
SENDABLE = frozenset({"draft", "select", "add"})
TERMINAL = frozenset({"executed", "rescinded", "expired"})
#: FAKE CHOICE: the add default state is not documented (§4.2); a draft notifies nobody.
DEFAULT_ADD_STATE = "draft"
#: FAKE CHOICE: the list take default and maximum are not documented (§5.7).
DEFAULT_TAKE, MAX_TAKE = 50, 100
#: FAKE CHOICE: link lifetime is only "timeExpires" (§5.10).
LINK_LIFETIME = timedelta(days=30)
CHUNK = 16 * 1024
#: The fake signs webhook deliveries with this unless told otherwise (not a real credential).
FAKE_WEBHOOK_SECRET = "fake-webhook-secret"  # noqa: S105


class VendorError(Exception):
    """An error answered with the §8 body ``{"error": code, "message": ...}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


def not_found(kind: str = "Package") -> VendorError:
    """The documented 404 (example ``error-404.response.json``)."""
    return VendorError(404, f"{kind.lower()}_not_found",
                       f"The {kind} was not found or you do not have permission to access the {kind}.")


def invalid_state(state: str, action: str) -> VendorError:
    """FAKE CHOICE: the code for a forbidden transition is not in the readable reference."""
    return VendorError(400, "package_invalid_state", f"The Package cannot be {action} in the '{state}' state.")


def stamp(when: datetime | None) -> str | None:
    """ISO 8601 UTC with 7 fractional digits, like the vendor's .NET timestamps (§3)."""
    if when is None:
        return None
    when = when.astimezone(UTC)
    return f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond:06d}0Z"


def new_id() -> str:
    """A lowercase UUID string (§3)."""
    return str(uuid.uuid4())


def new_token() -> str:
    """A link token like ``BKhD5EA0Dw6o0fv7-p3wnw`` (16 random bytes, URL-safe base64)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")


# --- state --------------------------------------------------------------------------------------
@dataclass
class FakeFile:
    file_id: str
    file_name: str
    content: bytes
    external_id: str | None
    time_created: datetime
    attached: bool = False


@dataclass
class FakeRevision:
    revision_id: str
    document_id: str
    signer_id: str
    token: str
    is_signed: bool = False
    time_signed: datetime | None = None


@dataclass
class FakeDocument:
    document_id: str
    file_id: str | None
    external_id: str | None
    file_name: str
    content: bytes
    index: int
    time_uploaded: datetime
    revisions: list[FakeRevision] = field(default_factory=list)
    executed_pdf: bytes | None = None

    @property
    def name(self) -> str:
        return self.file_name.rsplit(".", 1)[0] if "." in self.file_name else self.file_name


@dataclass
class FakeSigner:
    signer_id: str
    first_name: str
    last_name: str
    email: str | None
    mobile: str | None
    index: int
    locale: str | None
    role: str
    time_created: datetime
    time_updated: datetime
    sign_token: str = field(default_factory=new_token)
    time_declined: datetime | None = None
    decline_reason: str | None = None


@dataclass
class FakePackage:
    package_id: str
    name: str
    type: str
    state: str
    time_created: datetime
    time_last_modified: datetime
    time_sign_by: datetime | None = None
    message: str | None = None
    description: str | None = None
    category: str | None = None
    external_data: Any = None
    documents: list[FakeDocument] = field(default_factory=list)
    signers: list[FakeSigner] = field(default_factory=list)
    generate_links: bool = False
    time_rescinded: datetime | None = None
    rescind_message: str | None = None
    time_deleted: datetime | None = None
    time_executed: datetime | None = None
    serial: int = 0


class FakeIinked:
    """The fake's in-memory state and rules (one per app)."""

    def __init__(self, *, api_keys: Collection[str] | None, access_tokens: Collection[str] | None,
                 webhook_secret: str, link_host: str, clock: Callable[[], datetime],
                 auto_complete: bool = False) -> None:
        self.auto_complete = auto_complete
        self.api_keys = frozenset(api_keys) if api_keys is not None else None
        self.access_tokens = frozenset(access_tokens) if access_tokens is not None else None
        self.webhook_secret = webhook_secret
        self.link_host = link_host.rstrip("/")
        self.clock = clock
        self.organization_id = new_id()
        self.member_id = new_id()
        self.files: dict[str, FakeFile] = {}
        self.packages: dict[str, FakePackage] = {}
        self._serial = 0

    # --- helpers ------------------------------------------------------------------------------
    def authorize(self, request: Request) -> None:
        """§2: ``api_key`` header or ``Authorization: Bearer``; otherwise 403 (§8: no 401 is listed)."""
        key = request.headers.get("api_key")
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        ok = False
        if key:
            ok = self.api_keys is None or key in self.api_keys
        elif token:
            ok = self.access_tokens is None or token in self.access_tokens
        if not ok:
            # FAKE CHOICE: the status and code for a missing or bad key are not documented (§2).
            raise VendorError(403, "api_key_not_authorized",
                              "The user or API Key does not have permission to perform this action.")

    def package(self, package_id: Any) -> FakePackage:
        pkg = self.packages.get(package_id) if isinstance(package_id, str) else None
        if pkg is None or pkg.time_deleted is not None:
            raise not_found()
        self.tick(pkg)
        return pkg

    def tick(self, pkg: FakePackage) -> None:
        """§4.2: an open package whose ``timeSignBy`` passed is ``expired``."""
        if pkg.state == "open" and pkg.time_sign_by is not None and self.clock() >= pkg.time_sign_by:
            pkg.state = "expired"
            pkg.time_last_modified = self.clock()

    def link(self, token: str) -> str:
        return f"{self.link_host}/link/{token}"

    def link_expires(self) -> datetime:
        return self.clock() + LINK_LIFETIME

    def touch(self, pkg: FakePackage) -> None:
        pkg.time_last_modified = self.clock()

    # --- signing rules --------------------------------------------------------------------------
    @staticmethod
    def signer_done(pkg: FakePackage, signer: FakeSigner) -> bool:
        revs = [r for d in pkg.documents for r in d.revisions if r.signer_id == signer.signer_id]
        return bool(revs) and all(r.is_signed for r in revs)

    def next_signers(self, pkg: FakePackage) -> set[str]:
        """Who may sign now: every unsigned signer, or for ``Sequential`` the first one in order (§4.1).

        FAKE CHOICE: after a decline nobody may sign (the effect of a decline is not documented, §5.6).
        """
        if pkg.state != "open" or any(s.time_declined for s in pkg.signers):
            return set()
        waiting = [s for s in sorted(pkg.signers, key=lambda s: s.index) if not self.signer_done(pkg, s)]
        if pkg.type == "Sequential":
            return {waiting[0].signer_id} if waiting else set()
        return {s.signer_id for s in waiting}

    def sync_revisions(self, pkg: FakePackage) -> None:
        """One revision per signer per document (§5.5)."""
        ids = {s.signer_id for s in pkg.signers}
        for doc in pkg.documents:
            doc.revisions = [r for r in doc.revisions if r.signer_id in ids]
            have = {r.signer_id for r in doc.revisions}
            for signer in pkg.signers:
                if signer.signer_id not in have:
                    doc.revisions.append(FakeRevision(new_id(), doc.document_id, signer.signer_id, new_token()))

    def open_package(self, pkg: FakePackage, codes: str = "add") -> None:
        if not pkg.documents:
            raise VendorError(400, f"package_{codes}_no_documents", "The Package requires at least one document.")
        if not pkg.signers:
            raise VendorError(400, f"package_{codes}_no_signers", "The Package requires at least one signer.")
        pkg.state = "open"
        self.touch(pkg)
        if self.auto_complete:
            self.sign_all(pkg)

    def sign_all(self, pkg: FakePackage) -> None:
        """Every signer signs now (``auto_complete``, for benchmarks): the package is executed."""
        now = self.clock()
        for doc in pkg.documents:
            for rev in doc.revisions:
                rev.is_signed, rev.time_signed = True, now
        pkg.state, pkg.time_executed = "executed", now

    # --- request bodies --------------------------------------------------------------------------
    def make_signer(self, data: Mapping[str, Any], index: int) -> FakeSigner:
        first, last = _text(data, "firstName"), _text(data, "lastName")
        if not first or not last:
            raise VendorError(400, "signer_length_name", "Signer 'firstName' and 'lastName' are required.")
        email, mobile = _text(data, "email"), _text(data, "mobileNumber")
        if not email and not mobile:
            raise VendorError(400, "signer_invalid_contact", "Signer 'email' or 'mobileNumber' is required.")
        now = self.clock()
        return FakeSigner(new_id(), first, last, email, mobile, index, _text(data, "locale"),
                          _text(data, "role") or "signer", now, now)

    def make_document(self, data: Mapping[str, Any], index: int) -> FakeDocument:
        """§5.3: exactly one of fileBase64, fileUrl, fileId."""
        sources = [k for k in ("fileBase64", "fileUrl", "fileId") if data.get(k)]
        if len(sources) != 1:
            raise VendorError(400, "document_invalid_source",
                              "Exactly one of 'fileBase64', 'fileUrl' or 'fileId' is required.")
        now = self.clock()
        if sources[0] == "fileId":
            upload = self.files.get(str(data["fileId"]))
            if upload is None or upload.attached:
                raise not_found("File")
            upload.attached = True
            return FakeDocument(new_id(), upload.file_id, upload.external_id,
                                _text(data, "fileName") or upload.file_name, upload.content, index, now)
        if sources[0] == "fileUrl":
            # FAKE CHOICE: the fake fetches nothing from the network.
            raise VendorError(400, "document_feature_fileUrl", "The fake does not fetch 'fileUrl' documents.")
        try:
            content = base64.b64decode(str(data["fileBase64"]), validate=True)
        except (binascii.Error, ValueError):
            raise VendorError(400, "document_invalid_fileBase64", "'fileBase64' is not valid base64.") from None
        check_pdf(content)
        return FakeDocument(new_id(), None, None, _text(data, "fileName") or "document.pdf", content, index, now)

    # --- JSON shapes (key order as in the documented examples) ------------------------------------
    def status_json(self, pkg: FakePackage) -> dict[str, Any]:
        """§5.5, like ``packages-status.response.json`` (with links) or its placeholder (without)."""
        nexts = self.next_signers(pkg)
        links = pkg.generate_links
        docs = []
        for doc in sorted(pkg.documents, key=lambda d: d.index):
            docs.append({
                "packageId": pkg.package_id, "documentId": doc.document_id, "fileId": doc.file_id,
                "externalId": doc.external_id, "name": doc.name, "fileName": doc.file_name,
                "order": doc.index, "isExecuted": all(r.is_signed for r in doc.revisions) and bool(doc.revisions),
                "revisions": [{
                    "packageId": pkg.package_id, "documentId": doc.document_id, "revisionId": r.revision_id,
                    "signerId": r.signer_id, "link": self.link(r.token) if links else None,
                    "isNext": r.signer_id in nexts and not r.is_signed, "isSigned": r.is_signed,
                } for r in doc.revisions],
            })
        signers = []
        expires = stamp(self.link_expires())
        for s in sorted(pkg.signers, key=lambda s: s.index):
            row: dict[str, Any] = {
                "signerId": s.signer_id, "firstName": s.first_name, "lastName": s.last_name, "email": s.email,
                "mobileNumber": s.mobile or "", "order": s.index, "links": [],
            }
            if links:
                for doc in sorted(pkg.documents, key=lambda d: d.index):
                    for r in doc.revisions:
                        if r.signer_id == s.signer_id:
                            row["links"].append({
                                "name": doc.name, "link": self.link(r.token), "type": "document",
                                "token": r.token, "timeExpires": expires, "packageId": pkg.package_id,
                                "documentId": doc.document_id, "revisionId": r.revision_id,
                                "isNext": s.signer_id in nexts and not r.is_signed, "isSigned": r.is_signed,
                            })
                # §12.5: an object here (status), a string in the package (sign-links guide).
                row["signLink"] = {"name": pkg.name, "link": self.link(s.sign_token), "type": "package_sign",
                                   "token": s.sign_token, "timeExpires": expires, "packageId": pkg.package_id}
                row["meetingLink"] = None
            signers.append(row)
        return {
            "packageId": pkg.package_id, "organizationId": self.organization_id, "memberId": self.member_id,
            "name": pkg.name, "timeSignBy": stamp(pkg.time_sign_by), "type": pkg.type, "state": pkg.state,
            "externalData": pkg.external_data, "isExecuted": pkg.state == "executed",
            "documents": docs, "signers": signers,
        }

    def package_json(self, pkg: FakePackage) -> dict[str, Any]:
        """§5.6, every key of the Package placeholder (seed 004). Undocumented enums are ``null``."""
        nexts = self.next_signers(pkg)
        signed = sum(r.is_signed for d in pkg.documents for r in d.revisions)
        count = sum(len(d.revisions) for d in pkg.documents)
        documents = []
        by_id = {s.signer_id: s for s in pkg.signers}
        for doc in sorted(pkg.documents, key=lambda d: d.index):
            documents.append({
                "documentId": doc.document_id, "packageId": pkg.package_id, "fileId": doc.file_id,
                "autoTemplateId": None, "autoTemplateDocumentId": None, "externalId": doc.external_id,
                "index": doc.index, "name": doc.name, "fileName": doc.file_name, "fileType": "pdf",
                "fileSize": len(doc.content), "numberPages": _pages(doc.content),
                "timeUploaded": stamp(doc.time_uploaded), "timeLastModified": stamp(pkg.time_last_modified),
                "revisionsSigned": sum(r.is_signed for r in doc.revisions), "revisionsCount": len(doc.revisions),
                "description": None, "cac": False, "cacPages": 0, "state": None,
                "revisions": [{
                    "documentId": doc.document_id, "revisionId": r.revision_id, "revisionNumber": 1,
                    "revisionBeforeId": None, "timeLastOpened": None, "signerId": r.signer_id,
                    "isSigned": r.is_signed, "timeSigned": stamp(r.time_signed), "address": None,
                    "latitude": None, "longitude": None, "state": None,
                } for r in doc.revisions],
                "signers": [{
                    "signerId": r.signer_id, "signerKey": None,
                    "name": f"{by_id[r.signer_id].first_name} {by_id[r.signer_id].last_name}",
                    "initials": by_id[r.signer_id].first_name[:1] + by_id[r.signer_id].last_name[:1],
                    "email": by_id[r.signer_id].email, "mobileNumber": by_id[r.signer_id].mobile,
                    "hasSigned": r.is_signed, "isNext": r.signer_id in nexts and not r.is_signed,
                    "templateRole": None,
                } for r in doc.revisions if r.signer_id in by_id],
            })
        signers = []
        for s in sorted(pkg.signers, key=lambda s: s.index):
            revs = [r for d in pkg.documents for r in d.revisions if r.signer_id == s.signer_id]
            row: dict[str, Any] = {
                "signerId": s.signer_id, "packageId": pkg.package_id, "memberId": None, "signerTag": None,
                "timeCreated": stamp(s.time_created), "timeDeclined": stamp(s.time_declined),
                "timeUpdated": stamp(s.time_updated), "index": s.index, "locale": s.locale, "signCac": False,
                "verify": False, "firstName": s.first_name, "lastName": s.last_name, "email": s.email,
                "mobileNumberCountryCode": None, "mobileNumberOriginal": s.mobile, "mobileNumber": s.mobile,
                "declineMessage": s.decline_reason, "declineReason": s.decline_reason,
                "next": s.signer_id in nexts, "revisionsSigned": sum(r.is_signed for r in revs),
                "revisionsCount": len(revs), "role": s.role, "type": None, "state": None, "verification": None,
            }
            if pkg.generate_links:
                row["signLink"] = self.link(s.sign_token)
                row["meetingLink"] = None
            signers.append(row)
        return {
            "packageId": pkg.package_id, "organizationId": self.organization_id, "memberId": self.member_id,
            "teamId": None, "folderId": None, "shared": False, "meetingId": None, "templateId": None,
            "formId": None, "keyId": None, "name": pkg.name, "category": pkg.category, "clientNumber": None,
            "matterNumber": None, "description": pkg.description, "message": pkg.message,
            "rescindMessage": pkg.rescind_message, "reminderMessage": None,
            "timeCreated": stamp(pkg.time_created), "timeReminder": None, "timeRetention": None,
            "timeRescinded": stamp(pkg.time_rescinded), "timeDeleted": stamp(pkg.time_deleted),
            "timeSignBy": stamp(pkg.time_sign_by), "timeLastModified": stamp(pkg.time_last_modified),
            "options": {}, "hasSecurityPassphrase": False, "locale": "en", "timeZone": "UTC",
            "format": {"locale": "en-US"}, "revisionsSigned": signed, "revisionsCount": count,
            "restrictedType": None, "api": True, "type": pkg.type, "state": pkg.state,
            "externalData": pkg.external_data, "version": "4.0", "meeting": None,
            "documents": documents, "signers": signers, "recipients": [], "verifications": [],
        }

    def list_item_json(self, pkg: FakePackage) -> dict[str, Any]:
        """§5.7 item."""
        nexts = self.next_signers(pkg)
        return {
            "packageId": pkg.package_id, "organizationId": self.organization_id, "memberId": self.member_id,
            "teamId": None, "folderId": None, "shared": False, "timeCreated": stamp(pkg.time_created),
            "timeLastModified": stamp(pkg.time_last_modified), "timeSignBy": stamp(pkg.time_sign_by),
            "name": pkg.name, "category": pkg.category, "clientNumber": None, "matterNumber": None,
            "description": pkg.description, "type": pkg.type, "state": pkg.state,
            "externalData": pkg.external_data,
            "documents": [{
                "documentId": d.document_id, "externalId": d.external_id, "index": d.index, "name": d.name,
                "fileName": d.file_name, "isExecuted": bool(d.revisions) and all(r.is_signed for r in d.revisions),
                "timeExecuted": stamp(_latest(r.time_signed for r in d.revisions))
                if d.revisions and all(r.is_signed for r in d.revisions) else None,
            } for d in sorted(pkg.documents, key=lambda d: d.index)],
            "signers": [{
                "signerId": s.signer_id, "index": s.index, "firstName": s.first_name, "lastName": s.last_name,
                "email": s.email, "role": s.role, "type": None, "verify": False, "isVerified": False,
                "isNext": s.signer_id in nexts, "isExecuted": self.signer_done(pkg, s),
                "timeExecuted": stamp(_latest(r.time_signed for d in pkg.documents for r in d.revisions
                                              if r.signer_id == s.signer_id))
                if self.signer_done(pkg, s) else None,
            } for s in sorted(pkg.signers, key=lambda s: s.index)],
            "recipients": [],
            "isExecuted": pkg.state == "executed", "timeExecuted": stamp(pkg.time_executed),
        }

    def link_json(self, pkg: FakePackage, token: str) -> dict[str, Any]:
        """§5.10, like ``links-sign.response.placeholder.json``."""
        return {"packageId": pkg.package_id, "name": pkg.name, "link": self.link(token),
                "type": "package_sign", "token": token, "timeExpires": stamp(self.link_expires())}

    def with_package(self, pkg: FakePackage, body: Mapping[str, Any]) -> dict[str, Any]:
        """``{packageId, package}``: the package when asked for, or when links were generated (§3)."""
        wanted = bool(body.get("returnPackage")) or bool(body.get("generateSignerLinks"))
        return {"packageId": pkg.package_id, "package": self.package_json(pkg) if wanted else None}

    # --- webhooks (§7.2) -------------------------------------------------------------------------
    def event(self, pkg: FakePackage, action: str, document_id: str | None = None,
              signer_id: str | None = None) -> dict[str, Any]:
        common = {"eventId": new_id(), "eventOwnerOrganizationId": self.organization_id,
                  "eventOwnerMemberId": self.member_id, "eventTime": stamp(self.clock())}
        if action in ("package_executed", "package_add"):
            return {"action": action, "packageId": pkg.package_id, "externalData": pkg.external_data, **common}
        docs = sorted(pkg.documents, key=lambda d: d.index)
        doc = next((d for d in docs if d.document_id == document_id), docs[0] if docs else None)
        if action == "document_signed":
            signed = [r for r in (doc.revisions if doc else []) if r.is_signed]
            signed.sort(key=lambda r: r.time_signed or datetime.min.replace(tzinfo=UTC))
            rev = next((r for r in signed if r.signer_id == signer_id), signed[-1] if signed else None)
            nexts = sorted(self.next_signers(pkg))
            return {"packageId": pkg.package_id, "documentId": doc.document_id if doc else None,
                    "revisionId": rev.revision_id if rev else None,
                    "signerId": rev.signer_id if rev else signer_id,
                    "nextSignerId": nexts[0] if nexts else None,
                    "externalId": doc.external_id if doc else None, "action": action, **common}
        # document_executed: the documented payload is cut off after documentId (§7.2).
        return {"action": action, "packageId": pkg.package_id, "documentId": doc.document_id if doc else None,
                "externalId": doc.external_id if doc else None, **common}

    def signature(self, body: bytes) -> str:
        """FAKE CHOICE: base64(HMAC-SHA256(secret, body)); the real algorithm is not documented (§7.3)."""
        return base64.b64encode(hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).digest()).decode()


# --- small helpers ------------------------------------------------------------------------------
def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _latest(stamps: Any) -> datetime | None:
    found = [s for s in stamps if s is not None]
    return max(found) if found else None


def _pages(content: bytes) -> int:
    try:
        import pypdf

        return len(pypdf.PdfReader(io.BytesIO(content)).pages)
    except Exception:
        return 0


def check_pdf(content: bytes) -> None:
    """§5.1: raw bytes with a PDF header, else ``PDF Error: PDF header not found.``."""
    if b"%PDF-" not in content[:1024]:
        # FAKE CHOICE: the HTTP status and code of this documented message are not shown (§8).
        raise VendorError(400, "file_invalid_pdf", "PDF Error: PDF header not found.")


def executed_pdf(pkg: FakePackage, doc: FakeDocument) -> bytes:
    """The uploaded PDF plus a signature page naming each signer and when they signed."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=letter)
    page.setFont("Helvetica-Bold", 14)
    page.drawString(72, 720, f"Executed: {pkg.name}")
    page.setFont("Helvetica", 11)
    page.drawString(72, 700, f"Document: {doc.file_name}")
    y = 670
    by_id = {s.signer_id: s for s in pkg.signers}
    for rev in doc.revisions:
        signer = by_id.get(rev.signer_id)
        if signer is not None:
            page.drawString(72, y, f"Signed by {signer.first_name} {signer.last_name} at {stamp(rev.time_signed)}")
            y -= 18
    page.showPage()
    page.save()
    writer = PdfWriter()
    try:
        for original in PdfReader(io.BytesIO(doc.content)).pages:
            writer.add_page(original)
    except Exception:
        writer = PdfWriter()  # an unreadable original: the signature page alone
    for extra in PdfReader(io.BytesIO(buf.getvalue())).pages:
        writer.add_page(extra)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise VendorError(400, "request_invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise VendorError(400, "request_invalid_json", "The request body must be a JSON object.")
    return body


async def _multipart_files(request: Request) -> list[tuple[str | None, str | None, bytes]]:
    """``(filename, content type, bytes)`` per part; ``filename*`` (RFC 5987) understood (§5.1)."""
    ctype = request.headers.get("content-type", "")
    boundary = disposition_params(ctype).get("boundary") if ctype.lower().startswith("multipart/form-data") \
        else None
    if not boundary:
        raise VendorError(400, "file_invalid_request", "A multipart/form-data body is required.")
    parts: list[dict[str, Any]] = []
    header: dict[str, bytearray] = {"field": bytearray(), "value": bytearray()}

    def on_part_begin() -> None:
        parts.append({"headers": {}, "data": bytearray()})

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def on_header_end() -> None:
        parts[-1]["headers"][header["field"].decode("latin-1").lower()] = header["value"].decode("latin-1")
        header["field"], header["value"] = bytearray(), bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1]["data"] += data[start:end]

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end, "on_part_data": on_part_data})
    async for chunk in request.stream():
        parser.write(chunk)
    parser.finalize()
    out = []
    for part in parts:
        disposition = part["headers"].get("content-disposition", "")
        out.append((disposition_filename(disposition), part["headers"].get("content-type"), bytes(part["data"])))
    return out


# --- the app ------------------------------------------------------------------------------------
def create_app(*, api_keys: Collection[str] | None = None, access_tokens: Collection[str] | None = None,
               webhook_secret: str = FAKE_WEBHOOK_SECRET, link_host: str = "https://sandbox.syngrafii.com",
               clock: Callable[[], datetime] | None = None, auto_complete: bool = False) -> Starlette:
    """The fake as a Starlette app. ``api_keys``/``access_tokens`` ``None`` accept any non-empty value;
    ``auto_complete`` (benchmarks only) executes each package as it opens."""
    fake = FakeIinked(api_keys=api_keys, access_tokens=access_tokens, webhook_secret=webhook_secret,
                      link_host=link_host, clock=clock or (lambda: datetime.now(UTC)), auto_complete=auto_complete)

    def vendor(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        """A vendor endpoint: authorized first (§2)."""
        async def endpoint(request: Request) -> Any:
            fake.authorize(request)
            return await handler(request)
        return endpoint

    async def upload(request: Request) -> Any:
        kind = request.query_params.get("type", "temporary")
        if kind != "temporary":
            raise VendorError(400, "file_invalid_type", "File 'type' must be 'temporary'.")
        files = await _multipart_files(request)
        if not files:
            raise VendorError(400, "file_invalid_request", "At least one file is required.")
        out = []
        for filename, _ctype, content in files:
            if not filename:
                # §5.1: the filename must be in the Content-Disposition header.
                raise VendorError(400, "file_invalid_filename",
                                  "The file name is required in the Content-Disposition header.")
            if filename.lower().endswith(".pdf"):
                check_pdf(content)
            upload = FakeFile(new_id(), filename, content, request.query_params.get("externalId"), fake.clock())
            fake.files[upload.file_id] = upload
            out.append({"fileId": upload.file_id, "name": filename, "timeCreated": stamp(upload.time_created),
                        "fileName": filename, "type": "temporary"})
        # §5.1: one object in the only concrete sample; "a list" for several (wrapper undocumented).
        return out[0] if len(out) == 1 else out

    async def add(request: Request) -> Any:
        body = await _json(request)
        name = _text(body, "name")
        if not name:
            raise VendorError(400, "package_length_name", "Package 'name' is required.")
        if body.get("type") not in PACKAGE_TYPES:
            raise VendorError(400, "package_invalid_type", "Valid Package 'type' is required.")
        state = body.get("state") or DEFAULT_ADD_STATE
        if state not in ADD_STATES:
            raise VendorError(400, "package_invalid_state", "Valid Package 'state' is required.")
        if body.get("templateId"):
            raise not_found("Template")
        now = fake.clock()
        fake._serial += 1
        pkg = FakePackage(new_id(), name, str(body["type"]), "draft", now, now, serial=fake._serial,
                          message=_text(body, "message"), description=_text(body, "description"),
                          category=_text(body, "category"),
                          external_data=body.get("externalData") if isinstance(body.get("externalData"), dict)
                          else None, generate_links=bool(body.get("generateSignerLinks")))
        pkg.time_sign_by = _sign_by(body, now)
        pkg.signers = [fake.make_signer(s, i) for i, s in enumerate(_list(body, "signers"))]
        pkg.documents = [fake.make_document(d, i) for i, d in enumerate(_list(body, "documents"))]
        fake.sync_revisions(pkg)
        if state == "open":
            fake.open_package(pkg)
        else:
            pkg.state = state
        fake.packages[pkg.package_id] = pkg
        return fake.with_package(pkg, body)

    async def update(request: Request) -> Any:
        body = await _json(request)
        pkg = fake.package(body.get("packageId"))
        if pkg.state in TERMINAL:
            raise invalid_state(pkg.state, "updated")
        now = fake.clock()
        for key, attr in (("name", "name"), ("message", "message"), ("description", "description"),
                          ("category", "category")):
            if key in body and body[key] is not None:
                if key == "name" and not _text(body, "name"):
                    raise VendorError(400, "package_length_name", "Package 'name' is required.")
                setattr(pkg, attr, body[key])
        if body.get("timeSignBy"):
            pkg.time_sign_by = _sign_by(body, now)
        by_id = {s.signer_id: s for s in pkg.signers}
        for item in _list(body, "deleteSigners"):
            signer = by_id.get(str(item.get("signerId")))
            if signer is None:
                raise not_found("Signer")
            if fake.signer_done(pkg, signer):
                raise VendorError(400, "signer_invalid_state", "A signer who has signed cannot be deleted.")
            pkg.signers.remove(signer)
        for item in _list(body, "updateSigners"):
            signer = by_id.get(str(item.get("signerId")))
            if signer is None or signer not in pkg.signers:
                raise not_found("Signer")
            for key, attr in (("firstName", "first_name"), ("lastName", "last_name"), ("locale", "locale")):
                if _text(item, key):
                    setattr(signer, attr, _text(item, key))
            # §5.3: a new email invalidates every earlier link; a new mobile number the mobile ones.
            if "email" in item and _text(item, "email") != signer.email:
                signer.email = _text(item, "email")
                _new_links(pkg, signer)
            if "mobileNumber" in item and _text(item, "mobileNumber") != signer.mobile:
                signer.mobile = _text(item, "mobileNumber")
                _new_links(pkg, signer)
            signer.time_updated = now
        start = max((s.index for s in pkg.signers), default=-1) + 1
        pkg.signers += [fake.make_signer(s, start + i) for i, s in enumerate(_list(body, "addSigners"))]
        for i, s in enumerate(sorted(pkg.signers, key=lambda s: s.index)):
            s.index = i
        docs_by_id = {d.document_id: d for d in pkg.documents}
        for item in _list(body, "deleteDocuments"):
            doc = docs_by_id.get(str(item.get("documentId")))
            if doc is None or doc not in pkg.documents:
                raise not_found("Document")
            pkg.documents.remove(doc)
        start = max((d.index for d in pkg.documents), default=-1) + 1
        pkg.documents += [fake.make_document(d, start + i)
                          for i, d in enumerate(_list(body, "addDocuments"))]
        for i, d in enumerate(sorted(pkg.documents, key=lambda d: d.index)):
            d.index = i
        fake.sync_revisions(pkg)
        if body.get("generateSignerLinks") is True:
            pkg.generate_links = True
        if pkg.generate_links and body.get("generateSignerLinks") is not False:
            for signer in pkg.signers:  # §5.3: updates regenerate links unless told not to
                _new_links(pkg, signer)
        target = body.get("state")
        if target is None:
            if pkg.state in ("select", "add"):
                pkg.state = "draft"  # §5.3: an update moves select/add to draft
        elif target == "open" and pkg.state in SENDABLE:
            fake.open_package(pkg, "send")
        elif target in ("select", "add") and pkg.state in ("select", "add", "draft") and \
                not (target == "select" and pkg.state != "select"):
            pkg.state = target
        elif target == "draft" and pkg.state in SENDABLE:
            pkg.state = "draft"
        elif target != pkg.state:
            raise invalid_state(pkg.state, f"moved to '{target}'")
        fake.touch(pkg)
        out = fake.with_package(pkg, body)
        if body.get("addSignersToContacts"):
            out["contacts"] = []
        return out

    async def send(request: Request) -> Any:
        body = await _json(request)
        pkg = fake.package(body.get("packageId"))
        if pkg.state not in SENDABLE:  # §5.4
            raise invalid_state(pkg.state, "sent")
        fake.open_package(pkg, "send")
        return {"packageId": pkg.package_id}

    async def status(request: Request) -> Any:
        return fake.status_json(fake.package(request.path_params["packageId"]))

    async def get_package(request: Request) -> Any:
        return fake.package_json(fake.package(request.path_params["packageId"]))

    async def list_packages(request: Request) -> Any:
        body = await _json(request)
        take = min(_count(body, "take", DEFAULT_TAKE, minimum=1), MAX_TAKE)
        skip = _count(body, "skip", 0, minimum=0)
        states, types = body.get("states"), body.get("types")
        executed, search = body.get("isExecuted"), _text(body, "search")
        found = []
        for pkg in fake.packages.values():
            if pkg.time_deleted is not None:
                continue
            fake.tick(pkg)
            if states and pkg.state not in states:
                continue
            if types and pkg.type not in types:
                continue
            if isinstance(executed, bool) and executed != (pkg.state == "executed"):
                continue
            if search and not _matches(pkg, search):
                continue
            found.append(pkg)
        # FAKE CHOICE: newest first (the default sort is not documented, §5.7).
        found.sort(key=lambda p: p.serial, reverse=True)
        page = found[skip: skip + take]
        return {"items": [fake.list_item_json(p) for p in page], "total": len(found), "take": take, "skip": skip}

    async def rescind(request: Request) -> Any:
        body = await _json(request)
        pkg = fake.package(body.get("packageId"))
        if pkg.state != "open":  # §5.8: it must already be sent
            raise invalid_state(pkg.state, "rescinded")
        pkg.state = "rescinded"
        pkg.rescind_message = _text(body, "rescindMessage")
        pkg.time_rescinded = fake.clock()
        fake.touch(pkg)
        return {"packageId": pkg.package_id}

    async def delete(request: Request) -> Any:
        body = await _json(request)
        pkg = fake.package(body.get("packageId"))
        pkg.time_deleted = fake.clock()  # §4.2: no "deleted" state; FAKE CHOICE: it then reads as 404
        return {"packageId": pkg.package_id, "videos": []}

    async def sign_link(request: Request) -> Any:
        pkg = fake.package(request.path_params["packageId"])
        signer = next((s for s in pkg.signers if s.signer_id == request.path_params["signerId"]), None)
        if signer is None:
            raise not_found("Signer")
        if pkg.state != "open":  # FAKE CHOICE: links for unsent or finished packages are not documented
            raise invalid_state(pkg.state, "signed")
        return fake.link_json(pkg, signer.sign_token)

    async def download(request: Request) -> Any:
        pkg = fake.package(request.path_params["packageId"])
        doc = next((d for d in pkg.documents if d.document_id == request.path_params["documentId"]), None)
        if doc is None:
            raise not_found("Document")
        if pkg.state != "executed":  # FAKE CHOICE: behaviour before execution is not documented (§5.13)
            raise VendorError(400, "document_invalid_state", "The Document has not been executed.")
        if doc.executed_pdf is None:
            doc.executed_pdf = executed_pdf(pkg, doc)
        data = doc.executed_pdf

        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(data), CHUNK):
                yield data[i: i + CHUNK]

        # FAKE CHOICE: the download's headers are not documented (§5.13). Header values are Latin-1
        # on the wire, so a name outside printable ASCII goes in filename* (RFC 6266).
        name = f"{doc.name}-executed.pdf"
        disposition = content_disposition(name, None, kind="attachment")
        return StreamingResponse(chunks(), media_type="application/pdf", headers={
            "Content-Length": str(len(data)), "Content-Disposition": disposition})

    # --- control endpoints (not vendor paths) --------------------------------------------------
    async def control_sign(request: Request) -> Any:
        pkg = fake.package(request.path_params["packageId"])
        signer_id = request.path_params["signerId"]
        signer = next((s for s in pkg.signers if s.signer_id == signer_id), None)
        if signer is None:
            raise not_found("Signer")
        if pkg.state != "open":
            raise invalid_state(pkg.state, "signed")
        if signer_id not in fake.next_signers(pkg):
            raise VendorError(400, "signer_not_next", "It is not this signer's turn to sign.")
        now = fake.clock()
        for doc in pkg.documents:
            for rev in doc.revisions:
                if rev.signer_id == signer_id:
                    rev.is_signed, rev.time_signed = True, now
        if all(r.is_signed for d in pkg.documents for r in d.revisions):
            pkg.state, pkg.time_executed = "executed", now
        fake.touch(pkg)
        return {"packageId": pkg.package_id, "state": pkg.state}

    async def control_decline(request: Request) -> Any:
        pkg = fake.package(request.path_params["packageId"])
        signer = next((s for s in pkg.signers if s.signer_id == request.path_params["signerId"]), None)
        if signer is None:
            raise not_found("Signer")
        if pkg.state != "open" or fake.signer_done(pkg, signer):
            raise invalid_state(pkg.state, "declined")
        body = await _json(request) if await request.body() else {}
        signer.time_declined = fake.clock()
        signer.decline_reason = _text(body, "reason")
        fake.touch(pkg)  # FAKE CHOICE: the package stays "open" (a decline's effect is undocumented, §5.6)
        return {"packageId": pkg.package_id, "state": pkg.state}

    async def control_expire(request: Request) -> Any:
        pkg = fake.package(request.path_params["packageId"])
        if pkg.state != "open":
            raise invalid_state(pkg.state, "expired")
        pkg.time_sign_by = fake.clock() - timedelta(seconds=1)
        fake.tick(pkg)
        return {"packageId": pkg.package_id, "state": pkg.state}

    async def control_webhook(request: Request) -> Any:
        pkg = fake.package(request.path_params["packageId"])
        body = await _json(request)
        action = _text(body, "action") or "package_executed"
        payload = fake.event(pkg, action, _text(body, "documentId"), _text(body, "signerId"))
        raw = json.dumps(payload).encode("utf-8")
        return {"headers": {"Content-Type": "application/json", "X-Syngrafii-Signature": fake.signature(raw)},
                "body": raw.decode("utf-8")}

    async def vendor_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, VendorError)
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": "request_not_found" if exc.status_code == 404 else "request_invalid",
                             "message": str(exc.detail)}, status_code=exc.status_code)

    p = API_PREFIX
    routes = [
        Route(f"{p}/files/upload", vendor(upload), methods=["POST"]),
        Route(f"{p}/packages/add", vendor(add), methods=["POST"]),
        Route(f"{p}/packages/update", vendor(update), methods=["POST"]),
        Route(f"{p}/packages/send", vendor(send), methods=["POST"]),
        Route(f"{p}/packages/list", vendor(list_packages), methods=["POST"]),
        Route(f"{p}/packages/rescind", vendor(rescind), methods=["POST"]),
        Route(f"{p}/packages/delete", vendor(delete), methods=["POST"]),
        Route(f"{p}/packages/{{packageId}}/status", vendor(status), methods=["GET"]),
        Route(f"{p}/packages/{{packageId}}", vendor(get_package), methods=["GET"]),
        Route(f"{p}/packages/{{packageId}}/link/sign/{{signerId}}", vendor(sign_link), methods=["POST"]),
        Route(f"{p}/packages/{{packageId}}/documents/{{documentId}}/pdf/executed/download", vendor(download),
              methods=["GET"]),
        Route("/_control/packages/{packageId}/sign/{signerId}", control_sign, methods=["POST"]),
        Route("/_control/packages/{packageId}/decline/{signerId}", control_decline, methods=["POST"]),
        Route("/_control/packages/{packageId}/expire", control_expire, methods=["POST"]),
        Route("/_control/packages/{packageId}/webhook", control_webhook, methods=["POST"]),
    ]
    app = Starlette(routes=[_wrap(r) for r in routes],
                    exception_handlers={VendorError: vendor_error, HTTPException: http_error})
    app.state.fake = fake
    return app


def _wrap(route: Route) -> Route:
    """Endpoints may return a plain dict: it is sent as JSON."""
    endpoint = route.endpoint

    async def wrapped(request: Request) -> Response:
        result = await endpoint(request)
        return result if isinstance(result, Response) else JSONResponse(result)

    return Route(route.path, wrapped, methods=sorted(route.methods or []))


def _list(body: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise VendorError(400, f"package_invalid_{key}", f"'{key}' must be a list of objects.")
    return value


def _count(body: Mapping[str, Any], key: str, default: int, *, minimum: int) -> int:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise VendorError(400, f"package_range_{key}", f"'{key}' must be a whole number >= {minimum}.")
    return value


def _sign_by(body: Mapping[str, Any], now: datetime) -> datetime | None:
    raw = body.get("timeSignBy")
    if raw in (None, ""):
        return None
    when = parse_timestamp(raw)
    if when is None:
        raise VendorError(400, "package_invalid_timeSignBy", "'timeSignBy' is not a valid date.")
    if when <= now:
        raise VendorError(400, "package_range_timeSignBy", "'timeSignBy' must be in the future.")
    return when


def _new_links(pkg: FakePackage, signer: FakeSigner) -> None:
    signer.sign_token = new_token()
    for doc in pkg.documents:
        for rev in doc.revisions:
            if rev.signer_id == signer.signer_id:
                rev.token = new_token()


def _matches(pkg: FakePackage, search: str) -> bool:
    """§5.7: full text with ``*`` as a suffix wildcard (here: case-insensitive prefix/substring)."""
    needle = search.lower().rstrip("*")
    fields = [pkg.name, pkg.description, pkg.message, pkg.category]
    for s in pkg.signers:
        fields += [s.first_name, s.last_name, s.email, s.mobile]
    words = [w.lower() for f in fields if f for w in [f, *f.split()]]
    if search.endswith("*"):
        return any(w.startswith(needle) for w in words)
    return any(needle == w or needle in w for w in words)
