"""The §8 error mapper: status and vendor code -> the signport error family."""

from __future__ import annotations

import httpx
import pytest

from signport.errors import (
    AuthError,
    InvalidState,
    NotFound,
    ProviderError,
    RateLimited,
    SignportError,
    ValidationError,
)
from signport_iinked.errors import map_error

from .conftest import API_KEY, reply


@pytest.mark.parametrize(("status", "code", "cls"), [
    (400, "package_invalid_type", ValidationError),
    (400, "package_length_name", ValidationError),
    (400, "signer_range_index", ValidationError),
    (400, "document_not_safe_fileName", ValidationError),
    (400, "package_add_no_documents", ValidationError),
    (400, "package_add_no_signers", ValidationError),
    (400, "package_duplicate_recipients", ValidationError),
    (400, "package_duplicate_recipients_signer", ValidationError),
    (400, "package_delete_retention", InvalidState),
    (400, "package_invalid_state", InvalidState),
    (400, "package_exception_pdf", ProviderError),
    (400, "package_feature_vsr", ProviderError),
    (400, "something_new", ProviderError),
    (400, None, ProviderError),
    (403, "package_not_authorized", AuthError),
    (403, None, AuthError),
    (401, None, AuthError),
    (404, "package_not_found", NotFound),
    (404, None, NotFound),
    (400, "template_document_not_found", NotFound),
    (409, None, InvalidState),
    (429, None, RateLimited),
    (500, "package_exception_unknown", ProviderError),
    (503, None, ProviderError),
])
def test_classification(status: int, code: str | None, cls: type[SignportError]) -> None:
    body = {"error": code, "message": "vendor says no"} if code else {}
    err = map_error(reply(status, body))
    assert type(err) is cls
    assert err.status == status
    assert err.code == code
    assert err.provider == "iinked"
    if code:
        assert err.vendor_message == "vendor says no"
        assert "vendor says no" in str(err)


def test_paths_for_known_codes() -> None:
    for code, path in [("package_add_no_documents", "documents"), ("package_add_no_signers", "signers"),
                       ("package_length_name", "subject"), ("package_range_timeSignBy", "sign_by")]:
        err = map_error(reply(400, {"error": code, "message": "m"}))
        assert isinstance(err, ValidationError)
        assert err.path == path


def test_rate_limit_keeps_retry_after() -> None:
    err = map_error(reply(429, {"error": "rate_limited", "message": "slow down"}, **{"Retry-After": "7"}))
    assert isinstance(err, RateLimited)
    assert err.retry_after == 7.0


@pytest.mark.parametrize("content", [b"<html>502</html>", b"", b"[]", b'{"error": 5}'])
def test_odd_bodies(content: bytes) -> None:
    err = map_error(httpx.Response(502, content=content))
    assert type(err) is ProviderError
    assert err.code is None
    assert "HTTP 502" in str(err)


def test_no_secret_from_the_request_reaches_the_error() -> None:
    request = httpx.Request("GET", "https://x.test/api/v1/packages/p/status", headers={"api_key": API_KEY})
    err = map_error(httpx.Response(403, json={"error": "package_not_authorized", "message": "no"},
                                   request=request))
    assert API_KEY not in str(err)
    assert API_KEY not in repr(err)
    assert API_KEY not in repr(err.raw)
