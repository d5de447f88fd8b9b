"""DocuSign's own input rules (docs/vendors/docusign.md §5.1, §5.6, §10).

Pure and settings-free: the provider runs them before any request, and ``local`` with
``emulate="docusign"`` runs the same ones.
"""

from __future__ import annotations

from signport.errors import UnsupportedFeature, ValidationError
from signport.model import DraftUpdate, Envelope, Signer, SignerUpdate
from signport.rules import InputRules
from signport.validation import Problems

from . import payloads
from .settings import PROVIDER

SUBJECT_MAX = 100          # §5.1: longer is an error, not a truncation
NAME_MAX = 100             # §5.1
EMAIL_MAX = 100            # §5.1
MESSAGE_MAX = 10_000       # §5.1 emailBlurb
RECIPIENTS_MAX = 100       # §10
UPLOAD_MAX = 32 * 1024 * 1024          # §10: per document uploaded through the API
REQUEST_MAX = 35_651_584               # §10: the whole HTTP request


def _signer(p: Problems, path: str, signer: Signer) -> None:
    if not signer.email:
        p.add(f"{path}.email", "DocuSign invites signers by email: an email address is required")
    elif len(signer.email) > EMAIL_MAX:
        p.add(f"{path}.email", f"DocuSign allows at most {EMAIL_MAX} characters")
    if len(signer.name) > NAME_MAX:
        p.add(f"{path}.first_name", f"DocuSign allows at most {NAME_MAX} characters for the whole name")


class DocuSignRules(InputRules):
    """What DocuSign refuses, checked before any request."""

    def envelope(self, envelope: Envelope) -> None:
        """Subject, message, recipients and document sizes (§5.1, §10)."""
        p = Problems()
        if len(envelope.subject) > SUBJECT_MAX:
            p.add("subject", f"DocuSign allows at most {SUBJECT_MAX} characters")
        if envelope.message is not None and len(envelope.message) > MESSAGE_MAX:
            p.add("message", f"DocuSign allows at most {MESSAGE_MAX} characters")
        if len(envelope.signers) > RECIPIENTS_MAX:
            p.add("signers", f"DocuSign allows at most {RECIPIENTS_MAX} recipients")
        for i, signer in enumerate(envelope.signers):
            _signer(p, f"signers[{i}]", signer)
        total = 0
        for i, doc in enumerate(envelope.documents):
            if not doc.has_content:
                p.add(f"documents[{i}]", "needs content (path or bytes) to upload")
                continue
            if (doc.size or 0) > UPLOAD_MAX:
                p.add(f"documents[{i}]", f"DocuSign accepts at most {UPLOAD_MAX // (1024 * 1024)} MB per document")
            total += payloads.encoded_size(doc)
        if total > REQUEST_MAX:
            p.add("documents", f"base64-encoded they exceed DocuSign's request limit of {REQUEST_MAX} bytes")
        p.raise_if_any()

    def draft_update(self, update: DraftUpdate) -> None:
        """The same limits for what a draft update adds."""
        p = Problems()
        if update.subject is not None and len(update.subject) > SUBJECT_MAX:
            p.add("subject", f"DocuSign allows at most {SUBJECT_MAX} characters")
        if update.message is not None and len(update.message) > MESSAGE_MAX:
            p.add("message", f"DocuSign allows at most {MESSAGE_MAX} characters")
        for i, signer in enumerate(update.add_signers):
            _signer(p, f"add_signers[{i}]", signer)
        for i, doc in enumerate(update.add_documents):
            if not doc.has_content:
                p.add(f"add_documents[{i}]", "needs content (path or bytes) to upload")
        p.raise_if_any()

    def signer_update(self, update: SignerUpdate) -> None:
        """Only the email can change: SMS/phone delivery is not documented (§5.1)."""
        if update.phone is not None:
            raise UnsupportedFeature("docusign: phone numbers are not supported (SMS delivery is not documented, "
                                     "docs/vendors/docusign.md §5.1)", feature="sms_delivery", provider=PROVIDER)
        if update.email is not None and len(update.email) > EMAIL_MAX:
            raise ValidationError(f"DocuSign allows at most {EMAIL_MAX} characters", path="email",
                                  provider=PROVIDER)
