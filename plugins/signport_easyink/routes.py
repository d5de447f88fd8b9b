"""Every EasyInk method + path, in one table.

Only 7 of the 34 operations have their method and path written out by the vendor
(docs/vendors/easyink.md §6.0, "documented"); the rest were reconstructed ("inferred", with the
reference's confidence). A path corrected after recording against staging is a
one-line change here: the flows and the fake both read this table.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from typing import Any, Literal

import attrs
import httpx

from signport.transport import parse_url
from signport.wire import path_segment

Provenance = Literal["documented", "inferred"]


@attrs.frozen(slots=True)
class Route:
    """One vendor operation: method, path template (vendor parameter names), where it comes from."""

    name: str
    method: str
    path: str
    provenance: Provenance
    section: str
    confidence: str = ""

    @property
    def params(self) -> tuple[str, ...]:
        """Names of the path parameters, in order."""
        return _path_params(self.path)

    def format(self, **params: str) -> str:
        """The path with each parameter quoted (ids never carry a ``/``)."""
        missing = [n for n in _path_params(self.path) if n not in params]
        if missing:
            raise TypeError(f"{self.name}: missing path parameter(s) {', '.join(sorted(missing))}")
        return self.path.format(**{k: path_segment(str(v)) for k, v in params.items()})


@functools.cache
def _path_params(path: str) -> tuple[str, ...]:
    return tuple(f for _, f, _, _ in string.Formatter().parse(path) if f)


_D = "/api/signingSessionDrafts"
_S = "/api/signingSessions"

#: The route table (docs/vendors/easyink.md §6.0; "#n" is the operation number there).
ROUTES: dict[str, Route] = {r.name: r for r in (
    Route("create_draft", "POST", _D, "documented", "§6.1 #1 (S3)"),
    Route("get_draft", "GET", _D + "/{signingSessionId}", "inferred", "§6.1 #2", "high"),
    Route("head_draft", "HEAD", _D + "/{signingSessionId}", "inferred", "§6.1 #3", "high"),
    Route("update_draft", "PUT", _D + "/{signingSessionId}", "inferred", "§6.1 #4", "medium; PATCH possible"),
    Route("delete_draft", "DELETE", _D + "/{signingSessionId}", "inferred", "§6.1 #5", "high"),
    Route("upload_document", "POST", _D + "/{signingSessionId}/documents", "documented", "§6.2 #6 (S3)"),
    Route("remove_document", "DELETE", _D + "/{signingSessionId}/documents/{documentId}", "inferred",
          "§6.2 #7", "high"),
    Route("download_draft_document", "GET", _D + "/{signingSessionId}/documents/{documentId}", "inferred",
          "§6.2 #8", "medium"),
    Route("download_draft_attachment", "GET", _D + "/{signingSessionId}/attachments/{attachmentId}",
          "inferred", "§6.2 #9", "medium"),
    Route("remove_attachment", "DELETE", _D + "/{signingSessionId}/attachments/{attachmentId}", "inferred",
          "§6.2 #10", "high"),
    Route("add_participant", "POST", _D + "/{id}/participants", "documented", "§6.3 #11 (S3)"),
    Route("add_me", "POST", _D + "/{signingSessionId}/participants/me", "inferred", "§6.3 #12", "low"),
    Route("update_participant", "PUT", _D + "/{signingSessionId}/participants/{participantId}", "inferred",
          "§6.3 #13", "medium"),
    Route("remove_participant", "DELETE", _D + "/{signingSessionId}/participants/{participantId}",
          "inferred", "§6.3 #14", "high"),
    Route("order_one_by_one", "PUT", _D + "/{id}/signingOrder/oneByOne", "documented", "§6.4 #15 (S5)"),
    Route("order_all_at_once", "PUT", _D + "/{id}/signingOrder/allAtOnce", "documented", "§6.4 #16 (S5)"),
    # Prefix documented (S3, cut after "/api/signingSessionD"), suffix inferred from `signatureFields`.
    Route("add_field", "POST", _D + "/{id}/signatureFields", "inferred", "§6.5 #17", "medium"),
    Route("update_field_options", "PUT", _D + "/{signingSessionId}/signatureFields/{signatureFieldId}/options",
          "inferred", "§6.5 #18", "low"),
    Route("update_field_placement", "PUT",
          _D + "/{signingSessionId}/signatureFields/{signatureFieldId}/placement", "inferred", "§6.5 #19", "low"),
    Route("remove_field", "DELETE", _D + "/{signingSessionId}/signatureFields/{signatureFieldId}", "inferred",
          "§6.5 #20", "high"),
    Route("convert", "POST", _D + "/{signingSessionId}/convert", "inferred", "§6.6 #21", "low"),
    Route("start", "POST", _S + "/{signingSessionId}/started", "inferred", "§6.6 #22", "low; /start possible"),
    Route("get_session", "GET", _S + "/{signingSessionId}", "inferred", "§6.7 #23", "high"),
    Route("head_session", "HEAD", _S + "/{signingSessionId}", "inferred", "§6.7 #24", "high"),
    Route("update_contact", "PUT", _S + "/{signingSessionId}/participants/{participantId}", "documented",
          "§6.7 #25 (S6)"),
    Route("void", "POST", _S + "/{id}/voided", "documented", "§6.7 #26 (S4)"),
    Route("copy", "POST", _S + "/{signingSessionId}/copy", "inferred", "§6.7 #27", "low"),
    Route("recreate", "POST", _S + "/{signingSessionId}/recreate", "inferred", "§6.7 #28", "low"),
    Route("search", "GET", _S, "inferred", "§6.8 #29 (query documented)", "medium"),
    Route("statistics", "GET", _S + "/statistics", "inferred", "§6.8 #30", "low"),
    Route("download_document", "GET", _S + "/{signingSessionId}/documents/{documentId}", "inferred",
          "§6.9 #31", "medium"),
    Route("download_signed", "GET", _S + "/{signingSessionId}/signedDocuments/{documentId}", "inferred",
          "§6.9 #32", "medium"),
    Route("download_all_in_one", "GET", _S + "/{signingSessionId}/allInOneDocument", "inferred", "§6.9 #33",
          "medium"),
    Route("download_attachment", "GET", _S + "/{signingSessionId}/attachments/{attachmentId}", "inferred",
          "§6.9 #34", "medium"),
)}

#: The identity provider's endpoints (docs/vendors/easyink.md §2), relative to the identity host.
AUTHORIZE_PATH = "/connect/authorize"
TOKEN_PATH = "/connect/token"  # noqa: S105 (a path)


class Routes:
    """Builds ``httpx.Request`` objects for the route table against one API host."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def request(self, name: str, *, json: Any = None, params: Mapping[str, Any] | None = None,
                files: Mapping[str, Any] | None = None, **path: str) -> httpx.Request:
        """The request for operation ``name`` with its path parameters filled in."""
        route = ROUTES[name]
        url = self.base_url + route.format(**path)
        headers = {"Accept": "application/json"}
        if route.method == "HEAD":
            headers = {}
        return httpx.Request(route.method, parse_url(url), json=json, params=params, files=files, headers=headers)

    def url(self, name: str, **path: str) -> str:
        """The absolute URL of operation ``name``."""
        return self.base_url + ROUTES[name].format(**path)
