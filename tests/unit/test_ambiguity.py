"""The core pieces for ambiguous outcomes: markers, ``outcome_unknown``, ``recover`` and ``settle``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import signport
from signport.provider import (
    Flow,
    new_marker,
    outcome_unknown,
    recover,
    settle,
    split_marker,
    tag_marker,
)

REQ = httpx.Request("GET", "https://x.invalid/")


def drive(flow: Flow[Any], outcomes: list[httpx.Response | Exception]) -> Any:
    """Run ``flow`` against canned outcomes; returns its result (raises what it raises)."""
    try:
        request = next(flow)
        for outcome in outcomes:
            assert isinstance(request, httpx.Request)
            request = flow.throw(outcome) if isinstance(outcome, Exception) else flow.send(outcome)
    except StopIteration as stop:
        return stop.value
    raise AssertionError("the flow wanted more requests than given")


def one_request(result: Any) -> Flow[Any]:
    response = yield REQ
    if response.status_code >= 400:
        raise signport.ProviderError("failed", status=response.status_code)
    return result


def test_markers_are_fresh_and_split_back() -> None:
    a, b = new_marker(), new_marker()
    assert a != b
    assert a.startswith("signport-")
    assert len(a) == 33
    assert split_marker(tag_marker("lease-7", a)) == ("lease-7", a)
    assert split_marker(tag_marker(None, a)) == (None, a)
    assert split_marker("lease 7") == ("lease 7", None)
    assert split_marker(None) == (None, None)


@pytest.mark.parametrize(("error", "unknown"), [
    (signport.TransportError("reset", sent=True), True),
    (signport.TransportError("refused", sent=False), False),
    (signport.ProviderError("500", status=500), True),
    (signport.ProviderError("502", status=502), True),
    (signport.ProviderError("unreadable", status=200), True),
    (signport.ProviderError("no id in the answer"), True),
    (signport.ValidationError("bad", status=400), False),
    (signport.RateLimited("slow", status=429), False),
    (signport.NotFound("gone", status=404), False),
    (signport.ValidationError("bad input", path="x"), False),
    (signport.PartialFailure("half"), False),
    (TypeError("list indices"), True),
])
def test_outcome_unknown(error: Exception, unknown: bool) -> None:
    assert outcome_unknown(error) is unknown


def lookup(results: list[Any]) -> Any:
    calls: list[float] = []

    def find(delay: float) -> Flow[Any]:
        calls.append(delay)
        yield REQ
        return results[len(calls) - 1]
    return find, calls


def test_recover_returns_what_the_look_up_finds() -> None:
    find, calls = lookup(["found"])
    flow = recover(one_request("made"), find, provider="toy", what="create", marker="m")
    assert drive(flow, [httpx.Response(500), httpx.Response(200)]) == "found"
    assert calls == [0.0]


def test_recover_looks_again_then_raises_the_original_error() -> None:
    find, calls = lookup([None, None, None])
    flow = recover(one_request("made"), find, provider="toy", what="create", marker="m", looks=3, wait=2)
    with pytest.raises(signport.ProviderError) as info:
        drive(flow, [httpx.Response(502)] + [httpx.Response(200)] * 3)
    assert info.value.status == 502
    assert calls == [0.0, 2, 2]


def test_recover_does_not_look_after_a_clear_refusal() -> None:
    find, calls = lookup([])
    flow = recover(one_request("made"), find, provider="toy", what="create", marker="m")
    with pytest.raises(signport.ProviderError):
        drive(flow, [httpx.Response(400)])
    assert calls == []


def test_recover_says_outcome_unknown_when_the_look_up_fails() -> None:
    def find(delay: float) -> Flow[Any]:
        yield REQ
        raise signport.TransportError("down")

    flow = recover(one_request("made"), find, provider="toy", what="create", marker="signport-x")
    with pytest.raises(signport.OutcomeUnknown) as info:
        drive(flow, [httpx.Response(500), httpx.Response(200)])
    assert info.value.marker == "signport-x"
    assert "signport-x" in info.value.message


def check(result: bool | Exception) -> Any:
    def took_effect() -> Flow[bool]:
        yield REQ
        if isinstance(result, Exception):
            raise result
        return result
    return took_effect


def test_settle() -> None:
    assert drive(settle(one_request(None), check(True), provider="t", what="void", envelope_id="e"),
                 [httpx.Response(200)]) is False
    assert drive(settle(one_request(None), check(True), provider="t", what="void", envelope_id="e"),
                 [httpx.Response(503), httpx.Response(200)]) is True
    with pytest.raises(signport.ProviderError) as info:
        drive(settle(one_request(None), check(False), provider="t", what="void", envelope_id="e"),
              [httpx.Response(503), httpx.Response(200)])
    assert info.value.status == 503
    with pytest.raises(signport.OutcomeUnknown) as unknown:
        drive(settle(one_request(None), check(signport.TransportError("x")), provider="t", what="void",
                     envelope_id="e"), [httpx.Response(503), httpx.Response(200)])
    assert unknown.value.envelope_id == "e"
