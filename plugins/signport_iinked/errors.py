"""iinked Sign error bodies -> the signport error family.

Reference: docs/vendors/iinked.md §8. The body is ``{"error": "<code>", "message": "..."}``;
codes follow ``{type}_not_found``, ``{type}_not_authorized``, ``{type}_invalid_{error}``,
``{type}_exception_{error}``, ``{type}_feature_{error}``, ``{type}_not_safe_{property}``,
``{type}_length_{property}``, ``{type}_range_{property}``. The vendor's code and message are kept
on every error (``code``, ``vendor_message``); nothing from the request (headers, key) goes in.
"""

from __future__ import annotations

import re
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
from signport.provider import retry_after

from .settings import PROVIDER

#: Codes whose meaning is known exactly (§8, "package-specific codes" and the examples).
#: ``package_invalid_state`` is not in the readable part of the reference; the fake uses it for a
#: transition the documented state rules forbid, and signport reads it as InvalidState.
KNOWN_CODES: Mapping[str, type[SignportError]] = {
    "package_add_no_documents": ValidationError,
    "package_add_no_signers": ValidationError,
    "package_duplicate_recipients": ValidationError,
    "package_duplicate_recipients_signer": ValidationError,
    "package_delete_retention": InvalidState,
    "package_invalid_state": InvalidState,
}
#: Where a known code points in the neutral model (``ValidationError.path``).
CODE_PATHS: Mapping[str, str] = {
    "package_add_no_documents": "documents",
    "package_add_no_signers": "signers",
    "package_invalid_type": "order",
    "package_length_name": "subject",
    "package_range_timeSignBy": "sign_by",
}

#: §8 code patterns, checked in order after KNOWN_CODES.
PATTERNS: tuple[tuple[re.Pattern[str], type[SignportError]], ...] = (
    (re.compile(r"_not_found$"), NotFound),
    (re.compile(r"_not_authorized$"), AuthError),
    (re.compile(r"_invalid_state$"), InvalidState),
    (re.compile(r"_(invalid|length|range|not_safe)_"), ValidationError),
    (re.compile(r"_exception_"), ProviderError),
    (re.compile(r"_feature_"), ProviderError),
)


def error_body(response: httpx.Response) -> tuple[str | None, str | None, Mapping[str, Any] | None]:
    """``(code, message, body)`` from an error response; ``None``s when the body is not the §8 shape."""
    try:
        body = response.json()
    except ValueError:
        return None, None, None
    if not isinstance(body, Mapping):
        return None, None, None
    code = body.get("error")
    message = body.get("message")
    return (code if isinstance(code, str) and code else None,
            message if isinstance(message, str) and message else None, body)


def classify(status: int, code: str | None) -> type[SignportError]:
    """The error class for an HTTP status and a vendor code (the code wins where it is specific)."""
    if status == 429:
        return RateLimited
    if code:
        if code in KNOWN_CODES:
            return KNOWN_CODES[code]
        for pattern, cls in PATTERNS:
            if pattern.search(code):
                return cls
    if status == 404:
        return NotFound
    # §8 lists 403 for a caller without permission and no 401; a 401 is read the same way.
    if status in (401, 403):
        return AuthError
    if status == 409:
        return InvalidState
    return ProviderError


def map_error(response: httpx.Response) -> SignportError:
    """The signport error for a non-2xx iinked response."""
    status = response.status_code
    code, message, body = error_body(response)
    cls = classify(status, code)
    text = f"iinked: {message or f'HTTP {status}'}"
    common: dict[str, Any] = {"provider": PROVIDER, "status": status, "code": code,
                              "vendor_message": message, "raw": body}
    if cls is RateLimited:
        return RateLimited(text, retry_after=retry_after(response), **common)
    if cls is ValidationError:
        return ValidationError(text, path=CODE_PATHS.get(code or ""), **common)
    return cls(text, **common)
