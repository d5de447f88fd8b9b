"""Every DocuSign endpoint signport calls, in one table, and the requests built from it.

Reference: docs/vendors/docusign.md §4 (endpoint index). eSignature paths are relative to the
account's REST base (``{base_uri}/restapi``) and start with ``/v2.1/accounts/{accountId}``; the
OAuth paths are on the OAuth host (§1). Every route here is documented.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import httpx

from signport.transport import parse_url
from signport.wire import path_segment

ACCOUNT = "/v2.1/accounts/{accountId}"
ENVELOPE = ACCOUNT + "/envelopes/{envelopeId}"


@attrs.frozen(slots=True)
class Route:
    """One endpoint: method, path template (``{name}`` placeholders), reference section."""

    method: str
    path: str
    section: str
    note: str = ""


ROUTES: Mapping[str, Route] = {
    "create": Route("POST", ACCOUNT + "/envelopes", "§5.1"),
    "envelope": Route("GET", ENVELOPE, "§5.2"),
    "list": Route("GET", ACCOUNT + "/envelopes", "§5.3", "listStatusChanges"),
    "update": Route("PUT", ENVELOPE, "§5.5", "send, void, subject/message, resend"),
    "recipients_update": Route("PUT", ENVELOPE + "/recipients", "§5.6", "multi-item: per-item errorDetails"),
    "recipients_delete": Route("DELETE", ENVELOPE + "/recipients", "§5.6"),
    "tabs_add": Route("POST", ENVELOPE + "/recipients/{recipientId}/tabs", "§5.6"),
    "documents_update": Route("PUT", ENVELOPE + "/documents", "§5.8"),
    "documents_delete": Route("DELETE", ENVELOPE + "/documents", "§5.8"),
    "document": Route("GET", ENVELOPE + "/documents/{documentId}", "§5.7", "real id, combined, certificate"),
    "recipient_view": Route("POST", ENVELOPE + "/views/recipient", "§5.10"),
    "folder": Route("PUT", ACCOUNT + "/folders/{folderId}", "§5.9", "recyclebin moves a draft out"),
}

#: OAuth endpoints on the OAuth host (§2).
AUTHORIZE_PATH = "/oauth/auth"
TOKEN_PATH = "/oauth/token"  # noqa: S105 (a path, not a secret)
USERINFO_PATH = "/oauth/userinfo"

#: §5.2: what ``get`` asks the envelope to include (signer states, documents, the folder it sits in).
ENVELOPE_INCLUDE = "recipients,documents,folders"


class Routes:
    """Builds absolute ``httpx.Request`` objects for one account on one REST base."""

    def __init__(self, rest_base: str, account_id: str) -> None:
        self.rest_base = rest_base.rstrip("/")
        self.account_id = account_id

    def url(self, name: str, **ids: str) -> str:
        """The absolute URL of route ``name``, ids percent-encoded (no ``/`` can slip in)."""
        values = {"accountId": self.account_id, **ids}
        return self.rest_base + ROUTES[name].path.format(**{k: path_segment(v) for k, v in values.items()})

    def request(self, name: str, *, json: Any = None, params: Mapping[str, str] | None = None,
                **ids: str) -> httpx.Request:
        """A request for route ``name`` with an optional JSON body and query."""
        return httpx.Request(ROUTES[name].method, parse_url(self.url(name, **ids)), json=json,
                             params=dict(params) if params else None)

    # --- one method per route, so flows read like the reference -----------------------------
    def create(self, body: Mapping[str, Any]) -> httpx.Request:
        """§5.1."""
        return self.request("create", json=dict(body))

    def envelope(self, envelope_id: str) -> httpx.Request:
        """§5.2 with recipients, documents and folders."""
        return self.request("envelope", envelopeId=envelope_id, params={"include": ENVELOPE_INCLUDE})

    def list(self, params: Mapping[str, str]) -> httpx.Request:
        """§5.3."""
        return self.request("list", params=params)

    def update(self, envelope_id: str, body: Mapping[str, Any]) -> httpx.Request:
        """§5.5."""
        return self.request("update", envelopeId=envelope_id, json=dict(body))

    def recipients_update(self, envelope_id: str, body: Mapping[str, Any], *, resend: bool = False) -> httpx.Request:
        """§5.6 (``resend_envelope=true`` sends the new invitation at once)."""
        params = {"resend_envelope": "true"} if resend else None
        return self.request("recipients_update", envelopeId=envelope_id, json=dict(body), params=params)

    def recipients_delete(self, envelope_id: str, recipient_ids: Sequence[str]) -> httpx.Request:
        """§5.6."""
        body = {"signers": [{"recipientId": r} for r in recipient_ids]}
        return self.request("recipients_delete", envelopeId=envelope_id, json=body)

    def tabs_add(self, envelope_id: str, recipient_id: str, tabs: Mapping[str, Any]) -> httpx.Request:
        """§5.6."""
        return self.request("tabs_add", envelopeId=envelope_id, recipientId=recipient_id, json=dict(tabs))

    def documents_update(self, envelope_id: str, documents: Sequence[Mapping[str, Any]]) -> httpx.Request:
        """§5.8."""
        return self.request("documents_update", envelopeId=envelope_id, json={"documents": list(documents)})

    def documents_delete(self, envelope_id: str, document_ids: Sequence[str]) -> httpx.Request:
        """§5.8."""
        body = {"documents": [{"documentId": d} for d in document_ids]}
        return self.request("documents_delete", envelopeId=envelope_id, json=body)

    def document(self, envelope_id: str, document_id: str,
                 params: Mapping[str, str] | None = None) -> httpx.Request:
        """§5.7."""
        return self.request("document", envelopeId=envelope_id, documentId=document_id, params=params)

    def recipient_view(self, envelope_id: str, body: Mapping[str, Any]) -> httpx.Request:
        """§5.10."""
        return self.request("recipient_view", envelopeId=envelope_id, json=dict(body))

    def recycle(self, envelope_id: str) -> httpx.Request:
        """§5.9: move the envelope to the recycle bin."""
        return self.request("folder", folderId="recyclebin", json={"envelopeIds": [envelope_id]})
