"""iinked Sign JSON <-> the neutral model. Pure: no I/O, no clock.

Reference: docs/vendors/iinked.md §3 (conventions), §5.2-§5.10 (shapes), §7.2 (webhooks),
§11 (externalId), §12 (quirks). Every field is optional and may be ``null`` (§3); every quirk in
§12 is tolerated: ``exernalId``, ``signLink`` as a string or an object, 0-7 fractional digits,
``order`` (status) vs ``index`` (package, list), empty ``mobileNumber``.

Three payloads describe a package, and ``parse_envelope`` takes each of them, or a pair:

* the status payload (``GET /packages/{id}/status``, §5.5): revisions with ``isSigned``/``isNext``,
  signer links;
* the full Package (``GET /packages/{id}``, §5.6, or ``package`` in an add/update response):
  ``timeDeclined``/``declineReason``, ``message``, ``rescindMessage``, ``timeCreated``, ``timeSigned``;
* a list item (``packages/list``, §5.7): per-signer ``isExecuted``/``isNext``, ``timeExecuted``;
* ``{"status": <status>, "package": <package>}``: what ``get`` reads, kept as ``Envelope.raw``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from signport.errors import ProviderError
from signport.model import Document, Envelope, Event, Signer
from signport.provider import split_marker
from signport.states import SignerState, State, Verification
from signport.wire import format_timestamp, parse_timestamp

from .settings import PROVIDER
from .states import TYPE_FOR_ORDER, event_kind, order_for_type, package_state

Json = Mapping[str, Any]


# --- tolerant accessors ------------------------------------------------------------------------
def as_map(value: Any) -> Json:
    return value if isinstance(value, Mapping) else {}


def as_maps(value: Any) -> list[Json]:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def _text(data: Json, *keys: str) -> str | None:
    """The first key holding a non-empty string (numbers are turned into text)."""
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    return None


def _flag(data: Json, key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def _int(data: Json, *keys: str) -> int | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _latest(stamps: Iterable[datetime | None]) -> datetime | None:
    found = [s for s in stamps if s is not None]
    return max(found) if found else None


def link_of(value: Any) -> str | None:
    """A link given as a string or as an object with ``link`` (§5.10, §12.5)."""
    if isinstance(value, str):
        return value or None
    return _text(as_map(value), "link")


def unwrap(payload: Json) -> Json:
    """``{"packageId": ..., "package": {...}}`` (add/update responses, §5.2) -> the package."""
    inner = payload.get("package")
    if isinstance(inner, Mapping) and "state" not in payload:
        return inner
    return payload


# --- envelope -------------------------------------------------------------------------------
def parse_envelope(payload: Json) -> Envelope:
    """Any package payload (see the module docstring) -> ``Envelope``; never raises on odd data."""
    payload = as_map(payload)
    combined = isinstance(payload.get("status"), Mapping) or (
        isinstance(payload.get("package"), Mapping) and "packageId" not in payload)
    if combined:
        return merge(as_map(payload.get("status")), as_map(payload.get("package")), raw=payload)
    return merge(unwrap(payload), {}, raw=payload)


def merge(status: Json, package: Json, *, raw: Json | None = None) -> Envelope:
    """An ``Envelope`` from a status payload and a full Package (either may be empty)."""
    first = status or package
    native = _text(first, "state") or _text(package, "state")
    documents = _documents(status, package)
    signers = _signers(status, package, documents_of=as_maps(first.get("documents")) + (
        as_maps(package.get("documents")) if status else []), native=native)
    state = envelope_state(native, first, package, signers)
    completed_at = parse_timestamp(first.get("timeExecuted")) or parse_timestamp(package.get("timeExecuted"))
    if completed_at is None and state is State.COMPLETED:
        completed_at = _latest(s.signed_at for s in signers)
    return Envelope(
        subject=_text(first, "name") or _text(package, "name") or "",
        documents=documents,
        signers=signers,
        order=order_for_type(_text(first, "type") or _text(package, "type")),
        sign_by=parse_timestamp(first.get("timeSignBy")) or parse_timestamp(package.get("timeSignBy")),
        message=_text(package, "message") or _text(status, "message"),
        id=_text(first, "packageId") or _text(package, "packageId"),
        state=state,
        native_state=native,
        provider=PROVIDER,
        created_at=parse_timestamp(first.get("timeCreated")) or parse_timestamp(package.get("timeCreated")),
        completed_at=completed_at,
        void_reason=_text(package, "rescindMessage") or _text(status, "rescindMessage"),
        raw=raw if raw is not None else first,
    )


def envelope_state(native: str | None, payload: Json, package: Json, signers: Sequence[Signer]) -> State:
    """§4.2 plus the refinements the neutral model needs (issue: state map).

    * ``open`` with ``isExecuted: true`` is COMPLETED (before 4.0 executed packages read ``open``, §4.2);
    * ``open`` or an unknown state with a declined signer is DECLINED (the reference does not say how
      a decline shows on the package, §5.6: signport reads the signer's ``timeDeclined``);
    * ``open`` with any signature is IN_PROGRESS, else SENT.
    """
    state = package_state(native)
    if native != "open" and state is not State.UNKNOWN:
        return state
    if native == "open" and (_flag(payload, "isExecuted") or _flag(package, "isExecuted")):
        return State.COMPLETED
    if any(s.state is SignerState.DECLINED for s in signers):
        return State.DECLINED
    if state is State.UNKNOWN:
        return state
    if _any_signature(payload) or _any_signature(package) or any(s.state is SignerState.SIGNED for s in signers):
        return State.IN_PROGRESS
    return State.SENT


def _any_signature(payload: Json) -> bool:
    if (_int(payload, "revisionsSigned") or 0) > 0:
        return True
    for doc in as_maps(payload.get("documents")):
        if any(_flag(r, "isSigned") for r in as_maps(doc.get("revisions"))):
            return True
    return any(_flag(s, "isExecuted") for s in as_maps(payload.get("signers")))


def _documents(status: Json, package: Json) -> tuple[Document, ...]:
    first = status or package
    extra = {(_text(d, "documentId") or ""): d for d in as_maps(package.get("documents"))} if status else {}
    docs = as_maps(first.get("documents"))
    ordered = sorted(enumerate(docs), key=lambda p: (_int(p[1], "order", "index") or 0, p[0]))
    out = []
    for _, doc in ordered:
        full = extra.get(_text(doc, "documentId") or "", {})
        out.append(Document(
            name=_text(doc, "fileName", "name") or _text(full, "fileName", "name") or _text(doc, "documentId") or "",
            id=_text(doc, "documentId"),
            # §11/§12.1: the status example spells it "exernalId".
            # signport's correlation marker rides beside the key (provider.create); the key comes back alone.
            key=split_marker(_text(doc, "externalId", "exernalId") or _text(full, "externalId", "exernalId"))[0],
            raw=doc,
        ))
    return tuple(out)


def _revisions_by_signer(documents: Iterable[Json]) -> dict[str, list[Json]]:
    out: dict[str, list[Json]] = {}
    for doc in documents:
        for rev in as_maps(doc.get("revisions")):
            signer_id = _text(rev, "signerId")
            if signer_id:
                out.setdefault(signer_id, []).append(rev)
    return out


def _signers(status: Json, package: Json, *, documents_of: list[Json], native: str | None) -> tuple[Signer, ...]:
    first = status or package
    full_by_id = {(_text(s, "signerId") or ""): s for s in as_maps(package.get("signers"))} if status else {}
    revisions = _revisions_by_signer(documents_of)
    rows = as_maps(first.get("signers"))
    ordered = sorted(enumerate(rows), key=lambda p: (_int(p[1], "order", "index") or 0, p[0]))
    out = []
    for _, row in ordered:
        signer_id = _text(row, "signerId")
        full = full_by_id.get(signer_id or "", {}) or row
        revs = revisions.get(signer_id or "", [])
        state = signer_state(row, full, revs, native)
        signed_at = _latest(parse_timestamp(r.get("timeSigned")) for r in revs) or parse_timestamp(
            row.get("timeExecuted"))
        out.append(Signer(
            first_name=_text(row, "firstName") or _text(full, "firstName") or "",
            last_name=_text(row, "lastName") or _text(full, "lastName") or "",
            # §5.5 example: "mobileNumber": "" means none.
            email=_text(row, "email") or _text(full, "email"),
            phone=_text(row, "mobileNumber") or _text(full, "mobileNumber"),
            language=_text(full, "locale"),
            id=signer_id,
            state=state,
            native_state=_text(full, "state"),
            order=_int(row, "order", "index") if _int(row, "order", "index") is not None else _int(full, "index"),
            signed_at=signed_at if state is SignerState.SIGNED else None,
            declined_at=parse_timestamp(full.get("timeDeclined")),
            decline_reason=_text(full, "declineReason", "declineMessage"),
            # §5.10/§12.5: a string in the guide, an object in the status example.
            signing_url=link_of(row.get("signLink")) or link_of(full.get("signLink")),
            raw=row,
        ))
    return tuple(out)


def signer_state(row: Json, full: Json, revisions: Sequence[Json], native: str | None) -> SignerState:
    """A signer's state from decline fields, revision flags (§5.5/§5.6) and list flags (§5.7).

    The signer ``state`` values are not documented (§4.3), so they are kept as ``native_state``
    and not mapped.
    """
    if _text(full, "timeDeclined", "declineReason", "declineMessage") or _text(row, "timeDeclined"):
        return SignerState.DECLINED
    if native == "executed":
        return SignerState.SIGNED
    flags = [_flag(r, "isSigned") for r in revisions]
    if (flags and all(flags)) or _flag(row, "isExecuted") or _flag(full, "isExecuted"):
        return SignerState.SIGNED
    if native != "open":
        return SignerState.PENDING
    if any(_flag(r, "isNext") for r in revisions) or _flag(row, "isNext") or _flag(full, "next") \
            or _flag(full, "isNext"):
        return SignerState.NEXT
    return SignerState.PENDING


# --- webhooks -------------------------------------------------------------------------------
def parse_event(payload: Json, verification: Verification) -> Event:
    """A webhook payload (§7.2) -> ``Event``; ``eventId`` is the id to deduplicate on."""
    action = _text(payload, "action")
    return Event(
        kind=event_kind(action),
        envelope_id=_text(payload, "packageId"),
        signer_id=_text(payload, "signerId"),
        document_id=_text(payload, "documentId"),
        occurred_at=parse_timestamp(payload.get("eventTime")),
        id=_text(payload, "eventId"),
        native_kind=action,
        provider=PROVIDER,
        verification=verification,
        raw=payload,
    )


# --- other responses ------------------------------------------------------------------------
def uploaded_file_ids(payload: Any) -> list[str]:
    """``fileId`` values from an upload response: one object, a list, or a list under any key (§5.1)."""
    if isinstance(payload, Mapping):
        if _text(payload, "fileId"):
            return [str(_text(payload, "fileId"))]
        for value in payload.values():
            ids = [i for i in (_text(v, "fileId") for v in as_maps(value)) if i]
            if ids:
                return ids
        return []
    return [i for i in (_text(v, "fileId") for v in as_maps(payload)) if i]


def package_id_of(payload: Any) -> str:
    """``packageId`` of an add/update/send response; a response without one is a ``ProviderError``."""
    package_id = _text(as_map(payload), "packageId") or _text(as_map(as_map(payload).get("package")), "packageId")
    if not package_id:
        raise ProviderError("the vendor's response has no packageId", provider=PROVIDER)
    return package_id


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
    return items, _int(data, "skip") or 0, _int(data, "total") or 0


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
    body["returnPackage"] = False
    body.update(extras)
    return body
