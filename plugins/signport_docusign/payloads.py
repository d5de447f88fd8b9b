"""DocuSign JSON <-> the neutral model: pure functions, no I/O.

Reference: docs/vendors/docusign.md. Scalars go out as strings (§3: the spec types almost
every value as a string) and are read tolerantly (numbers or strings).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from signport import assembly
from signport.errors import ValidationError
from signport.model import Document, Envelope, Event, Field, Placement, Signer
from signport.pdf import PageBox
from signport.states import SignerState, SigningOrder, State, Verification
from signport.validation import resolve_ref
from signport.wire import parse_timestamp

from . import states as vendor
from .settings import PROVIDER

Json = Mapping[str, Any]
#: §5.7: ids the documents endpoint gives a special meaning, never a real document.
SPECIAL_DOCUMENT_IDS = frozenset({"combined", "archive", "certificate", "portfolio", "summary"})


# --- tolerant readers ------------------------------------------------------------------------------
def text(value: Any) -> str | None:
    """A scalar as text (the spec's strings, or numbers), ``None`` for nothing."""
    if isinstance(value, str):  # what the spec sends almost everywhere (§3)
        return value.strip() or None
    if value is None or isinstance(value, Mapping | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    result = str(value).strip()
    return result or None


def number(value: Any) -> int | None:
    """A whole number from ``"1"`` or ``1``."""
    raw = text(value)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def mapping(value: Any) -> Json:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def maps(value: Any) -> list[Json]:
    """The mappings of a JSON list (anything else is skipped)."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


# --- coordinates (§7) ---------------------------------------------------------------------------------
def tab_position(placement: Placement, page: PageBox) -> dict[str, str]:
    """The fixed position of a tab for a neutral placement on ``page`` (the page as a reader sees it).

    §7: points from the page's top-left corner to the tab's upper-left corner, whole numbers, never
    negative; so ``yPosition = page_height - (y + height)``. Whether DocuSign measures the crop box or
    the media box, and how it treats ``/Rotate``, is not documented (§7): signport measures the page
    as displayed (crop box, after rotation), as the neutral rule does.
    """
    top = page.height - (placement.y + placement.height)
    return {
        "pageNumber": str(placement.page),
        "xPosition": str(max(0, round(placement.x))),
        "yPosition": str(max(0, round(top))),
    }


def placement_from_tab(tab: Json, page: PageBox | None) -> Placement | None:
    """The neutral placement of a fixed-position tab (inverse of ``tab_position``), when the page is known."""
    page_no, x, y = number(tab.get("pageNumber")), number(tab.get("xPosition")), number(tab.get("yPosition"))
    if page_no is None or x is None or y is None or page is None:
        return None
    width = float(number(tab.get("width")) or 0)
    height = float(number(tab.get("height")) or 0)
    return Placement(page=page_no, x=float(x), y=page.height - y - height, width=width, height=height)


# --- building request bodies ----------------------------------------------------------------------------
def document_body(doc: Document, document_id: str, order: int) -> dict[str, Any]:
    """A ``documents[]`` item (§5.1): the bytes as base64 (the documented way; §5.1 leaves binary out)."""
    with doc.open() as fh:
        content = fh.read()
    name = doc.name if doc.name.lower().endswith(".pdf") else f"{doc.name}.pdf"
    return {"documentId": document_id, "name": name, "fileExtension": "pdf", "order": str(order),
            "documentBase64": base64.b64encode(content).decode("ascii")}


def encoded_size(doc: Document) -> int:
    """Bytes the document takes in the request once base64-encoded (§10 request size limit)."""
    size = doc.size or 0
    return 4 * ((size + 2) // 3)


def signer_body(signer: Signer, recipient_id: str, routing_order: int, *, embedded: bool) -> dict[str, Any]:
    """A ``recipients.signers[]`` item (§5.1). ``clientUserId`` makes the signer embedded (§5.10)."""
    body: dict[str, Any] = {"recipientId": recipient_id, "routingOrder": str(routing_order), "name": signer.name,
                            "email": signer.email or ""}
    if signer.first_name:
        body["firstName"] = signer.first_name
    if signer.last_name:
        body["lastName"] = signer.last_name
    if embedded:
        # §5.10: any non-null value; the recipient id is unique in the envelope and carries no personal data.
        body["clientUserId"] = recipient_id
    return body


def tab_body(field: Field, document_id: str, page: PageBox) -> dict[str, Any]:
    """One tab for a field (§5.1 tab fields, §7 coordinates)."""
    tab: dict[str, Any] = {"documentId": document_id, **tab_position(field.placement, page)}
    if field.type in vendor.SIZED_TABS:
        tab["width"] = str(max(1, round(field.placement.width)))
        tab["height"] = str(max(1, round(field.placement.height)))
    if field.type in vendor.OPTIONAL_TABS:
        tab["optional"] = "false" if field.required else "true"
    elif field.type.value != "checkbox":
        tab["required"] = "true" if field.required else "false"
    return tab


def tabs_for(fields: Iterable[Field], envelope: Envelope, pages: Mapping[int, Mapping[int, PageBox]],
             signer_index: int, document_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The ``tabs`` object of one signer: every field that refers to that signer.

    ``pages`` holds, by document index, the boxes of the pages fields are on, by page number."""
    tabs: dict[str, list[dict[str, Any]]] = {}
    signer_keys = [s.key for s in envelope.signers]
    document_keys = [d.key for d in envelope.documents]
    for i, field in enumerate(fields):
        if resolve_ref(field.signer, signer_keys) != signer_index:
            continue
        doc = resolve_ref(field.document, document_keys)
        if doc is None:
            raise ValidationError(f"refers to no document: {field.document!r}", path=f"fields[{i}].document")
        page = pages[doc][field.placement.page]
        tabs.setdefault(vendor.TAB_TYPES[field.type], []).append(tab_body(field, document_ids[doc], page))
    return tabs


def routing_orders(envelope: Envelope) -> list[int]:
    """``routingOrder`` per signer (§5.1): equal values sign in parallel, ascending values in turn."""
    if envelope.order is SigningOrder.PARALLEL:
        return [1] * len(envelope.signers)
    given = [s.order for s in envelope.signers]
    if all(o is not None for o in given):
        return [int(o) for o in given]  # type: ignore[arg-type]
    return list(range(1, len(envelope.signers) + 1))


def create_body(envelope: Envelope, pages: Mapping[int, Mapping[int, PageBox]], *, send: bool,
                embedded: Sequence[bool], transaction_id: str, extras: Mapping[str, Any]) -> dict[str, Any]:
    """The ``envelopeDefinition`` of a create (§5.1) with a ``transactionId`` (§11)."""
    document_ids = [str(i) for i in range(1, len(envelope.documents) + 1)]
    signers = []
    for i, (signer, order) in enumerate(zip(envelope.signers, routing_orders(envelope), strict=True)):
        item = signer_body(signer, str(i + 1), order, embedded=embedded[i])
        tabs = tabs_for(envelope.fields, envelope, pages, i, document_ids)
        if tabs:
            item["tabs"] = tabs
        signers.append(item)
    body: dict[str, Any] = {
        "emailSubject": envelope.subject,
        "status": "sent" if send else "created",
        "transactionId": transaction_id,
        "documents": [document_body(d, document_ids[i], i + 1) for i, d in enumerate(envelope.documents)],
        "recipients": {"signers": signers},
    }
    if envelope.message:
        body["emailBlurb"] = envelope.message
    body.update({k: v for k, v in extras.items() if k != "embedded_signers"})
    return body


# --- parsing answers --------------------------------------------------------------------------------------
def _split_name(signer: Json) -> tuple[str, str]:
    first, last = text(signer.get("firstName")), text(signer.get("lastName"))
    if first or last:
        return first or "", last or ""
    name = text(signer.get("name")) or ""
    head, _, tail = name.rpartition(" ")
    return (head, tail) if head else (name, "")


def parse_signer(signer: Json, current_order: int | None, live: bool) -> Signer:
    """A ``signers[]`` item -> Signer; NEXT for a waiting signer whose routing order is current (§3.2)."""
    native = text(signer.get("status"))
    state = vendor.recipient_state(native)
    order = number(signer.get("routingOrder"))
    if (live and state is SignerState.PENDING and (native or "").lower() in vendor.WAITING
            and (current_order is None or order is None or order == current_order)):
        state = SignerState.NEXT
    first, last = _split_name(signer)
    return assembly.signer(
        first_name=first, last_name=last, email=text(signer.get("email")), phone=None,
        # The invitation channel is not reported on a read (delivery stays empty, as the model says).
        delivery=frozenset(), id=text(signer.get("recipientId")), state=state, native_state=native, order=order,
        signed_at=parse_timestamp(signer.get("signedDateTime")),
        declined_at=parse_timestamp(signer.get("declinedDateTime")),
        decline_reason=text(signer.get("declinedReason")), raw=signer,
    )


def current_routing_order(recipients: Json, signers: Sequence[Json]) -> int | None:
    """``currentRoutingOrder`` (§3.2), else the lowest order among signers still waiting."""
    given = number(recipients.get("currentRoutingOrder"))
    if given is not None:
        return given
    waiting = [number(s.get("routingOrder")) for s in signers
               if (text(s.get("status")) or "").lower() in vendor.WAITING]
    orders = [o for o in waiting if o is not None]
    return min(orders) if orders else None


def envelope_state(native: str | None, signers: Sequence[Signer]) -> State:
    """§3.1: ``sent``/``delivered`` are SENT until a signer has signed, IN_PROGRESS after."""
    state = vendor.envelope_status(native)
    if (native or "").lower() in vendor.LIVE and any(s.state is SignerState.SIGNED for s in signers):
        return State.IN_PROGRESS
    return state


def parse_documents(items: Any) -> tuple[Document, ...]:
    """``envelopeDocuments[]`` -> Documents, without the certificate and other special ids (§5.7)."""
    docs = []
    for item in maps(items):
        doc_id = text(item.get("documentId"))
        if doc_id is None or doc_id.lower() in SPECIAL_DOCUMENT_IDS:
            continue
        docs.append(assembly.document(name=text(item.get("name")) or f"document-{doc_id}.pdf", id=doc_id, raw=item))
    return tuple(docs)


def in_recycle_bin(payload: Json) -> bool:
    """True when the envelope sits in the recycle bin (§5.9: where a deleted draft goes)."""
    for folder in maps(payload.get("folders")):
        if "recyclebin" in {(text(folder.get("folderId")) or "").lower(), (text(folder.get("type")) or "").lower()}:
            return True
    return False


def parse_envelope(payload: Json) -> Envelope:
    """An ``envelope`` (GET, list item or Connect ``envelopeSummary``) -> Envelope."""
    recipients = mapping(payload.get("recipients"))
    raw_signers = maps(recipients.get("signers"))
    native = text(payload.get("status"))
    live = (native or "").lower() in vendor.LIVE
    current = current_routing_order(recipients, raw_signers)
    signers = tuple(sorted((parse_signer(s, current, live) for s in raw_signers),
                           key=lambda s: (s.order or 0, number(s.id) or 0)))
    orders = {s.order for s in signers}
    return assembly.envelope(
        subject=text(payload.get("emailSubject")) or "",
        documents=parse_documents(payload.get("envelopeDocuments")),
        signers=signers,
        order=SigningOrder.SEQUENTIAL if len(orders) > 1 else SigningOrder.PARALLEL,
        message=text(payload.get("emailBlurb")),
        id=text(payload.get("envelopeId")),
        state=envelope_state(native, signers),
        native_state=native,
        provider=PROVIDER,
        created_at=parse_timestamp(payload.get("createdDateTime")),
        completed_at=parse_timestamp(payload.get("completedDateTime")),
        void_reason=text(payload.get("voidedReason")),
        raw=payload,
    )


def list_page(payload: Json) -> tuple[list[Json], int | None]:
    """``envelopesInformation`` (§5.3) -> (envelopes, the next ``start_position`` or ``None``)."""
    items = maps(payload.get("envelopes"))
    end = number(payload.get("endPosition"))
    total = number(payload.get("totalSetSize"))
    next_uri = text(payload.get("nextUri"))
    if not items or end is None:
        return items, None
    following = end + 1
    if next_uri or (total is not None and following < total):
        return items, following
    return items, None


def parse_event(payload: Json, verification: Verification) -> Event:
    """A Connect JSON SIM message (§8.2) -> Event; the envelope summary, when sent, stays in ``raw``."""
    data = mapping(payload.get("data"))
    native = text(payload.get("event"))
    envelope_id = text(data.get("envelopeId"))
    generated = text(payload.get("generatedDateTime"))
    # §8.4: no event id is documented; (envelope, event, time) identifies a delivery for de-duplication.
    ident = ":".join(p for p in (envelope_id, native, generated) if p) or None
    return Event(kind=vendor.event_kind(native), envelope_id=envelope_id, signer_id=text(data.get("recipientId")),
                 occurred_at=parse_timestamp(generated), id=ident, native_kind=native, provider=PROVIDER,
                 verification=verification, raw=payload)
