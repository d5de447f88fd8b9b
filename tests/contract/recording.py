"""Cassettes for the contract suite: vcrpy configured once, with every secret scrubbed at record time.

Replay (the default, and always in CI) matches on method, path and query, so the
port a fake ran on when recording does not matter. Recording happens when
``SIGNPORT_RECORD=1`` is set, or when a cassette is missing outside CI.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import vcr

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
REDACTED = "REDACTED"
SECRET_HEADERS = ("api_key", "authorization", "x-api-key", "cookie", "set-cookie", "proxy-authorization")
SECRET_KEYS = frozenset({"api_key", "apikey", "access_token", "refresh_token", "id_token", "client_secret",
                         "code_verifier", "code", "password", "token", "secret"})
_BEARER = re.compile(rb"Bearer\s+[A-Za-z0-9._~+/=-]+")


def scenario_name(request: Any) -> str:
    """``test_void-sync`` from the running test item: one cassette per scenario and client mode."""
    node = request.node
    name = getattr(node, "originalname", None) or node.name
    callspec = getattr(node, "callspec", None)
    mode = callspec.params.get("api") if callspec is not None else None
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{name}-{mode}" if mode else name)


def cassette_path(provider: str, scenario: str) -> Path:
    """Where the cassette of ``scenario`` for ``provider`` lives."""
    return CASSETTES / provider / f"{scenario}.yaml"


def should_record(provider: str, scenario: str) -> bool:
    """Record when asked to, or when the cassette is missing outside CI."""
    if os.environ.get("SIGNPORT_RECORD") == "1":
        return True
    return not cassette_path(provider, scenario).exists() and os.environ.get("CI") != "true"


def _scrub_mapping(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: (REDACTED if k.lower() in SECRET_KEYS and v else _scrub_mapping(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [_scrub_mapping(v) for v in data]
    return data


def scrub_body(body: bytes | str | None, content_type: str) -> bytes | str | None:
    """Redact secret values in a JSON or form-encoded body; other bodies keep only bearer-token scrubbing."""
    if not body:
        return body
    raw = body.encode() if isinstance(body, str) else body
    if "json" in content_type:
        try:
            return json.dumps(_scrub_mapping(json.loads(raw))).encode()
        except (ValueError, UnicodeDecodeError):
            return raw
    if "x-www-form-urlencoded" in content_type:
        pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
        return urlencode([(k, REDACTED if k.lower() in SECRET_KEYS else v) for k, v in pairs]).encode()
    return _BEARER.sub(b"Bearer " + REDACTED.encode(), raw)


#: signport's correlation markers (``signport.provider.new_marker``) are random on every create.
_MARKER = re.compile(r"signport-[0-9a-f]{24}")
MARKER_PLACEHOLDER = "signport-" + "0" * 24


def _before_record_request(request: Any) -> Any:
    # vcrpy runs this before matching too, so a marker in a query string matches any other marker.
    request.uri = _MARKER.sub(MARKER_PLACEHOLDER, request.uri)
    request.body = scrub_body(request.body, request.headers.get("Content-Type", "") or "")
    return request


def _before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            headers[name] = [REDACTED]
    ctype = ""
    for name, values in headers.items():
        if name.lower() == "content-type":
            ctype = values[0] if isinstance(values, list) else values
    body = response.get("body", {})
    if isinstance(body, dict) and body.get("string"):
        body["string"] = scrub_body(body["string"], ctype)
    return response


def make_vcr(provider: str, *, record: bool) -> vcr.VCR:
    """A VCR for ``provider``'s cassette folder."""
    return vcr.VCR(
        cassette_library_dir=str(CASSETTES / provider),
        record_mode="all" if record else "none",
        match_on=["method", "path", "query"],
        filter_headers=[(h, REDACTED) for h in SECRET_HEADERS],
        before_record_request=_before_record_request,
        before_record_response=_before_record_response,
        decode_compressed_response=True,
    )


class Recording:
    """The cassette in use; ``abandon()`` puts the previous cassette back when the block ends.

    A scenario that cannot finish against a real vendor (nobody can sign there) abandons its
    recording, so the cassette recorded against the fake stays as it was.
    """

    def __init__(self, path: Path, cassette: Any) -> None:
        self.path = path
        self.cassette = cassette
        self.abandoned = False

    def abandon(self) -> None:
        self.abandoned = True


@contextmanager
def use_cassette(provider: str, scenario: str, *, record: bool) -> Iterator[Recording]:
    """Replay (or record) ``cassettes/<provider>/<scenario>.yaml`` for the duration of the block."""
    path = cassette_path(provider, scenario)
    kept = path.read_bytes() if record and path.exists() else None
    if record:
        path.unlink(missing_ok=True)
    recording: Recording | None = None
    try:
        with make_vcr(provider, record=record).use_cassette(f"{scenario}.yaml") as cassette:
            recording = Recording(path, cassette)
            yield recording
    finally:
        if recording is not None and recording.abandoned:
            if kept is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(kept)
