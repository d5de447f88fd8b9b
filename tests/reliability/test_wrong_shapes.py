"""Property: any JSON at any step of any flow, on both vendors, ends in a result or a SignportError.

The vendor answers every request for real (it commits); a test transport then replaces the body of
one step's answer, chosen by hypothesis, with generated JSON: a mangled copy of the real answer
(nulls, wrong types, dropped and unknown keys, lists where objects belong) or any JSON at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import signport

from ..unit.wire.test_tolerant_parsing import mangled
from . import matrix
from .matrix import SCENARIOS, Rig, Scenario

any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)


class Mangling(httpx.HTTPTransport):
    """Sends every request for real; the answer to request number ``step`` gets ``body`` instead."""

    def __init__(self) -> None:
        super().__init__()
        self.step = -1
        self.count = 0
        self.body: Any = None
        self.whole = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        n, self.count = self.count, self.count + 1
        if n != self.step:
            return response
        response.read()
        body = self.body
        if not self.whole:
            try:
                real = json.loads(response.content)
            except ValueError:
                real = None  # an empty or binary answer: mangle "nothing"
            body = self.body(real)
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() not in ("content-length", "content-encoding", "content-type")}
        return httpx.Response(response.status_code, headers=headers, json=body, request=request)


@pytest.fixture(scope="module")
def rigs() -> Iterator[dict[str, Rig]]:
    with stamina.set_testing(True, attempts=2), matrix.rig("iinked") as a, matrix.rig("easyink") as b:
        yield {"iinked": a, "easyink": b}


def _run(rig: Rig, scenario: Scenario, folder: Path, transport: Mangling) -> tuple[Any, int]:
    rig.fresh()
    with rig.client() as setup:
        context = scenario.setup(rig, setup)
    name, args, kwargs = scenario.call(context, folder)
    transport.count = 0
    with signport.connect(rig.vendor.name, transport=transport, timeout=10, **rig.vendor.settings(rig.url)) as c:
        try:
            outcome: Any = getattr(c, name)(*args, **kwargs)
        except Exception as exc:
            outcome = exc
    return outcome, transport.count


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_no_wrong_shape_escapes_untyped(rigs: dict[str, Rig], scenario: Scenario, tmp_path: Path) -> None:
    rig = rigs[scenario.vendor]
    clean = Mangling()
    outcome, steps = _run(rig, scenario, tmp_path / "clean", clean)
    assert not isinstance(outcome, Exception), outcome

    # No shrinking: each example drives a real fake, and a failure prints the step and body drawn.
    @settings(max_examples=4, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def prop(data: st.DataObject) -> None:
        transport = Mangling()
        transport.step = data.draw(st.integers(0, steps - 1), label="step")
        if data.draw(st.booleans(), label="any JSON"):
            transport.whole, transport.body = True, data.draw(any_json, label="body")
        else:
            transport.body = lambda real: data.draw(mangled(real), label="mangled")
        got, _ = _run(rig, scenario, tmp_path / f"case-{transport.step}", transport)
        assert not isinstance(got, Exception) or isinstance(got, signport.SignportError), repr(got)

    prop()
