"""The EasyInk ApiError body -> a signport error (docs/vendors/easyink.md §4).

``{"error": {"code", "message", "innerErrors": [{"code", "message"}]}}``. The code alone is
not enough: "not found" often comes as ``ValidationError`` (§4 quirk 1), a retryable
condition comes as ``ValidationError`` (quirk 2), and messages drift (quirk 3). So the
mapping reads the code, the status and a few key words of the message; the raw body
is kept on the error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs
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

LOGIN_HINT = "run `signport auth easyink` to log in again, or pass a fresh access_token"

#: Key phrases (lower case) of the documented messages, by what they mean.
_PROCESSING = ("processing is in progress", "try again later")
_NOT_FOUND = ("not found", "does not exist", "does not exists", "doesn't exist")
_INVALID_STATE = (
    "already used the signing link",   # §6.7 #25
    "is locked",                       # §6.1 #5
    "already voided",                  # §6.7 #26 (S4 list)
    "cannot be voided",
    "can't be voided",
    "not available until",             # §6.9 #32
    "cannot be modified",
    "cannot be copied",                # §6.7 #27: not for Voided / Expired sessions
    "not ready",
    "compilation failed",              # §6.9 #33: the all-in-one could not be built
)
_FIELD = re.compile(r"'(\w+)' field")


@attrs.frozen(slots=True)
class ApiError:
    """The parsed ApiError body (all parts optional: HEAD and gateway errors have no body)."""

    code: str | None
    message: str | None
    inner: tuple[tuple[str, str], ...]
    raw: Mapping[str, Any] | None


def parse_api_error(body: Any) -> ApiError:
    """Read an ApiError body; anything else gives an empty ``ApiError``."""
    if not isinstance(body, Mapping):
        return ApiError(None, None, (), None)
    err = body.get("error")
    if not isinstance(err, Mapping):
        # Tolerate a flat {"code", "message"} body.
        err = body if "code" in body or "message" in body else {}
    inner = []
    for item in err.get("innerErrors") or ():
        if isinstance(item, Mapping):
            inner.append((str(item.get("code") or ""), str(item.get("message") or "")))
    code = err.get("code")
    message = err.get("message")
    return ApiError(str(code) if code is not None else None, str(message) if message is not None else None,
                    tuple(inner), body)


def is_processing(response: httpx.Response) -> bool:
    """True for "Document processing is in progress. Try again later." (§4 quirk 2): retry, don't raise."""
    if response.is_success or response.status_code >= 500:
        return False
    message = (parse_api_error(response_body(response)).message or "").lower()
    return any(p in message for p in _PROCESSING)


def _has(message: str, phrases: tuple[str, ...]) -> bool:
    return any(p in message for p in phrases)


def _path(error: ApiError) -> str | None:
    for _, text in error.inner:
        match = _FIELD.search(text)
        if match:
            return match.group(1)
    message = (error.message or "").lower()
    if "reason" in message:
        return "reason"
    if "subject" in message:
        return "subject"
    match = _FIELD.search(error.message or "")
    return match.group(1) if match else None


def map_error(response: httpx.Response) -> SignportError:
    """The signport error for a non-2xx EasyInk response."""
    status = response.status_code
    error = parse_api_error(response_body(response))
    code = error.code
    lower = (error.message or "").lower()
    text = error.message or f"HTTP {status}"
    common: dict[str, Any] = {"provider": PROVIDER, "status": status, "code": code,
                              "vendor_message": error.message, "raw": error.raw}

    if code == "Unauthorized" or status == 401:
        return AuthError(f"EasyInk refused the access token ({text}); {LOGIN_HINT}", **common)
    if code == "Forbidden" or status == 403:
        return AuthError(f"EasyInk does not allow this for the logged-in user: {text}", **common)
    if status == 429:
        return RateLimited(f"EasyInk rate limit: {text}", retry_after=retry_after(response), **common)
    # The message is read only for client errors: quirks 1 and 2 are ValidationError bodies, and a
    # server failure (InternalServerError, 5xx) stays a ProviderError whatever its text says.
    client_error = status < 500 and code != "InternalServerError"
    if code == "NotFound" or status == 404 or (client_error and _has(lower, _NOT_FOUND)):
        return NotFound(f"EasyInk: {text}", **common)
    if client_error and _has(lower, _PROCESSING):
        # Reached only when the flow's retries ran out (§4 quirk 2).
        return ProviderError(f"EasyInk is still processing the document: {text}", **common)
    if (client_error and _has(lower, _INVALID_STATE)) or status == 409:
        return InvalidState(f"EasyInk: {text}", **common)
    if code == "ValidationError" or status in (400, 422):
        inner = []
        for inner_code, inner_text in error.inner:
            match = _FIELD.search(inner_text)
            inner.append((match.group(1) if match else (inner_code or "request"), inner_text))
        detail = "; ".join(m for _, m in error.inner)
        message = f"EasyInk refused the request: {text}" + (f" ({detail})" if detail else "")
        return ValidationError(message, path=_path(error), errors=inner, **common)
    return ProviderError(f"EasyInk error: {text}", **common)
