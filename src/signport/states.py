"""The neutral enumerations every provider maps onto."""

from __future__ import annotations

import enum


class State(enum.Enum):
    """Where an envelope stands, whatever the vendor calls it."""

    DRAFT = "draft"
    READY = "ready"
    SENT = "sent"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DECLINED = "declined"
    VOIDED = "voided"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        """True once nothing more can happen to the envelope."""
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({State.COMPLETED, State.DECLINED, State.VOIDED, State.EXPIRED})


class SignerState(enum.Enum):
    """Where one signer stands."""

    PENDING = "pending"
    NEXT = "next"
    SIGNED = "signed"
    DECLINED = "declined"
    UNKNOWN = "unknown"


class FieldType(enum.Enum):
    """Kinds of field a signer fills."""

    SIGNATURE = "signature"
    INITIALS = "initials"
    DATE = "date"
    NAME = "name"
    TEXT = "text"
    CHECKBOX = "checkbox"


class SigningOrder(enum.Enum):
    """Whether signers sign one after another or all at once."""

    SEQUENTIAL = "sequential"
    PARALLEL = "parallel"


class Delivery(enum.Enum):
    """How a signer is invited."""

    EMAIL = "email"
    SMS = "sms"


class DocumentKind(enum.Enum):
    """Which rendition of the documents to download; one meaning on every provider.

    File names come from the document names (``transport.download_filenames``), files in document order.
    """

    #: The documents as sent, unsigned: one file per document, ``<stem>-original.pdf``.
    ORIGINAL = "original"
    #: One file per document carrying every signature: ``<stem>.pdf``.
    EXECUTED = "executed"
    #: One file holding every executed document, in order: ``<first stem>-combined.pdf``.
    COMBINED = "combined"
    #: The audit trail, one file: ``<first stem>-audit.pdf``.
    AUDIT = "audit"
    #: Each signer's own copy of each document: ``<stem>-<signer name>.pdf``, signers in envelope order.
    SIGNER_COPIES = "signer_copies"


class EventKind(enum.Enum):
    """Normalized webhook event kinds."""

    ENVELOPE_CREATED = "envelope_created"
    ENVELOPE_SENT = "envelope_sent"
    ENVELOPE_COMPLETED = "envelope_completed"
    ENVELOPE_DECLINED = "envelope_declined"
    ENVELOPE_VOIDED = "envelope_voided"
    ENVELOPE_EXPIRED = "envelope_expired"
    DOCUMENT_SIGNED = "document_signed"
    DOCUMENT_COMPLETED = "document_completed"
    SIGNER_SIGNED = "signer_signed"
    SIGNER_DECLINED = "signer_declined"
    UNKNOWN = "unknown"


class Verification(enum.Enum):
    """Outcome of checking a webhook's signature."""

    VERIFIED = "verified"
    NOT_CONFIGURED = "not_configured"
    #: Not a webhook: the watcher read the change from the vendor's API (no signature to check).
    POLLED = "polled"
    # A failed verification raises; it is never returned on an Event.
