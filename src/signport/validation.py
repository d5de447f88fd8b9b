"""The neutral input rules. Each failure names the path of the bad value (``signers[1].email``).

Everything here runs before anything is stored or sent. Providers add their own,
stricter rules in ``Provider.validate``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from .errors import ValidationError
from .model import PDF_MAGIC, Document, DraftUpdate, Envelope, Field, Placement, Signer, SignerUpdate
from .pdf import PdfInfo, pdf_info
from .states import Delivery

SUBJECT_MAX = 500
MESSAGE_MAX = 10_000
NAME_MAX = 100
EMAIL_MAX = 256
REASON_MAX = 1000

# Pragmatic RFC 5322 subset: one @, a dotted domain, no spaces or control characters.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
# Digits only, optionally a leading "+": 7 to 15 digits (E.164 allows at most 15).
_PHONE = re.compile(r"^\+?[0-9]{7,15}$")


class Problems:
    """Collects path-named problems and raises them as one ``ValidationError``."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def raise_if_any(self) -> None:
        if self.items:
            path, message = self.items[0]
            more = f" (and {len(self.items) - 1} more)" if len(self.items) > 1 else ""
            raise ValidationError(message + more, path=path, errors=self.items)


def _text(p: Problems, path: str, value: str | None, *, required: bool, maximum: int) -> None:
    if value is not None and not isinstance(value, str):
        p.add(path, f"must be text, not {type(value).__name__}")
        return
    if value is None or not value.strip():
        if required:
            p.add(path, "must not be empty")
        return
    if len(value) > maximum:
        p.add(path, f"must be at most {maximum} characters (got {len(value)})")


def valid_email(value: str) -> bool:
    """True if ``value`` looks like an email address."""
    return len(value) <= EMAIL_MAX and _EMAIL.match(value) is not None and ".." not in value.split("@")[0]


def valid_phone(value: str) -> bool:
    """True if ``value`` is 7-15 digits with an optional leading ``+``."""
    return _PHONE.match(value) is not None


def _contact(p: Problems, path: str, email: str | None, phone: str | None,
             delivery: frozenset[Delivery] | None) -> None:
    if email is not None and not (isinstance(email, str) and valid_email(email)):
        p.add(f"{path}email", f"not a valid email address: {email!r}")
    if phone is not None and not (isinstance(phone, str) and valid_phone(phone)):
        p.add(f"{path}phone", "must be 7 to 15 digits, optionally with a leading '+'")
    if delivery is not None:
        if not delivery:
            p.add(f"{path}delivery", "needs at least one delivery method")
        if Delivery.EMAIL in delivery and not email:
            p.add(f"{path}email", "is required for email delivery")
        if Delivery.SMS in delivery and not phone:
            p.add(f"{path}phone", "is required for SMS delivery")


def _signer(p: Problems, path: str, signer: Signer) -> None:
    _text(p, f"{path}.first_name", signer.first_name, required=True, maximum=NAME_MAX)
    _text(p, f"{path}.last_name", signer.last_name, required=True, maximum=NAME_MAX)
    _contact(p, f"{path}.", signer.email, signer.phone, signer.delivery)
    if signer.language is not None and not (isinstance(signer.language, str)
                                            and re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", signer.language)):
        p.add(f"{path}.language", "must be a language code such as 'en' or 'es'")


def _document(p: Problems, path: str, document: Document, pages: Iterable[int] = ()) -> PdfInfo | None:
    _text(p, f"{path}.name", document.name, required=True, maximum=255)
    if not document.has_content:
        p.add(f"{path}.content", "needs content (bytes) or a path")
        return None
    if document.path is not None and not document.path.is_file():
        p.add(f"{path}.path", f"not a readable file: {document.path}")
        return None
    if document.size == 0:
        p.add(f"{path}.content", "is empty")
        return None
    if PDF_MAGIC not in document.head():
        p.add(f"{path}.content", "is not a PDF (no %PDF- header)")
        return None
    try:
        return pdf_info(document, pages=pages, path=f"{path}.content")
    except ValidationError as exc:
        p.add(exc.path or f"{path}.content", exc.reason)
        return None


def _kinds(p: Problems, path: str, items: Sequence[object], cls: type, example: str) -> None:
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            p.add(f"{path}[{i}]", f"must be a {cls.__name__} (e.g. {example}), not {type(item).__name__}")


def resolve_ref(ref: int | str, keys: Sequence[str | None]) -> int | None:
    """The index a field's ``signer``/``document`` reference (an index or a key) points at, or ``None``."""
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int):
        return ref if 0 <= ref < len(keys) else None
    # Only a string is a key: ``None`` must not match the first item that has no key.
    return keys.index(ref) if isinstance(ref, str) and ref in keys else None


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _field(p: Problems, path: str, field: Field, envelope: Envelope, pdfs: Mapping[int, PdfInfo]) -> None:
    if resolve_ref(field.signer, [s.key for s in envelope.signers]) is None:
        p.add(f"{path}.signer", f"refers to no signer: {field.signer!r}")
    doc = resolve_ref(field.document, [d.key for d in envelope.documents])
    if doc is None:
        p.add(f"{path}.document", f"refers to no document: {field.document!r}")
    pl = field.placement
    pp = f"{path}.placement"
    if isinstance(pl.page, bool) or not isinstance(pl.page, int) or pl.page < 1:
        p.add(f"{pp}.page", "must be an integer >= 1 (pages are 1-based)")
        return
    for name in ("x", "y"):
        value = getattr(pl, name)
        if not _finite(value) or value < 0:
            p.add(f"{pp}.{name}", "must be a finite number >= 0")
    for name in ("width", "height"):
        value = getattr(pl, name)
        if not _finite(value) or value <= 0:
            p.add(f"{pp}.{name}", "must be a finite number > 0")
    info = pdfs.get(doc) if doc is not None else None
    if info is None:
        return
    if pl.page > info.page_count:
        p.add(f"{pp}.page", f"page {pl.page} is past the end of the document ({info.page_count} pages)")
        return
    box = info.boxes[pl.page]
    if all(_finite(v) for v in (pl.x, pl.y, pl.width, pl.height)) and not box.contains(
            pl.x, pl.y, pl.width, pl.height):
        p.add(pp, f"lies outside page {pl.page} ({box.width:.0f} x {box.height:.0f} points as seen)")


def field_pages(envelope: Envelope) -> dict[int, set[int]]:
    """The pages fields are placed on, by document index: the pages whose boxes a send needs.

    Fields that refer to no document or to no valid page are left out (validation names them).
    """
    keys = [d.key for d in envelope.documents]
    pages: dict[int, set[int]] = {}
    for field in envelope.fields:
        page = field.placement.page
        doc = resolve_ref(field.document, keys)
        if doc is not None and isinstance(page, int) and not isinstance(page, bool) and page >= 1:
            pages.setdefault(doc, set()).add(page)
    return pages


def check_fields(envelope: Envelope, pdfs: Mapping[int, PdfInfo]) -> None:
    """Check every field's references and placement against the documents' pages.

    ``pdfs`` holds each document's ``PdfInfo`` by index, with the boxes of the pages in ``field_pages``.
    """
    p = Problems()
    for i, field in enumerate(envelope.fields):
        _field(p, f"fields[{i}]", field, envelope, pdfs)
    p.raise_if_any()


def _sign_by(p: Problems, path: str, value: datetime | None, now: datetime | None) -> None:
    if value is None:
        return
    if not isinstance(value, datetime):
        p.add(path, "must be a datetime")
    elif value.tzinfo is None or value.utcoffset() is None:
        p.add(path, "must be timezone-aware (e.g. datetime(..., tzinfo=UTC))")
    elif value <= (now or datetime.now(UTC)):
        p.add(path, "must be in the future")


def validate_envelope(envelope: Envelope, *, now: datetime | None = None) -> None:
    """Raise ``ValidationError`` (naming the path) unless ``envelope`` can be sent."""
    p = Problems()
    _text(p, "subject", envelope.subject, required=True, maximum=SUBJECT_MAX)
    _text(p, "message", envelope.message, required=False, maximum=MESSAGE_MAX)
    if not envelope.documents:
        p.add("documents", "needs at least one document")
    if not envelope.signers:
        p.add("signers", "needs at least one signer")
    _kinds(p, "documents", envelope.documents, Document, "Document.from_path(...)")
    _kinds(p, "signers", envelope.signers, Signer, "Signer(...)")
    _kinds(p, "fields", envelope.fields, Field, "Field(...)")
    for i, field in enumerate(envelope.fields):
        if isinstance(field, Field) and not isinstance(field.placement, Placement):
            p.add(f"fields[{i}].placement", "must be a Placement(page=..., x=..., y=..., width=..., height=...)")
    p.raise_if_any()  # the checks below rely on the types
    pdfs: dict[int, PdfInfo] = {}
    wanted = field_pages(envelope)
    doc_keys: set[str] = set()
    for i, document in enumerate(envelope.documents):
        info = _document(p, f"documents[{i}]", document, wanted.get(i, ()))
        if info is not None:
            pdfs[i] = info
        if document.key is not None:
            if document.key in doc_keys:
                p.add(f"documents[{i}].key", f"duplicate document key {document.key!r}")
            doc_keys.add(document.key)
    keys: set[str] = set()
    for i, signer in enumerate(envelope.signers):
        _signer(p, f"signers[{i}]", signer)
        if signer.key is not None:
            if signer.key in keys:
                p.add(f"signers[{i}].key", f"duplicate signer key {signer.key!r}")
            keys.add(signer.key)
    for i, field in enumerate(envelope.fields):
        _field(p, f"fields[{i}]", field, envelope, pdfs)
    _sign_by(p, "sign_by", envelope.sign_by, now)
    p.raise_if_any()


def validate_draft_update(update: DraftUpdate, *, now: datetime | None = None) -> None:
    """Raise ``ValidationError`` unless ``update`` is well-formed."""
    p = Problems()
    if update.subject is not None:
        _text(p, "subject", update.subject, required=True, maximum=SUBJECT_MAX)
    _text(p, "message", update.message, required=False, maximum=MESSAGE_MAX)
    _sign_by(p, "sign_by", update.sign_by, now)
    _kinds(p, "add_signers", update.add_signers, Signer, "Signer(...)")
    _kinds(p, "add_documents", update.add_documents, Document, "Document.from_path(...)")
    p.raise_if_any()
    for i, signer in enumerate(update.add_signers):
        _signer(p, f"add_signers[{i}]", signer)
    for i, document in enumerate(update.add_documents):
        _document(p, f"add_documents[{i}]", document)
    for name in ("remove_signers", "remove_documents"):
        for i, ident in enumerate(getattr(update, name)):
            if not isinstance(ident, str) or not ident:
                p.add(f"{name}[{i}]", "must be an id string")
    p.raise_if_any()


def validate_signer_update(update: SignerUpdate) -> None:
    """Raise ``ValidationError`` unless the contact change is well-formed."""
    p = Problems()
    if update.email is None and update.phone is None and update.delivery is None:
        p.add("email", "nothing to change: give email, phone or delivery")
    _contact(p, "", update.email, update.phone, None)
    if update.delivery is not None and not update.delivery:
        p.add("delivery", "needs at least one delivery method")
    p.raise_if_any()


def validate_reason(reason: str | None, *, required: bool = False) -> None:
    """Check a void or decline reason."""
    p = Problems()
    _text(p, "reason", reason, required=required, maximum=REASON_MAX)
    p.raise_if_any()


#: The longest id accepted: vendors' ids are UUIDs or shorter; a longer value is a mistake.
ID_MAX = 256
#: Characters no id contains: separators and URL syntax (an id goes into a URL path) and controls.
_ID_FORBIDDEN = re.compile(r"[/\\?#%\x00-\x1f\x7f-\x9f\u2028\u2029]")


def validate_id(value: object, path: str = "envelope_id") -> str:
    """An id must be non-empty text of at most 256 characters without separators, ``?``, ``#``, ``%``,
    control characters or ``..``: it goes into a URL path (or a file name) as it is."""
    if not isinstance(value, str):
        raise ValidationError(f"must be an id (text), not {'None' if value is None else type(value).__name__}",
                              path=path)
    if not value.strip():
        raise ValidationError("must not be empty", path=path)
    if len(value) > ID_MAX:
        raise ValidationError(f"is {len(value)} characters long; an id has at most {ID_MAX}", path=path)
    if _ID_FORBIDDEN.search(value) or ".." in value:
        raise ValidationError(f"not a valid id: {value[:60]!r} (no '/', '\\', '?', '#', '%', '..' or control "
                              "characters)", path=path)
    return value
