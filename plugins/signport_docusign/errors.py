"""The DocuSign error body -> a signport error (docs/vendors/docusign.md §9).

``{"errorCode": "ENVELOPE_DOES_NOT_EXIST", "message": "..."}``; sometimes HTML or nothing (§9).
Classified by ``errorCode`` first (compared case-insensitively: the limit codes come in mixed
case, §9), then by HTTP status. Which status goes with which code is not documented. The raw
body is kept on the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from signport.errors import (
    AuthError,
    InvalidState,
    NotFound,
    ProviderError,
    RateLimited,
    SignportError,
    ValidationError,
)
from signport.provider import error_json as response_body
from signport.provider import retry_after

from .settings import PROVIDER

NOT_FOUND = frozenset({"ENVELOPE_DOES_NOT_EXIST", "RESOURCE_NOT_FOUND", "DOCUMENT_DOES_NOT_EXIST",
                       "UNKNOWN_ENVELOPE_RECIPIENT", "INVALID_RECIPIENT_ID", "PAGE_IMAGE_NOT_FOUND"})
INVALID_STATE = frozenset({"ENVELOPE_INVALID_STATUS", "ENVELOPE_CANNOT_VOID_INVALID_STATE",
                           "RECIPIENT_UPDATE_FAILED", "EDIT_LOCK_ENVELOPE_ALREADY_LOCKED",
                           "EDIT_LOCK_ENVELOPE_NOT_LOCKED", "RECIPIENT_NOT_IN_SEQUENCE",
                           "INVALID_CAPTIVE_RECIPIENT_OPERATION"})
AUTH = frozenset({"AUTHORIZATION_INVALID_TOKEN", "USER_AUTHENTICATION_FAILED", "PARTNER_AUTHENTICATION_FAILED",
                  "USER_DOES_NOT_EXIST_IN_SYSTEM", "USER_NOT_FOUND"})
PERMISSION = frozenset({"ACCOUNT_LACKS_PERMISSIONS", "ACCOUNT_NOT_AUTHORIZED_FOR_ENVELOPE", "USER_LACKS_PERMISSIONS",
                        "USER_LACKS_MEMBERSHIP", "USER_NOT_ACCOUNT_ADMIN", "USER_NOT_ENVELOPE_SENDER_OR_RECIPIENT",
                        "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT", "PLAN_ITEM_NOT_ENABLED",
                        "ENVELOPE_ALLOWANCE_EXCEEDED"})
#: §10: the hourly/burst/per-envelope limits and the download throttle.
RATE_LIMITED = frozenset({"HOURLY_APIINVOCATION_LIMIT_EXCEEDED", "BURST_APIINVOCATION_LIMIT_EXCEEDED",
                          "HOURLY_ENVELOPE_POLLING_LIMIT_EXCEEDED", "BURST_ENVELOPE_POLLING_LIMIT_EXCEEDED",
                          "HOURLY_APIINVOCATION_ENVELOPE_LIMIT_EXCEEDED",
                          "BURST_APIINVOCATION_ENVELOPE_LIMIT_EXCEEDED", "API_REQUEST_IS_THROTTLED"})
#: §5.8: a blocked upload answers UNSPECIFIED_ERROR "PDF validation failed" (an upload limit).
UPLOAD_BLOCKED = "pdf validation failed"
#: §2.4: the JWT grant answers ``consent_required`` until the user consented to impersonation.
CONSENT_HINT = ("the user has not consented to this integration key acting for them (scopes signature "
                "impersonation); grant consent once as that user (docs/providers/docusign.md, 'Credentials')")


def error_fields(body: Any) -> tuple[str | None, str | None]:
    """``(errorCode, message)`` of an ``errorDetails`` body (§9), tolerant of anything else."""
    if not isinstance(body, Mapping):
        return None, None
    code, message = body.get("errorCode"), body.get("message")
    return (str(code) if code else None, str(message) if message else None)


def classify(code: str | None, message: str | None, *, status: int | None, raw: Mapping[str, Any] | None,
             retry: float | None = None) -> SignportError:
    """The signport error for a DocuSign ``errorCode`` (and HTTP status when the code says nothing)."""
    upper = (code or "").upper()
    text = message or (f"HTTP {status}" if status else "error")
    common: dict[str, Any] = {"provider": PROVIDER, "status": status, "code": code, "vendor_message": message,
                              "raw": raw}
    if upper in RATE_LIMITED or status in (429, 444) or (upper == "UNSPECIFIED_ERROR"
                                                        and UPLOAD_BLOCKED in text.lower()):
        return RateLimited(f"DocuSign limit reached: {text}", retry_after=retry, **common)
    if upper in NOT_FOUND:
        return NotFound(f"DocuSign: {text}", **common)
    if upper in INVALID_STATE:
        return InvalidState(f"DocuSign: {text}", **common)
    if upper in AUTH:
        return AuthError(f"DocuSign refused the credentials: {text}", **common)
    if upper in PERMISSION:
        return AuthError(f"DocuSign does not allow this for the user or account: {text}", **common)
    if upper.startswith("INVALID_") or upper in {"UNABLE_TO_LOAD_DOCUMENT", "UNSUPPORTED_PDF_CONTENT",
                                                 "DOCUMENT_UPLOAD_NOT_ALLOWED", "ONESIGNALLSIGN_NOT_SATISFIED"}:
        return ValidationError(f"DocuSign refused the request: {text}", **common)
    if status == 404:
        return NotFound(f"DocuSign: {text}", **common)
    if status == 401:
        return AuthError(f"DocuSign refused the credentials: {text}", **common)
    if status == 403:
        return AuthError(f"DocuSign does not allow this: {text}", **common)
    if status is not None and 400 <= status < 500 and status not in (408,):
        return ValidationError(f"DocuSign refused the request: {text}", **common)
    return ProviderError(f"DocuSign error: {text}", **common)


def map_error(response: httpx.Response) -> SignportError:
    """The signport error for a non-2xx DocuSign response."""
    body = response_body(response)
    code, message = error_fields(body)
    return classify(code, message, status=response.status_code, raw=body if isinstance(body, Mapping) else None,
                    retry=retry_after(response))


def item_errors(body: Any, collection: str) -> list[tuple[str, str | None, str | None]]:
    """Per-item ``errorDetails`` of a multi-item answer (§9: 200 even when items failed).

    ``collection`` is e.g. ``recipientUpdateResults``; returns ``(item id, errorCode, message)``.
    """
    out: list[tuple[str, str | None, str | None]] = []
    if not isinstance(body, Mapping):
        return out
    items = body.get(collection)
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, Mapping):
            continue
        code, message = error_fields(item.get("errorDetails"))
        if code and code.upper() != "SUCCESS":
            ident = item.get("recipientId") or item.get("documentId") or ""
            out.append((str(ident), code, message))
    return out


def oauth_error(response: httpx.Response, what: str) -> AuthError:
    """An OAuth failure (token or userinfo): the OAuth ``error`` code only, never the request."""
    body = response_body(response)
    code = description = None
    if isinstance(body, Mapping):
        code, description = body.get("error"), body.get("error_description")
    detail = ": ".join(str(p) for p in (code, description) if p) or f"HTTP {response.status_code}"
    hint = f"; {CONSENT_HINT}" if code == "consent_required" else ""
    return AuthError(f"DocuSign {what} failed ({detail}){hint}", provider=PROVIDER, status=response.status_code,
                     code=str(code) if code else None)
