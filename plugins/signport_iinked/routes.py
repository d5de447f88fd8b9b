"""Every iinked Sign endpoint signport calls, in one table, and the requests built from it.

Reference: docs/vendors/iinked.md §5.0 (endpoint index). Most mutations are
``POST /<resource>/<verb>`` with ``packageId`` in the JSON body (§3); reads are GETs with
the id in the path. Every route here is documented unless its ``note`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import httpx

from signport.multipart import FilePart, multipart_request
from signport.provider import idempotent
from signport.transport import parse_url
from signport.wire import path_segment


@attrs.frozen(slots=True)
class Route:
    """One endpoint: method, path template (``{name}`` placeholders), reference section."""

    method: str
    path: str
    section: str
    note: str = ""


ROUTES: Mapping[str, Route] = {
    "upload": Route("POST", "/files/upload", "§5.1", "multipart; response may be an object or a list"),
    "add": Route("POST", "/packages/add", "§5.2", "body table cut off in the reference; fields from examples"),
    "update": Route("POST", "/packages/update", "§5.3"),
    "send": Route("POST", "/packages/send", "§5.4"),
    "status": Route("GET", "/packages/{packageId}/status", "§5.5", "id in the path, no body (§12.3)"),
    "package": Route("GET", "/packages/{packageId}", "§5.6"),
    "list": Route("POST", "/packages/list", "§5.7", "a search: no side effect, safe to retry"),
    "rescind": Route("POST", "/packages/rescind", "§5.8"),
    "delete": Route("POST", "/packages/delete", "§5.9"),
    "sign_link": Route("POST", "/packages/{packageId}/link/sign/{signerId}", "§5.10", "no body"),
    "executed_pdf": Route("GET", "/packages/{packageId}/documents/{documentId}/pdf/executed/download", "§5.13",
                          "from the signing guide; its API page is not available"),
}


class Routes:
    """Builds absolute ``httpx.Request`` objects against one base URL."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def url(self, name: str, **ids: str) -> str:
        """The absolute URL of route ``name`` with its path ids percent-encoded (no ``/`` can slip in)."""
        route = ROUTES[name]
        return self.base_url + route.path.format(**{k: path_segment(v) for k, v in ids.items()})

    def request(self, name: str, *, json: Any = None, **ids: str) -> httpx.Request:
        """A request for route ``name``; ``json`` is the body (only for POST routes that take one)."""
        route = ROUTES[name]
        return httpx.Request(route.method, parse_url(self.url(name, **ids)), json=json)

    # --- one method per route, so flows read like the reference ---------------------------
    def upload(self, part: FilePart, *, external_id: str | None = None) -> httpx.Request:
        """§5.1: one file, ``type=temporary`` (deleted after 24 h unless attached), optional ``externalId``."""
        params = {"type": "temporary"}
        if external_id:
            params["externalId"] = external_id
        return multipart_request(ROUTES["upload"].method, self.url("upload"), [part], params=params)

    def add(self, body: Mapping[str, Any]) -> httpx.Request:
        """§5.2."""
        return self.request("add", json=dict(body))

    def update(self, body: Mapping[str, Any]) -> httpx.Request:
        """§5.3."""
        return self.request("update", json=dict(body))

    def send(self, package_id: str) -> httpx.Request:
        """§5.4."""
        return self.request("send", json={"packageId": package_id})

    def status(self, package_id: str) -> httpx.Request:
        """§5.5."""
        return self.request("status", packageId=package_id)

    def package(self, package_id: str) -> httpx.Request:
        """§5.6."""
        return self.request("package", packageId=package_id)

    def list(self, *, skip: int, take: int, states: Sequence[str] | None, search: str | None = None) -> httpx.Request:
        """§5.7: offset pagination; ``states`` ``None`` means no filter; ``search`` is full text."""
        body: dict[str, Any] = {"states": list(states) if states else None, "take": take, "skip": skip}
        if search:
            body["search"] = search
        return idempotent(self.request("list", json=body))

    def rescind(self, package_id: str, message: str | None, *, notify: bool) -> httpx.Request:
        """§5.8."""
        body: dict[str, Any] = {"packageId": package_id, "notify": notify}
        if message:
            body["rescindMessage"] = message
        return self.request("rescind", json=body)

    def delete(self, package_id: str, *, notify: bool) -> httpx.Request:
        """§5.9 (``overrideRetention`` is never sent: the reference says to use it with caution)."""
        return self.request("delete", json={"packageId": package_id, "notify": notify})

    def sign_link(self, package_id: str, signer_id: str) -> httpx.Request:
        """§5.10."""
        return self.request("sign_link", packageId=package_id, signerId=signer_id)

    def executed_pdf(self, package_id: str, document_id: str) -> httpx.Request:
        """§5.13."""
        return self.request("executed_pdf", packageId=package_id, documentId=document_id)
