"""The fake's in-memory account: envelopes, recipients, documents, and the JSON views of them.

Views carry the keys and value types of the vendor's schema (docs/vendors/docusign.md §3: scalars as
strings, timestamps with seven fractional digits). Where the reference is silent the fake picks
something and says so (``fake-only``).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from signport.fakeserver import text_page

LIVE = ("sent", "delivered")
TERMINAL = ("completed", "declined", "voided")


def stamp(moment: float) -> str:
    """A vendor timestamp: ISO 8601, seven fractional digits, ``Z`` (§3)."""
    when = datetime.fromtimestamp(moment, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}0Z"


class ApiFailure(Exception):
    """Raised inside a handler: answered as an ``errorDetails`` body (§9)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str, code: str = "INVALID_REQUEST_PARAMETER") -> ApiFailure:
    """A 400 with a vendor code (which status goes with which code is not documented, §9)."""
    return ApiFailure(400, code, message)


@dataclass
class FakeRecipient:
    recipient_id: str
    name: str
    email: str
    routing_order: int
    first_name: str | None = None
    last_name: str | None = None
    client_user_id: str | None = None
    tabs: dict[str, Any] = field(default_factory=dict)
    status: str = "created"
    guid: str = field(default_factory=lambda: str(uuid.uuid4()))
    sent_at: str | None = None
    delivered_at: str | None = None
    signed_at: str | None = None
    declined_at: str | None = None
    declined_reason: str | None = None


@dataclass
class FakeDocument:
    document_id: str
    name: str
    content: bytes
    order: int
    guid: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class FakeEnvelope:
    envelope_id: str
    subject: str
    blurb: str | None
    status: str
    created_at: str
    changed_at: float
    transaction_id: str | None = None
    documents: list[FakeDocument] = field(default_factory=list)
    recipients: list[FakeRecipient] = field(default_factory=list)
    sent_at: str | None = None
    completed_at: str | None = None
    voided_at: str | None = None
    voided_reason: str | None = None
    declined_at: str | None = None
    folder: str = "drafts"
    extra: dict[str, Any] = field(default_factory=dict)

    def recipient(self, recipient_id: str) -> FakeRecipient | None:
        return next((r for r in self.recipients if r.recipient_id == recipient_id), None)

    def current_order(self) -> int | None:
        waiting = [r.routing_order for r in self.recipients if r.status in ("created", "sent", "delivered")]
        return min(waiting) if waiting else None

    def notify_current(self, now: str) -> None:
        """After a send or a signature: the recipients whose turn it is are ``sent``."""
        order = self.current_order()
        for r in self.recipients:
            if r.routing_order == order and r.status == "created":
                r.status, r.sent_at = "sent", now


def signer_view(r: FakeRecipient) -> dict[str, Any]:
    view: dict[str, Any] = {
        "recipientId": r.recipient_id, "recipientIdGuid": r.guid, "name": r.name, "email": r.email,
        "routingOrder": str(r.routing_order), "status": r.status, "recipientType": "signer",
        "deliveryMethod": "email", "completedCount": "1" if r.status == "completed" else "0",
    }
    for key, value in (("firstName", r.first_name), ("lastName", r.last_name), ("clientUserId", r.client_user_id),
                       ("sentDateTime", r.sent_at), ("deliveredDateTime", r.delivered_at),
                       ("signedDateTime", r.signed_at), ("declinedDateTime", r.declined_at),
                       ("declinedReason", r.declined_reason)):
        if value is not None:
            view[key] = value
    return view


def recipients_view(e: FakeEnvelope) -> dict[str, Any]:
    order = e.current_order()
    return {"signers": [signer_view(r) for r in e.recipients], "agents": [], "editors": [], "intermediaries": [],
            "carbonCopies": [], "certifiedDeliveries": [], "inPersonSigners": [], "seals": [], "witnesses": [],
            "recipientCount": str(len(e.recipients)), "currentRoutingOrder": str(order or "")}


def document_view(d: FakeDocument, uri: str) -> dict[str, Any]:
    return {"documentId": d.document_id, "documentIdGuid": d.guid, "name": d.name, "type": "content",
            "uri": f"{uri}/documents/{d.document_id}", "order": str(d.order), "pages": [],
            "display": "inline", "includeInDownload": "true", "signerMustAcknowledge": "no_interaction",
            "authoritativeCopy": "false"}


def envelope_view(e: FakeEnvelope, *, include: set[str]) -> dict[str, Any]:
    uri = f"/envelopes/{e.envelope_id}"
    view: dict[str, Any] = {
        "envelopeId": e.envelope_id, "status": e.status, "emailSubject": e.subject,
        "envelopeUri": uri, "documentsUri": f"{uri}/documents", "recipientsUri": f"{uri}/recipients",
        "documentsCombinedUri": f"{uri}/documents/combined", "certificateUri": f"{uri}/documents/certificate",
        "createdDateTime": e.created_at, "lastModifiedDateTime": stamp(e.changed_at),
        "statusChangedDateTime": stamp(e.changed_at), "purgeState": "unpurged",
        "signingLocation": "online", "is21CFRPart11": "false",
    }
    for key, value in (("emailBlurb", e.blurb), ("transactionId", e.transaction_id),
                       ("sentDateTime", e.sent_at), ("initialSentDateTime", e.sent_at),
                       ("completedDateTime", e.completed_at), ("declinedDateTime", e.declined_at),
                       ("voidedDateTime", e.voided_at), ("voidedReason", e.voided_reason)):
        if value is not None:
            view[key] = value
    if "recipients" in include:
        view["recipients"] = recipients_view(e)
    if "documents" in include:
        view["envelopeDocuments"] = [document_view(d, uri) for d in e.documents]
    if "folders" in include:
        # fake-only: the folder object's shape (folderId, name, type) follows S1's folder schema.
        view["folders"] = [{"folderId": e.folder, "name": e.folder, "type": e.folder}]
    return view


def executed_pdf(e: FakeEnvelope, d: FakeDocument) -> bytes:
    """A completed document. fake-only: how DocuSign draws signatures into the PDF is not in the reference
    (§5.7 says only "signed once completed"); the fake appends one page listing the signatures, as the
    other vendor fakes do, so executed documents are told apart from the uploads."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.append(pypdf.PdfReader(io.BytesIO(d.content)))
    writer.append(pypdf.PdfReader(io.BytesIO(text_page(
        f"Signed: {d.name}", [f"{r.name} <{r.email}> signed {r.signed_at or ''}" for r in e.recipients]))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def current_pdf(e: FakeEnvelope, d: FakeDocument) -> bytes:
    """A document in its current state (§5.7): executed once the envelope is completed."""
    return executed_pdf(e, d) if e.status == "completed" else d.content


def certificate_pdf(e: FakeEnvelope) -> bytes:
    """A Certificate of Completion stand-in: one page naming every recipient and their status."""
    return text_page(f"Certificate of Completion: {e.subject}",
                     [f"Envelope {e.envelope_id}, status {e.status}",
                      *(f"{r.name} <{r.email}>: {r.status} {r.signed_at or ''}" for r in e.recipients)])


def combined_pdf(e: FakeEnvelope, certificate: bool) -> bytes:
    """Every document in order, the certificate appended when asked (§5.7)."""
    import pypdf

    writer = pypdf.PdfWriter()
    for d in sorted(e.documents, key=lambda d: d.order):
        writer.append(pypdf.PdfReader(io.BytesIO(current_pdf(e, d))))
    if certificate:
        writer.append(pypdf.PdfReader(io.BytesIO(certificate_pdf(e))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
