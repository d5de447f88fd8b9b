"""The neutral domain model: frozen attrs classes shared by every provider."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast

import attrs

from .errors import ValidationError
from .states import (
    Delivery,
    EventKind,
    FieldType,
    SignerState,
    SigningOrder,
    State,
    Verification,
)

PDF_MAGIC = b"%PDF-"
#: How far into a file the PDF header may start (Acrobat tolerates junk before it).
PDF_MAGIC_WINDOW = 1024

#: The vendor payload: a plain dict at run time, typed read-only.
RawPayload = Mapping[str, Any]


def _raw(value: Mapping[str, Any] | None) -> dict[str, Any]:
    # The vendor payload as a plain dict (a shallow copy: the caller's mapping stays theirs).
    return {} if value is None else dict(value)


# Typed converters: the attrs mypy plugin takes a converter's parameter type as the ``__init__``
# type, so these say what a caller may pass (mypy then refuses ``signers=["ann@example.com"]``).
# At run time they accept an enum's value (as from JSON) but refuse what cannot be that value at all
# (``None`` for a list, one ``Signer`` for a list of them, ``order="random"``) with a
# ``ValidationError`` naming the attribute; the rules on values live in ``validation.py``.


E = TypeVar("E", bound=Enum)


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _sequence(value: Any, cls: type, path: str, example: str) -> tuple[Any, ...]:
    # The common cases first (a parser's tuple, a caller's list): no ABC checks for them.
    if type(value) is tuple:
        return value
    if type(value) is list:
        return tuple(value)
    if isinstance(value, cls):
        raise ValidationError(f"must be a list (e.g. [{example}]), not a single {cls.__name__}", path=path)
    if value is None or isinstance(value, str | bytes | bytearray | Mapping):
        raise ValidationError(f"must be a list of {cls.__name__} (e.g. [{example}]), not {_kind(value)}",
                              path=path)
    try:
        return tuple(value)
    except TypeError:
        raise ValidationError(f"must be a list of {cls.__name__} (e.g. [{example}]), not {_kind(value)}",
                              path=path) from None


def _documents(value: Iterable[Document]) -> tuple[Document, ...]:
    return _sequence(value, Document, "documents", "Document.from_path(...)")


def _signers(value: Iterable[Signer]) -> tuple[Signer, ...]:
    return _sequence(value, Signer, "signers", "Signer(...)")


def _fields(value: Iterable[Field]) -> tuple[Field, ...]:
    return _sequence(value, Field, "fields", "Field(...)")


def _member(cls: type[E], value: object, path: str) -> E:
    if type(value) is cls:
        return value  # already a member: no enum lookup
    try:
        return cls(value)
    except ValueError:
        known = ", ".join(repr(m.value) for m in cls)
        raise ValidationError(f"not a {cls.__name__}: {value!r} (one of {known})", path=path) from None


def _order(value: SigningOrder) -> SigningOrder:
    return _member(SigningOrder, value, "order")


def _field_type(value: FieldType) -> FieldType:
    return _member(FieldType, value, "type")


def _add_signers(value: Iterable[Signer]) -> tuple[Signer, ...]:
    return _sequence(value, Signer, "add_signers", "Signer(...)")


def _add_documents(value: Iterable[Document]) -> tuple[Document, ...]:
    return _sequence(value, Document, "add_documents", "Document.from_path(...)")


def _ids(value: Iterable[str] | str, path: str) -> tuple[str, ...]:
    # A lone id is one id, not a sequence of one-character ids.
    if isinstance(value, str):
        return (value,)
    if value is None or isinstance(value, bytes | bytearray | Mapping):
        raise ValidationError(f"must be a list of ids, not {_kind(value)}", path=path)
    try:
        return tuple(value)
    except TypeError:
        raise ValidationError(f"must be a list of ids, not {_kind(value)}", path=path) from None


def _remove_signers(value: Iterable[str] | str) -> tuple[str, ...]:
    return _ids(value, "remove_signers")


def _remove_documents(value: Iterable[str] | str) -> tuple[str, ...]:
    return _ids(value, "remove_documents")


def _deliveries(value: Iterable[Delivery] | Delivery) -> frozenset[Delivery]:
    if type(value) is frozenset and all(type(v) is Delivery for v in value):
        return value
    if isinstance(value, Delivery | str):
        value = [value]
    if value is None or isinstance(value, bytes | Mapping):
        raise ValidationError(f"must be a Delivery or a list of them, not {_kind(value)}", path="delivery")
    try:
        items = list(value)
    except TypeError:
        raise ValidationError(f"must be a Delivery or a list of them, not {_kind(value)}",
                              path="delivery") from None
    return frozenset(_member(Delivery, v, "delivery") for v in items)


def _content(value: bytes | None) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    raise ValidationError(f"must be bytes (the PDF's content), not {_kind(value)}; for a file use "
                          "Document.from_path(...)", path="content")


def _path(value: str | os.PathLike[str] | None) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        raise ValidationError(f"must be a file path (str or Path), not {_kind(value)}", path="path")
    return Path(value)


def _raw_field() -> Any:
    return attrs.field(factory=dict, converter=_raw, eq=False, repr=False)


@attrs.frozen(slots=True)
class Placement:
    """Where a field sits: PDF points, pages 1-based, origin bottom-left of the page as a reader sees it."""

    page: int
    x: float
    y: float
    width: float
    height: float


class BytesReader(io.RawIOBase):
    """A read-only, seekable file over ``bytes`` that never copies them.

    ``io.BytesIO(content)`` shares ``content`` only until someone asks for its buffer (pypdf does,
    to learn the size): then it makes a full private copy that lives as long as the file object,
    and pypdf's reader keeps that alive through its reference cycles. This file has no buffer to ask for.
    """

    def __init__(self, content: bytes) -> None:
        super().__init__()
        self._view = memoryview(content)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        start, self._pos = self._pos, max(self._pos, end)
        return bytes(self._view[start:end])

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        with contextlib.suppress(BufferError):  # a slice still in use elsewhere keeps the view
            self._view.release()
        super().close()


@attrs.frozen(slots=True)
class Document:
    """A PDF to be signed, held in memory (``content``) or on disk (``path``, streamed when sent)."""

    name: str
    content: bytes | None = attrs.field(default=None, repr=False, converter=_content)
    path: Path | None = attrs.field(default=None, converter=_path)
    key: str | None = None
    id: str | None = None
    raw: RawPayload = _raw_field()

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], *, name: str | None = None,
                  key: str | None = None) -> Document:
        """A document read lazily from ``path``; refuses anything that is not a readable PDF file."""
        p = _path(path)
        if p is None:
            raise ValidationError("must be a file path (str or Path), not None", path="path")
        if not p.exists():
            raise ValidationError(f"no such file: {p}", path="path")
        if not p.is_file():
            raise ValidationError(f"not a regular file: {p}", path="path")
        if p.stat().st_size == 0:
            raise ValidationError(f"empty file: {p}", path="path")
        with p.open("rb") as fh:
            head = fh.read(PDF_MAGIC_WINDOW)
        if PDF_MAGIC not in head:
            raise ValidationError(f"not a PDF (no %PDF- header): {p}", path="path")
        return cls(name=name or p.name, path=p, key=key)

    @property
    def size(self) -> int | None:
        """Size in bytes, when the content is known locally."""
        if self.content is not None:
            return len(self.content)
        if self.path is not None:
            return self.path.stat().st_size
        return None

    @property
    def has_content(self) -> bool:
        """True when the bytes are available locally (in memory or on disk)."""
        return self.content is not None or self.path is not None

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """A binary file object over the content, without reading a file on disk into memory."""
        if self.path is not None:
            with self.path.open("rb") as fh:
                yield fh
        elif self.content is not None:
            yield cast(BinaryIO, BytesReader(self.content))
        else:
            raise ValidationError("document has no content", path="content")

    def head(self, size: int = PDF_MAGIC_WINDOW) -> bytes:
        """The first ``size`` bytes."""
        with self.open() as fh:
            return fh.read(size)


@attrs.frozen(slots=True)
class Signer:
    """A person who signs. ``key`` lets fields refer to the signer by name instead of index.

    On a signer read back from a vendor, ``delivery`` is empty when the vendor does not say how the
    signer is invited, and ``key`` is restored by the client after ``send``/``create_draft``.
    """

    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    key: str | None = None
    delivery: frozenset[Delivery] = attrs.field(
        factory=lambda: frozenset({Delivery.EMAIL}), converter=_deliveries
    )
    language: str | None = None
    id: str | None = None
    state: SignerState = SignerState.PENDING
    native_state: str | None = None
    order: int | None = None
    signed_at: datetime | None = None
    declined_at: datetime | None = None
    decline_reason: str | None = None
    signing_url: str | None = attrs.field(default=None, repr=False)
    raw: RawPayload = _raw_field()

    @property
    def name(self) -> str:
        """First and last name joined."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@attrs.frozen(slots=True)
class Field:
    """A field a signer fills: ``signer`` and ``document`` are an index or a ``key``."""

    type: FieldType = attrs.field(converter=_field_type)
    signer: int | str
    placement: Placement
    document: int | str = 0
    required: bool = True
    id: str | None = None
    raw: RawPayload = _raw_field()


@attrs.frozen(slots=True)
class Envelope:
    """Documents, signers and fields sent together for signature."""

    subject: str
    documents: tuple[Document, ...] = attrs.field(factory=tuple, converter=_documents)
    signers: tuple[Signer, ...] = attrs.field(factory=tuple, converter=_signers)
    fields: tuple[Field, ...] = attrs.field(factory=tuple, converter=_fields)
    order: SigningOrder = attrs.field(default=SigningOrder.PARALLEL, converter=_order)
    sign_by: datetime | None = None
    message: str | None = None
    id: str | None = None
    state: State = State.DRAFT
    native_state: str | None = None
    provider: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    void_reason: str | None = None
    raw: RawPayload = _raw_field()

    def signer(self, ref: str | int) -> Signer:
        """The signer with this id, key or index."""
        if isinstance(ref, int):
            return self.signers[ref]
        for s in self.signers:
            if ref in (s.id, s.key):
                return s
        raise KeyError(ref)

    @property
    def is_terminal(self) -> bool:
        """True once the envelope is completed, declined, voided or expired."""
        return self.state.is_terminal


@attrs.frozen(slots=True)
class StoredEnvelope(Envelope):
    """An envelope as the provider holds it, the kind the client returns: ``id`` is always set.

    Use it wherever an ``Envelope`` goes; ``client.wait(env.id)`` type-checks without a cast.
    """

    id: str = attrs.field(kw_only=True)

    @classmethod
    def of(cls, envelope: Envelope) -> StoredEnvelope:
        """``envelope`` as a ``StoredEnvelope``; ``ValueError`` if it has no id."""
        if isinstance(envelope, StoredEnvelope):
            return envelope
        if not envelope.id:
            raise ValueError("the envelope has no id")
        # The values are an Envelope's already (converted, copied): carried over as they are.
        stored = object.__new__(cls)
        for name in _ENVELOPE_ATTRIBUTES:
            object.__setattr__(stored, name, getattr(envelope, name))
        return stored


_ENVELOPE_ATTRIBUTES = tuple(a.name for a in attrs.fields(Envelope))


#: An envelope or its id: what every client method taking an envelope accepts.
EnvelopeRef = Envelope | str
#: A signer or its id (the local provider's simulated signers take a ``key`` too).
SignerRef = Signer | str


@attrs.frozen(slots=True)
class Event:
    """A webhook notification in neutral form; ``raw`` is the vendor's payload."""

    kind: EventKind
    envelope_id: str | None
    signer_id: str | None = None
    document_id: str | None = None
    occurred_at: datetime | None = None
    id: str | None = None
    native_kind: str | None = None
    provider: str | None = None
    verification: Verification = Verification.NOT_CONFIGURED
    raw: RawPayload = _raw_field()

    @property
    def verified(self) -> bool:
        """True when the signature was checked and matched."""
        return self.verification is Verification.VERIFIED


@attrs.frozen(slots=True)
class DraftUpdate:
    """Changes to a draft; ``None`` leaves a value as it is."""

    subject: str | None = None
    sign_by: datetime | None = None
    message: str | None = None
    add_signers: tuple[Signer, ...] = attrs.field(factory=tuple, converter=_add_signers)
    remove_signers: tuple[str, ...] = attrs.field(factory=tuple, converter=_remove_signers)
    add_documents: tuple[Document, ...] = attrs.field(factory=tuple, converter=_add_documents)
    remove_documents: tuple[str, ...] = attrs.field(factory=tuple, converter=_remove_documents)


@attrs.frozen(slots=True)
class SignerUpdate:
    """A contact change for one signer; ``None`` leaves a value as it is."""

    email: str | None = None
    phone: str | None = None
    delivery: frozenset[Delivery] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_deliveries)
    )
