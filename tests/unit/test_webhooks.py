"""Hostile webhook deliveries: every provider answers with an Event or a SignportError, never a crash.

The corpus covers what the network can send (deep nesting, oversized bodies, broken text, wrong
content types, wrong shapes) and what a careless caller can pass (``None`` or a list as headers,
a body that is neither bytes nor text). The core reader (``signport.webhooks``) is tested on its own too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import signport
from signport import webhooks
from signport.errors import SignportError, ValidationError, WebhookVerificationError
from signport.states import EventKind, Verification

SECRET = "whsec-test"
JSON = {"content-type": "application/json"}
DEEP = 100_000


def _hex_verifier(*, signature: str, body: bytes, headers: Mapping[str, str], secret: str | None) -> bool:
    assert secret is not None
    return hmac.compare_digest(signature, hmac.new(secret.encode(), body, hashlib.sha256).hexdigest())


def _sign(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json",
            "X-Syngrafii-Signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()}


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")


#: (id, headers, body, what must happen: "invalid" = ValidationError or WebhookVerificationError,
#: "any" = an Event or any SignportError). The issue's named cases are all "invalid".
CORPUS: list[tuple[str, Any, Any, str]] = [
    ("deep-arrays", JSON, b"[" * DEEP, "invalid"),
    ("deep-arrays-closed", JSON, b"[" * DEEP + b"]" * DEEP, "invalid"),
    ("deep-objects", JSON, b'{"a":' * DEEP + b"1" + b"}" * DEEP, "invalid"),
    ("deep-str", JSON, "[" * DEEP, "invalid"),
    ("deep-inside-object", JSON, b'{"event": "x", "data": ' + b"[" * 200 + b"]" * 200 + b"}", "invalid"),
    ("over-limit-bytes", JSON, b'{"event": "x", "pad": "' + b"a" * (1024 * 1024) + b'"}', "invalid"),
    ("over-limit-str", JSON, '{"event": "x", "pad": "' + "a" * (1024 * 1024) + '"}', "invalid"),
    ("over-limit-multibyte", JSON, '{"event": "' + "é" * 600_000 + '"}', "invalid"),
    ("headers-none", None, b'{"event": "x"}', "invalid"),
    ("headers-list", [("content-type", "application/json")], b'{"event": "x"}', "invalid"),
    ("headers-str", "content-type: application/json", b'{"event": "x"}', "invalid"),
    ("headers-int-value", {"content-type": 5}, b'{"event": "x"}', "invalid"),
    ("headers-none-value", {"x-signport-event": None}, b'{"event": "x"}', "invalid"),
    ("headers-int-name", {1: "a"}, b'{"event": "x"}', "invalid"),
    ("headers-huge", {"x-pad": "a" * 100_000}, b'{"event": "x"}', "invalid"),
    ("lone-surrogate", JSON, '{"event": "\ud800"}', "invalid"),
    ("lone-surrogate-escaped", JSON, b'{"event": "\\ud800", "action": "\\udfff"}', "any"),
    ("body-none", JSON, None, "invalid"),
    ("body-int", JSON, 42, "invalid"),
    ("body-dict", JSON, {"event": "x"}, "invalid"),
    ("body-unprintable", JSON, _Unprintable(), "invalid"),
    ("not-json", JSON, b"not json", "invalid"),
    ("empty", JSON, b"", "invalid"),
    ("whitespace", JSON, b" \n\t ", "invalid"),
    ("bad-utf8", JSON, b"\xff\xfe{}", "invalid"),
    ("utf8-bom", JSON, b'\xef\xbb\xbf{"event": "x"}', "invalid"),
    ("truncated", JSON, b'{"event": "envelope_sent", "envelope_id": "e', "invalid"),
    ("trailing-garbage", JSON, b'{"event": "x"} {}', "invalid"),
    ("nan", JSON, b'{"event": "x", "n": NaN}', "invalid"),
    ("huge-integer", JSON, b'{"event": "x", "n": ' + b"9" * 5000 + b"}", "invalid"),
    ("content-type-html", {"content-type": "text/html"}, b'{"event": "x"}', "invalid"),
    ("content-type-form", {"Content-Type": "application/x-www-form-urlencoded"}, b"event=x", "invalid"),
    ("content-type-plain", {"CONTENT-TYPE": "text/plain; charset=utf-8"}, b'{"event": "x"}', "invalid"),
    ("json-array", JSON, b"[1, 2]", "invalid"),
    ("json-string", JSON, b'"envelope_sent"', "invalid"),
    ("json-null", JSON, b"null", "invalid"),
    ("json-number", JSON, b"1e999", "invalid"),
    ("wrong-shapes", JSON, json.dumps({"event": ["x"], "action": {"a": 1}, "packageId": [1], "envelope_id": {},
                                       "eventId": [None], "id": {"x": 1}, "eventTime": [1],
                                       "occurred_at": {"t": 1}}).encode(), "any"),
    ("nulls", JSON, json.dumps(dict.fromkeys(
        ("event", "action", "packageId", "envelope_id", "eventId", "id", "eventTime", "occurred_at"))).encode(),
     "any"),
    ("bad-times", JSON, b'{"event": "x", "action": "x", "eventTime": "yesterday", "occurred_at": "yesterday"}',
     "any"),
    ("numeric-time", JSON, b'{"event": "x", "action": "x", "eventTime": 12, "occurred_at": 12}', "any"),
    ("bools", JSON, b'{"event": true, "action": false, "packageId": true, "envelope_id": false}', "any"),
    ("nul-bytes", JSON, b'{"event": "x\\u0000", "action": "x\\u0000"}', "any"),
    ("bytearray-deep", JSON, bytearray(b"[" * DEEP), "invalid"),
    ("memoryview", JSON, memoryview(b'{"event": "envelope_sent", "action": "package_add"}'), "any"),
]


def _close(item: Any) -> None:
    close = getattr(item, "close", None)
    if close is not None:
        close()


@pytest.fixture(params=["local", "iinked", "iinked-verified", "easyink", "docusign", "docusign-verified"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[signport.Client]:
    name = request.param
    if name == "local":
        made = signport.connect("local", path=tmp_path / "store")
    elif name == "iinked":
        made = signport.connect("iinked", api_key="k", base_url="http://127.0.0.1:9/api/v1")
    elif name == "iinked-verified":
        made = signport.connect("iinked", api_key="k", base_url="http://127.0.0.1:9/api/v1",
                                webhook_verifier=_hex_verifier, webhook_secret=SECRET)
    elif name.startswith("docusign"):
        made = signport.connect("docusign", access_token="t", account_id="a", base_uri="http://127.0.0.1:9",
                                webhook_secrets=SECRET if name == "docusign-verified" else None)
    else:
        made = signport.connect("easyink", access_token="t", base_url="http://127.0.0.1:9",
                                identity_url="http://127.0.0.1:9", token_store=str(tmp_path / "token.json"))
    with made:
        yield made


@pytest.mark.parametrize(("case", "headers", "body", "expect"), CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_delivery_never_crashes(client: signport.Client, case: str, headers: Any, body: Any,
                                        expect: str) -> None:
    if client.provider.name == "iinked" and isinstance(body, bytes) and isinstance(headers, Mapping) \
            and getattr(client.provider, "_verifier", None) is not None:
        # A valid signature: the delivery itself must be refused.
        headers = {**headers, "X-Syngrafii-Signature": _sign(body)["X-Syngrafii-Signature"]}
    if client.provider.name == "docusign" and isinstance(body, bytes) and isinstance(headers, Mapping) \
            and client.provider.settings.webhook_secrets:
        from signport_docusign.provider import hmac_signature

        headers = {**headers, "X-DocuSign-Signature-1": hmac_signature(SECRET, body)}
    outcome: signport.Event | SignportError
    try:
        outcome = client.parse_webhook(headers, body)
    except SignportError as exc:  # anything else fails the test by escaping
        outcome = exc
    if not client.capabilities.webhooks:
        assert isinstance(outcome, signport.UnsupportedFeature)
    elif expect == "invalid":
        assert isinstance(outcome, ValidationError | WebhookVerificationError), f"{case}: {outcome!r}"
    else:
        assert isinstance(outcome, signport.Event | SignportError)
    if isinstance(outcome, SignportError):
        assert outcome.provider == client.provider.name
    if isinstance(outcome, ValidationError):
        assert outcome.path is not None
        assert outcome.path.split(".")[0] in ("headers", "body"), outcome.path


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 25
    assert len({c[0] for c in CORPUS}) == len(CORPUS)


# --- the core reader ---------------------------------------------------------------------------------
def test_read_delivery_gives_lowered_headers_bytes_and_the_object() -> None:
    delivery = webhooks.read_delivery({"Content-Type": "application/cloudevents+json", "X-A": b"b"},
                                      '{"é": [1, {"x": null}]}')
    assert delivery.headers == {"content-type": "application/cloudevents+json", "x-a": "b"}
    assert delivery.body == '{"é": [1, {"x": null}]}'.encode()
    assert delivery.payload == {"é": [1, {"x": None}]}
    assert webhooks.read_delivery({}, b"{}").payload == {}  # no content type: the body decides


def test_size_limit_is_a_parameter_and_a_setting(tmp_path: Path) -> None:
    body = b'{"event": "envelope_sent", "pad": "' + b"a" * 100 + b'"}'
    assert webhooks.read_delivery({}, body, max_bytes=len(body)).payload["event"] == "envelope_sent"
    with pytest.raises(ValidationError, match="larger than"):
        webhooks.read_delivery({}, body, max_bytes=len(body) - 1)
    with signport.connect("local", path=tmp_path / "s", webhook_max_bytes=50) as small:
        with pytest.raises(ValidationError, match="larger than 50 bytes") as info:
            small.parse_webhook({}, body)
        assert info.value.path == "body"
    with signport.connect("iinked", api_key="k", webhook_max_bytes=50) as small, \
            pytest.raises(ValidationError, match="larger than 50 bytes"):
        small.parse_webhook({}, body.replace(b"event", b"action"))


@pytest.mark.parametrize(("depth", "refused"), [(64, False), (65, True)])
def test_nesting_limit_is_exact(depth: int, refused: bool) -> None:
    body = b'{"a": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
    if refused:
        with pytest.raises(ValidationError, match="deeper than 64"):
            webhooks.read_delivery({}, body)
    else:
        value = webhooks.read_delivery({}, body).payload["a"]
        for _ in range(depth - 2):
            assert isinstance(value, list)
            value = value[0]
        assert value == []


def test_too_deep_counts_levels() -> None:
    assert not webhooks.too_deep([], 1)
    assert webhooks.too_deep([[]], 1)
    assert not webhooks.too_deep({"a": [1, 2], "b": {"c": 3}}, 2)
    assert webhooks.too_deep({"a": [1, 2], "b": {"c": [3]}}, 2)
    assert not webhooks.too_deep("text", 0)


def test_check_age() -> None:
    now = datetime(2030, 1, 1, 12, tzinfo=UTC)
    webhooks.check_age(None, now=now)
    webhooks.check_age(now - timedelta(minutes=4, seconds=59), now=now)
    webhooks.check_age(datetime(2030, 1, 1, 11, 58), now=now)  # naive: read as UTC
    with pytest.raises(WebhookVerificationError, match="301 s old"):
        webhooks.check_age(now - timedelta(seconds=301), now=now)
    webhooks.check_age(now - timedelta(hours=1), tolerance=timedelta(hours=2), now=now)


# --- replay tolerance where a verifier is configured (iinked) -------------------------------------------
def _iinked_body(at: datetime, event_id: str = "ev-1") -> bytes:
    return json.dumps({"action": "package_executed", "packageId": "p1", "eventId": event_id,
                       "eventTime": at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"}).encode()


def test_verified_delivery_older_than_the_tolerance_is_refused() -> None:
    now = datetime.now(UTC)
    with signport.connect("iinked", api_key="k", webhook_verifier=_hex_verifier, webhook_secret=SECRET) as client:
        fresh = _iinked_body(now - timedelta(seconds=30))
        event = client.parse_webhook(_sign(fresh), fresh)
        assert event.verification is Verification.VERIFIED
        assert event.id == "ev-1"
        assert event.kind is EventKind.ENVELOPE_COMPLETED
        stale = _iinked_body(now - timedelta(minutes=6))
        with pytest.raises(WebhookVerificationError, match="old") as info:
            client.parse_webhook(_sign(stale), stale)
        assert info.value.provider == "iinked"
    with signport.connect("iinked", api_key="k", webhook_verifier=_hex_verifier, webhook_secret=SECRET,
                          webhook_tolerance=3600) as lenient:
        assert lenient.parse_webhook(_sign(stale), stale).verified
    with signport.connect("iinked", api_key="k") as unverified:
        # Without a verifier nothing is verified, so nothing is judged a replay: the caller decides.
        event = unverified.parse_webhook({}, stale)
        assert event.verification is Verification.NOT_CONFIGURED
        assert event.occurred_at is not None


def test_dedupe_on_event_id(tmp_path: Path) -> None:
    """The pattern the docs show: remember ``Event.id``, skip a delivery seen before."""
    seen: set[str] = set()
    handled = []
    body = _iinked_body(datetime.now(UTC), "ev-42")
    with signport.connect("iinked", api_key="k") as client:
        for _ in range(3):  # at-least-once delivery: the same event three times
            event = client.parse_webhook(JSON, body)
            assert event.id is not None
            if event.id in seen:
                continue
            seen.add(event.id)
            handled.append(event)
    assert [e.id for e in handled] == ["ev-42"]
