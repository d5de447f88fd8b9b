"""Tolerant on the wire: any mangling of a documented payload parses or fails as a SignportError, never a crash.

Hypothesis takes each vendor's documented example payloads and replaces values with nulls, other types
and unknown strings, drops keys and adds unknown ones; ``parse_envelope`` must return an ``Envelope``
(unknown states mapped to UNKNOWN) or raise a ``SignportError``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import signport
from signport import Envelope, SignerState, State

from ...samples import VENDOR_EXAMPLES

EXAMPLES = VENDOR_EXAMPLES
PAYLOADS = {
    "iinked": ["packages-status.response.json", "packages-status.guide-sign.response.json",
               "packages-status.response.placeholder.json"],
    "easyink": ["session-get.response.json", "draft-get.response.json"],
}

junk = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=12),
                 st.lists(st.none(), max_size=2), st.dictionaries(st.text(max_size=5), st.none(), max_size=2))


@st.composite
def mangled(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with some leaves replaced by junk, some keys dropped and some unknown keys added."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            action = draw(st.sampled_from(["keep", "keep", "keep", "mangle", "drop", "junk"]))
            if action == "keep":
                out[key] = item
            elif action == "mangle":
                out[key] = draw(mangled(item))
            elif action == "junk":
                out[key] = draw(junk)
        if draw(st.booleans()):
            out[draw(st.text(min_size=1, max_size=8))] = draw(junk)
        return out
    if isinstance(value, list):
        return [draw(mangled(item)) for item in value]
    return draw(st.one_of(st.just(value), junk))


def load(provider: str, name: str) -> Any:
    return json.loads((EXAMPLES / provider / name).read_text("utf-8"))


CASES = [(p, n) for p, names in PAYLOADS.items() for n in names]


@pytest.mark.parametrize(("provider", "name"), CASES)
def test_documented_payload_parses(provider: str, name: str) -> None:
    with signport.connect(provider, **_settings(provider)) as client:
        env = client.provider.parse_envelope(load(provider, name))
    assert isinstance(env, Envelope)
    assert env.provider == provider


@pytest.mark.parametrize(("provider", "name"), CASES)
def test_mangled_payloads_never_crash(provider: str, name: str) -> None:
    payload = load(provider, name)
    client = signport.connect(provider, **_settings(provider))

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mangled(payload))
    def check(data: Any) -> None:
        try:
            env = client.provider.parse_envelope(data)
        except signport.SignportError:
            return
        assert isinstance(env, Envelope)
        assert isinstance(env.state, State)
        assert all(isinstance(s.state, SignerState) for s in env.signers)

    try:
        check()
    finally:
        client.close()


@pytest.mark.parametrize("provider", ["iinked", "easyink"])
def test_unknown_native_state_is_unknown_and_kept(provider: str) -> None:
    payload = load(provider, PAYLOADS[provider][0])
    key = "state" if provider == "iinked" else "status"
    payload[key] = "somethingNew"
    with signport.connect(provider, **_settings(provider)) as client:
        env = client.provider.parse_envelope(payload)
    assert env.state is State.UNKNOWN
    assert env.native_state == "somethingNew"


def _settings(provider: str) -> dict[str, str]:
    return {"api_key": "k"} if provider == "iinked" else {"access_token": "t"}
