# signport_acme/provider.py
"""The Acme provider."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import attrs
import httpx

from signport import (
    AuthError,
    Capabilities,
    DocumentKind,
    Envelope,
    NotFound,
    ProviderError,
    RateLimited,
    Signer,
    SignerState,
    SigningOrder,
    SignportError,
    State,
)
from signport.multipart import FilePart, multipart_request
from signport.provider import Flow, Provider, json_body, retry_after, save_to, saved_path

STATES = {
    "sent": State.SENT,
    "partially_signed": State.IN_PROGRESS,
    "signed": State.COMPLETED,
    "declined": State.DECLINED,
    "voided": State.VOIDED,
}
SIGNER_STATES = {
    "waiting": SignerState.PENDING,
    "to_sign": SignerState.NEXT,
    "signed": SignerState.SIGNED,
    "declined": SignerState.DECLINED,
}


@attrs.frozen
class AcmeSettings:
    # Required (no default): a missing key fails naming SIGNPORT_ACME_API_KEY. Secret: not in any repr.
    api_key: str = attrs.field(repr=False, metadata={"secret": True})
    base_url: str = "https://api.acme.example/v1"


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class AcmeProvider(Provider):
    name = "acme"
    capabilities: ClassVar[Capabilities] = Capabilities(
        sequential_order=True,
        parallel_order=True,
        void_reason=True,
        download_kinds=frozenset({DocumentKind.EXECUTED}),
    )
    settings_class = AcmeSettings

    @property
    def base_url(self) -> str:
        return str(self.settings.base_url).rstrip("/")

    @property
    def auth(self) -> httpx.Auth:
        return BearerAuth(self.settings.api_key)

    def error(self, response: httpx.Response) -> SignportError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        details: dict[str, Any] = {
            "provider": self.name, "status": response.status_code,
            "code": body.get("code"), "vendor_message": body.get("message"),
        }
        if response.status_code in (401, 403):
            return AuthError("Acme refused the API key", **details)
        if response.status_code == 404:
            return NotFound("no such Acme envelope", **details)
        if response.status_code == 429:
            return RateLimited("Acme rate limit", retry_after=retry_after(response), **details)
        return ProviderError(f"Acme answered HTTP {response.status_code}", **details)

    def parse_envelope(self, payload: Mapping[str, Any]) -> Envelope:
        status = str(payload.get("status"))
        return Envelope(
            subject=payload["title"],
            id=payload["id"],
            state=STATES.get(status, State.UNKNOWN),
            native_state=status,
            order=SigningOrder.SEQUENTIAL if payload.get("sequential") else SigningOrder.PARALLEL,
            provider=self.name,
            signers=[
                Signer(first_name=s["first_name"], last_name=s["last_name"], email=s.get("email"),
                       id=s["id"], state=SIGNER_STATES.get(s.get("status"), SignerState.UNKNOWN),
                       native_state=s.get("status"), raw=s)
                for s in payload.get("signers", [])
            ],
            raw=payload,
        )

    def create(self, envelope: Envelope, *, send: bool, extras: Mapping[str, Any]) -> Flow[Envelope]:
        # Only called with send=True: the capabilities declare no drafts.
        file_ids = []
        for document in envelope.documents:
            part = FilePart(document.name, "application/pdf", path=document.path,
                            content=document.content if document.path is None else None)
            response = yield multipart_request("POST", f"{self.base_url}/files", [part])
            file_ids.append(json_body(self.check(response))["id"])
        response = yield httpx.Request("POST", f"{self.base_url}/envelopes", json={
            "title": envelope.subject,
            "files": file_ids,
            "sequential": envelope.order is SigningOrder.SEQUENTIAL,
            "signers": [{"first_name": s.first_name, "last_name": s.last_name, "email": s.email}
                        for s in envelope.signers],
            **extras,
        })
        return self.parse_envelope(json_body(self.check(response)))

    def get(self, envelope_id: str) -> Flow[Envelope]:
        response = yield httpx.Request("GET", f"{self.base_url}/envelopes/{envelope_id}")
        return self.parse_envelope(json_body(self.check(response)))

    def void(self, envelope_id: str, reason: str | None) -> Flow[Envelope]:
        response = yield httpx.Request("POST", f"{self.base_url}/envelopes/{envelope_id}/void",
                                       json={"reason": reason})
        self.check(response)
        return (yield from self.get(envelope_id))

    def download(self, envelope_id: str, kind: DocumentKind, to: Path) -> Flow[list[Path]]:
        request = httpx.Request("GET", f"{self.base_url}/envelopes/{envelope_id}/signed.pdf")
        response = yield save_to(request, to, f"{envelope_id}.pdf")
        self.check(response)
        return [saved_path(response)]
