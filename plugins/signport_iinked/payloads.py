"""iinked Sign JSON <-> the neutral model. Pure: no I/O, no clock.

Reference: docs/vendors/iinked.md §3 (conventions), §5.2-§5.10 (shapes), §7.2 (webhooks),
§11 (externalId), §12 (quirks). Every field is optional and may be ``null`` (§3); every quirk in
§12 is tolerated: ``exernalId``, ``signLink`` as a string or an object, 0-7 fractional digits,
``order`` (status) vs ``index`` (package, list), empty ``mobileNumber``.

Three payloads describe a package, and ``parse_envelope`` takes each of them, or a pair:

* the status payload (``GET /packages/{id}/status``, §5.5): revisions with ``isSigned``/``isNext``,
  signer links;
* the full Package (``GET /packages/{id}``, §5.6, or ``package`` in an add/update response): all the
  neutral model shows, with ``timeDeclined``/``declineReason``, ``message``, ``rescindMessage``,
  ``timeCreated``, ``timeSigned``; what ``get`` reads, kept as ``Envelope.raw``;
* a list item (``packages/list``, §5.7): per-signer ``isExecuted``/``isNext``, ``timeExecuted``;
* ``{"status": <status>, "package": <package>}``: both, when the status had to be read for its links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeGuard

from signport import assembly
from signport.errors import ProviderError
from signport.model import Document, Envelope, Event, Signer
from signport.provider import split_marker
from signport.states import SignerState, State, Verification
from signport.wire import format_timestamp, parse_timestamp

from .settings import PROVIDER
from .states import TYPE_FOR_ORDER, event_kind, order_for_type, package_state

Json = Mapping[str, Any]
#: What a missing or malformed object reads as (read-only: it is shared).
_EMPTY: Json = MappingProxyType({})


# --- tolerant accessors ------------------------------------------------------------------------
def as_map(value: Any) -> Json:
    """``value`` if it is a JSON object, else an empty one."""
    return value if is_map(value) else _EMPTY


def is_map(value: Any) -> TypeGuard[Json]:
    """Whether ``value`` is a JSON object (a decoded payload's dicts and ``null`` need no ABC check)."""
    return type(value) is dict or (value is not None and isinstance(value, Mapping))


def as_maps(value: Any) -> list[Json]:
    """The objects of a JSON array (``null``, junk and non-objects give nothing)."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict | Mapping)]
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def _text(value: Any) -> str | None:
    """A non-blank string as given, a number as text; anything else ``None``."""
    if type(value) is str:  # the usual case first
        return value if value.strip() else None
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _int(value: Any) -> int | None:
    if type(value) is int:
        return value
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _position(data: Json) -> int | None:
    """The signing/document position: ``order`` on a status, ``index`` on a package or list item (§12.9)."""
    found = _int(data.get("order"))
    return found if found is not None else _int(data.get("index"))


def _by_position(rows: list[Json]) -> list[Json]:
    return sorted(rows, key=lambda row: _position(row) or 0)  # stable: ties keep the vendor's order


def link_of(value: Any) -> str | None:
    """A link given as a string or as an object with ``link`` (§5.10, §12.5)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    return _text(as_map(value).get("link"))


def unwrap(payload: Json) -> Json:
    """``{"packageId": ..., "package": {...}}`` (add/update responses, §5.2) -> the package."""
    inner = payload.get("package")
    if is_map(inner) and "state" not in payload:
        return inner
    return payload


# --- envelope -------------------------------------------------------------------------------
def parse_envelope(payload: Json) -> Envelope:
    """Any package payload (see the module docstring) -> ``Envelope``; never raises on odd data.

    Each payload is walked once: documents, then signers (with the revisions of every document,
    grouped by signer), and only the timestamps the neutral model shows are parsed.
    """
    payload = as_map(payload)
    status, package = payload.get("status"), payload.get("package")
    if is_map(status) or (is_map(package) and "packageId" not in payload):
        status, package = as_map(status), as_map(package)
        if status and package:
            return _envelope(status, package, payload)
        return _envelope(status or package, _EMPTY, payload)
    return _envelope(unwrap(payload), _EMPTY, payload)


def merge(status: Json, package: Json, *, raw: Json | None = None) -> Envelope:
    """An ``Envelope`` from a status payload and a full Package (either may be empty)."""
    first = status or package
    return _envelope(first, package if status else _EMPTY, first if raw is None else raw)


def _envelope(first: Json, full: Json, raw: Json) -> Envelope:
    """``first``: the payload read (status, Package or list item); ``full``: the Package read beside a
    status (it adds declines, ``message``, ``rescindMessage``, ``timeCreated``, ``timeSigned``), or empty."""
    native = _text(first.get("state")) or _text(full.get("state"))
    docs = as_maps(first.get("documents"))
    full_docs = as_maps(full.get("documents")) if full else []
    documents = _documents(docs, full_docs)
    # One walk over the revisions (§5.5/§5.6): grouped by signer, and whether any is signed.
    revisions: dict[str, list[Json]] = {}
    any_signed = False
    for doc in (docs + full_docs) if full_docs else docs:
        for rev in as_maps(doc.get("revisions")):
            if rev.get("isSigned") is True:
                any_signed = True
            signer_id = _text(rev.get("signerId"))
            if signer_id:
                revisions.setdefault(signer_id, []).append(rev)
    signers = _signers(first, full, revisions, native)
    state = envelope_state(native, first, full, signers, any_signed)
    completed_at = parse_timestamp(first.get("timeExecuted")) or parse_timestamp(full.get("timeExecuted"))
    if completed_at is None and state is State.COMPLETED:
        completed_at = _latest([s.signed_at for s in signers])
    return assembly.envelope(
        subject=_text(first.get("name")) or _text(full.get("name")) or "",
        documents=documents,
        signers=signers,
        order=order_for_type(_text(first.get("type")) or _text(full.get("type"))),
        sign_by=parse_timestamp(first.get("timeSignBy")) or parse_timestamp(full.get("timeSignBy")),
        message=_text(full.get("message")) or _text(first.get("message")),
        id=_text(first.get("packageId")) or _text(full.get("packageId")),
        state=state,
        native_state=native,
        provider=PROVIDER,
        created_at=parse_timestamp(first.get("timeCreated")) or parse_timestamp(full.get("timeCreated")),
        completed_at=completed_at,
        void_reason=_text(full.get("rescindMessage")) or _text(first.get("rescindMessage")),
        raw=raw,
    )


def executed_documents(status: Json) -> tuple[Document, ...] | None:
    """The documents of a package whose ``state`` is ``executed`` (COMPLETED whatever its signers say,
    as ``parse_envelope`` reads it), without building the rest; ``None`` for any other payload."""
    payload = as_map(status)
    if _text(payload.get("state")) != "executed" or is_map(payload.get("status")) or is_map(payload.get("package")):
        return None
    return _documents(as_maps(payload.get("documents")), [])


def envelope_state(native: str | None, first: Json, full: Json, signers: Sequence[Signer],
                   any_signed: bool) -> State:
    """§4.2 plus the refinements the neutral model needs (issue: state map).

    * ``open`` with ``isExecuted: true`` is COMPLETED (before 4.0 executed packages read ``open``, §4.2);
      a Package (§5.6) has no ``isExecuted``: there, every revision signed is what executed means (§4.2);
    * ``open`` or an unknown state with a declined signer is DECLINED (the reference does not say how
      a decline shows on the package, §5.6: signport reads the signer's ``timeDeclined``);
    * ``open`` with any signature is IN_PROGRESS, else SENT.
    """
    state = package_state(native)
    if native != "open" and state is not State.UNKNOWN:
        return state
    if native == "open":
        flags = (first.get("isExecuted"), full.get("isExecuted"))
        if flags[0] is True or flags[1] is True:
            return State.COMPLETED
        if not isinstance(flags[0], bool) and not isinstance(flags[1], bool) and _all_revisions_signed(first):
            return State.COMPLETED
    declined = signed = False
    for signer in signers:
        declined = declined or signer.state is SignerState.DECLINED
        signed = signed or signer.state is SignerState.SIGNED
    if declined:
        return State.DECLINED
    if state is State.UNKNOWN:
        return state
    if any_signed or signed or (_int(first.get("revisionsSigned")) or 0) > 0 \
            or (_int(full.get("revisionsSigned")) or 0) > 0:
        return State.IN_PROGRESS
    return State.SENT


def _all_revisions_signed(package: Json) -> bool:
    """A Package's ``revisionsSigned == revisionsCount > 0`` (§5.6)."""
    count = _int(package.get("revisionsCount"))
    return bool(count) and _int(package.get("revisionsSigned")) == count


def _documents(docs: list[Json], full_docs: list[Json]) -> tuple[Document, ...]:
    extra = {(_text(d.get("documentId")) or ""): d for d in full_docs}
    out = []
    for doc in _by_position(docs):
        doc_id = _text(doc.get("documentId"))
        full = extra.get(doc_id or "", _EMPTY) if extra else _EMPTY
        name = (_text(doc.get("fileName")) or _text(doc.get("name")) or _text(full.get("fileName"))
                or _text(full.get("name")) or doc_id or "")
        # §11/§12.1: the status example spells it "exernalId".
        # signport's correlation marker rides beside the key (provider.create); the key comes back alone.
        external = (_text(doc.get("externalId")) or _text(doc.get("exernalId")) or _text(full.get("externalId"))
                    or _text(full.get("exernalId")))
        key = split_marker(external)[0] if external else None
        out.append(assembly.document(name=name, id=doc_id, key=key, raw=doc))
    return tuple(out)


def _signers(first: Json, full: Json, revisions: Mapping[str, list[Json]],
             native: str | None) -> tuple[Signer, ...]:
    full_by_id = {(_text(s.get("signerId")) or ""): s for s in as_maps(full.get("signers"))} if full else {}
    out = []
    for row in _by_position(as_maps(first.get("signers"))):
        signer_id = _text(row.get("signerId"))
        package_row = full_by_id.get(signer_id or "") or row
        # What the row read lacks, the Package's row may give (when a status was read beside it).
        other = package_row if package_row is not row else _EMPTY
        revs = revisions.get(signer_id or "", [])
        state = signer_state(row, package_row, revs, native)
        signed_at = None
        if state is SignerState.SIGNED:
            signed_at = _latest([parse_timestamp(r.get("timeSigned")) for r in revs]) or parse_timestamp(
                row.get("timeExecuted"))
        position = _position(row)
        declined = package_row.get("timeDeclined")
        out.append(assembly.signer(
            first_name=_text(row.get("firstName")) or _text(other.get("firstName")) or "",
            last_name=_text(row.get("lastName")) or _text(other.get("lastName")) or "",
            # §5.5 example: "mobileNumber": "" means none.
            email=_text(row.get("email")) or _text(other.get("email")),
            phone=_text(row.get("mobileNumber")) or _text(other.get("mobileNumber")),
            language=_text(package_row.get("locale")),
            id=signer_id,
            state=state,
            native_state=_text(package_row.get("state")),
            order=position if position is not None else _int(package_row.get("index")),
            signed_at=signed_at,
            declined_at=parse_timestamp(declined) if declined else None,
            decline_reason=_text(package_row.get("declineReason")) or _text(package_row.get("declineMessage")),
            # §5.10/§12.5: a string in the guide, an object in the status example.
            signing_url=link_of(row.get("signLink")) or link_of(other.get("signLink")),
            raw=row,
        ))
    return tuple(out)


def signer_state(row: Json, full: Json, revisions: Sequence[Json], native: str | None) -> SignerState:
    """A signer's state from decline fields, revision flags (§5.5/§5.6) and list flags (§5.7).

    The signer ``state`` values are not documented (§4.3), so they are kept as ``native_state``
    and not mapped.
    """
    if (_text(full.get("timeDeclined")) or _text(full.get("declineReason")) or _text(full.get("declineMessage"))
            or (full is not row and _text(row.get("timeDeclined")))):
        return SignerState.DECLINED
    if native == "executed":
        return SignerState.SIGNED
    if row.get("isExecuted") is True or full.get("isExecuted") is True \
            or (revisions and all(r.get("isSigned") is True for r in revisions)):
        return SignerState.SIGNED
    if native != "open":
        return SignerState.PENDING
    if row.get("isNext") is True or full.get("next") is True or full.get("isNext") is True \
            or any(r.get("isNext") is True for r in revisions):
        return SignerState.NEXT
    return SignerState.PENDING


def _latest(stamps: list[datetime | None]) -> datetime | None:
    found = [s for s in stamps if s is not None]
    return max(found) if found else None


# --- webhooks -------------------------------------------------------------------------------
def parse_event(payload: Json, verification: Verification) -> Event:
    """A webhook payload (§7.2) -> ``Event``; ``eventId`` is the id to deduplicate on."""
    action = _text(payload.get("action"))
    return Event(
        kind=event_kind(action),
        envelope_id=_text(payload.get("packageId")),
        signer_id=_text(payload.get("signerId")),
        document_id=_text(payload.get("documentId")),
        occurred_at=parse_timestamp(payload.get("eventTime")),
        id=_text(payload.get("eventId")),
        native_kind=action,
        provider=PROVIDER,
        verification=verification,
        raw=payload,
    )


# --- other responses ------------------------------------------------------------------------
def uploaded_file_ids(payload: Any) -> list[str]:
    """``fileId`` values from an upload response: one object, a list, or a list under any key (§5.1)."""
    if isinstance(payload, Mapping):
        file_id = _text(payload.get("fileId"))
        if file_id:
            return [file_id]
        for value in payload.values():
            ids = [i for i in (_text(v.get("fileId")) for v in as_maps(value)) if i]
            if ids:
                return ids
        return []
    return [i for i in (_text(v.get("fileId")) for v in as_maps(payload)) if i]


def package_id_of(payload: Any) -> str:
    """``packageId`` of an add/update/send response; a response without one is a ``ProviderError``."""
    data = as_map(payload)
    package_id = _text(data.get("packageId")) or _text(as_map(data.get("package")).get("packageId"))
    if not package_id:
        raise ProviderError("the vendor's response has no packageId", provider=PROVIDER)
    return package_id


def returned_package(payload: Any, package_id: str) -> Json | None:
    """The Package an add/update answered with (``returnPackage``, §3/§5.2/§5.3), when it is the one
    asked about (its ``packageId`` is ``package_id``); else ``None`` and the caller reads it back."""
    package = as_map(payload).get("package")
    if isinstance(package, Mapping) and package.get("packageId") == package_id:
        return package
    return None


def package_id_in(package: Json) -> str | None:
    """The ``packageId`` a package payload names, if any."""
    return _text(package.get("packageId"))


def has_signer_links(package: Json) -> bool:
    """Whether any signer of a Package carries its ``signLink`` (§5.10)."""
    return any(link_of(row.get("signLink")) for row in as_maps(package.get("signers")))


def link_from_response(payload: Any) -> str:
    """The URL of a link response (§5.10: ``{packageId, name, link, type, token, timeExpires}``)."""
    link = link_of(payload)
    if not link:
        raise ProviderError("the vendor's link response has no link", provider=PROVIDER)
    return link


def list_page(payload: Any) -> tuple[list[Json], int, int]:
    """``(items, skip, total)`` of a ``packages/list`` response (§5.7)."""
    data = as_map(payload)
    items = as_maps(data.get("items"))
    return items, _int(data.get("skip")) or 0, _int(data.get("total")) or 0


# --- request bodies -------------------------------------------------------------------------
def signer_body(signer: Signer) -> dict[str, Any]:
    """A signer for ``signers[]``/``addSigners[]`` (§5.2/§5.3 examples)."""
    body: dict[str, Any] = {"firstName": signer.first_name, "lastName": signer.last_name}
    if signer.email:
        body["email"] = signer.email
    if signer.phone:
        body["mobileNumber"] = signer.phone
    if signer.language:
        # §5.6 reads a signer ``locale``; whether add/update accept it, and in which form, is past the
        # cut-off of the §5.2 body table. Sent as given so a refusal surfaces as the vendor's error.
        body["locale"] = signer.language
    return body


def add_body(envelope: Envelope, documents: Sequence[tuple[str, str]], *, send: bool, links: bool,
             extras: Mapping[str, Any]) -> dict[str, Any]:
    """The ``packages/add`` body (§5.2). ``documents`` are ``(fileName, fileId)`` pairs.

    ``extras`` go in last and win (``templateId``, ``type`` for Group Send/VSR/In Person, ``options``,
    ``externalData``...): the add body table is cut off in the reference, so nothing else is guessed.
    """
    body: dict[str, Any] = {
        "name": envelope.subject,
        "type": TYPE_FOR_ORDER[envelope.order],
        "state": "open" if send else "draft",
        # §5.2: array order is the signing order for Sequential.
        "signers": [signer_body(s) for s in envelope.signers],
        "documents": [{"fileName": name, "fileId": file_id} for name, file_id in documents],
    }
    if envelope.sign_by is not None:
        body["timeSignBy"] = format_timestamp(envelope.sign_by)
    if envelope.message is not None:
        body["message"] = envelope.message
    if links:
        body["generateSignerLinks"] = True
    # §3: the add answers with the Package, so ``create`` needs no read-back.
    body["returnPackage"] = True
    body.update(extras)
    return body
