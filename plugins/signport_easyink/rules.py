"""EasyInk's own input rules (docs/vendors/easyink.md §5.2, §5.5, §6.1, §6.3, §6.4, §6.7).

Pure and settings-free: the provider runs them before any request, and ``local`` with
``emulate="easyink"`` runs the same ones.
"""

from __future__ import annotations

import re

from signport.errors import ValidationError
from signport.model import DraftUpdate, Envelope, Signer, SignerUpdate
from signport.rules import InputRules
from signport.states import Delivery, SigningOrder
from signport.validation import Problems

from . import payloads

PHONE = re.compile(r"^\d{10}$")          # §5.2: exactly ten digits, no "+", no separators
EMAIL_MAX = 256                          # §5.2
NAME_MAX = 100                           # §6.3 #11
SUBJECT_MAX = 500                        # §6.1 #1
REASON_MAX = 1000                        # §6.7 #26 / #28
MIN_SIZE = 0.1                           # §5.5: sizeX/sizeY >= 0.1


class EasyInkRules(InputRules):
    """What EasyInk refuses, checked before any request."""

    def envelope(self, envelope: Envelope) -> None:
        """EasyInk's own input rules on top of the neutral ones (§5.2, §5.5, §6.1, §6.4)."""
        p = Problems()
        if len(envelope.subject) > SUBJECT_MAX:
            p.add("subject", f"EasyInk allows at most {SUBJECT_MAX} characters")
        for i, signer in enumerate(envelope.signers):
            check_signer(p, f"signers[{i}]", signer)
        orders = [s.order for s in envelope.signers if s.order is not None]
        if envelope.order is SigningOrder.SEQUENTIAL and orders and (
                len(orders) != len(envelope.signers) or len(set(orders)) != len(orders)):
            # §6.4 #15: the one-by-one order must list every participant exactly once.
            p.add("signers", "a sequential order must give every signer a distinct order (or none at all)")
        for i, field in enumerate(envelope.fields):
            if field.placement.width < MIN_SIZE:
                p.add(f"fields[{i}].placement.width", f"EasyInk needs at least {MIN_SIZE} points")
            if field.placement.height < MIN_SIZE:
                p.add(f"fields[{i}].placement.height", f"EasyInk needs at least {MIN_SIZE} points")
        p.raise_if_any()

    def draft_update(self, update: DraftUpdate) -> None:
        """New participants follow the same rules (§6.3); the subject its limit (§6.1 #1)."""
        p = Problems()
        for i, signer in enumerate(update.add_signers):
            check_signer(p, f"add_signers[{i}]", signer)
        if update.subject is not None and len(update.subject) > SUBJECT_MAX:
            p.add("subject", f"EasyInk allows at most {SUBJECT_MAX} characters")
        p.raise_if_any()

    def signer_update(self, update: SignerUpdate) -> None:
        """Contact rules of §6.7 #25."""
        p = Problems()
        check_contact(p, "", update.email, update.phone)
        if update.delivery is not None and Delivery.SMS in update.delivery and not update.phone:
            # The session view does not show phones, so the number must come with the change.
            p.add("phone", "is required with SMS delivery (EasyInk replaces the contact details whole)")
        p.raise_if_any()

    def void_reason(self, reason: str | None) -> None:
        """§6.7 #26: a reason is mandatory."""
        required_reason(reason)

    def duplicate(self, subject: str | None, *, void_original: bool, reason: str | None) -> None:
        """§6.7 #27/#28: the subject's limit; recreate-and-void needs a reason."""
        if subject is not None and len(subject) > SUBJECT_MAX:
            raise ValidationError(f"EasyInk allows at most {SUBJECT_MAX} characters", path="subject")
        if void_original:
            required_reason(reason)


def check_signer(p: Problems, path: str, signer: Signer) -> None:
    """Names (§6.3 #11), contact details (§5.2) and language of one participant."""
    for attr in ("first_name", "last_name"):
        value = getattr(signer, attr)
        if not 1 <= len(value) <= NAME_MAX:
            p.add(f"{path}.{attr}", f"EasyInk needs 1 to {NAME_MAX} characters")
    check_contact(p, f"{path}.", signer.email, signer.phone)
    if Delivery.EMAIL in signer.delivery and not signer.email:
        p.add(f"{path}.email", "is required for email delivery")
    if Delivery.SMS in signer.delivery and not signer.phone:
        p.add(f"{path}.phone", "is required for SMS delivery")
    try:
        payloads.vendor_language(signer.language, f"{path}.language")
    except ValidationError as exc:
        p.add(exc.path or f"{path}.language", exc.reason)


def check_contact(p: Problems, path: str, email: str | None, phone: str | None) -> None:
    """§5.2: ten-digit phone numbers, emails of at most 256 characters."""
    if phone is not None and not PHONE.match(phone):
        p.add(f"{path}phone", "EasyInk needs exactly 10 digits (no '+', country code or separators)")
    if email is not None and len(email) > EMAIL_MAX:
        p.add(f"{path}email", f"EasyInk allows at most {EMAIL_MAX} characters")


def required_reason(reason: str | None, path: str = "reason") -> str:
    """§6.7 #26/#28: a reason of 1-1000 characters is mandatory."""
    if reason is None or not reason.strip():
        raise ValidationError("EasyInk requires a reason (shown to every participant)", path=path)
    if len(reason) > REASON_MAX:
        raise ValidationError(f"EasyInk allows at most {REASON_MAX} characters", path=path)
    return reason
