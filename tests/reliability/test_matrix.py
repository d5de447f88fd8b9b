"""The fault matrix on both fakes, sync and async (see ``matrix.py``); a summary line ends the run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina

import signport

from . import matrix
from .matrix import SCENARIOS, Case, Rig, Scenario


@pytest.fixture(scope="module")
def rigs() -> Iterator[dict[str, Rig]]:
    with stamina.set_testing(True, attempts=3), matrix.rig("iinked") as a, matrix.rig("easyink") as b:
        yield {"iinked": a, "easyink": b}


def _prepare(rig: Rig, setup: signport.Client, scenario: Scenario,
             folder: Path) -> tuple[Any, str | None, set[str], Any, matrix.Call]:
    rig.fresh()
    context = scenario.setup(rig, setup)
    target = context.id if isinstance(context, signport.Envelope) else None
    before = rig.vendor.live_ids(rig.fake)
    was = rig.vendor.snapshot(rig.fake, target) if target else None
    return context, target, before, was, scenario.call(context, folder)


def _verdict(rig: Rig, scenario: Scenario, target: str | None, before: set[str], was: Any, outcome: Any) -> str:
    after = rig.vendor.live_ids(rig.fake)
    now = rig.vendor.snapshot(rig.fake, target) if target else None
    return matrix.judge(scenario.kind, target, before, after, was, now, outcome)


def _folder(tmp_path: Path, case: Case | None) -> Path:
    return tmp_path / (re.sub(r"[^A-Za-z0-9_.-]", "_", case.key) if case else "clean")


def _check(scenario: Scenario, results: list[tuple[Case, str, Any]], steps: int) -> None:
    assert steps >= 2, f"{scenario.id}: a multi-step flow was expected, saw {steps} request(s)"
    bad = matrix.record(results)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_fault_matrix_sync(rigs: dict[str, Rig], scenario: Scenario, tmp_path: Path) -> None:
    rig = rigs[scenario.vendor]
    client = rig.client()  # one client for every case: a new one costs more than a case

    def run(case: Case | None) -> tuple[str, Any]:
        _, target, before, was, (name, args, kwargs) = _prepare(rig, client, scenario, _folder(tmp_path, case))
        if case is not None:
            rig.arm(case.step, case.fault, case.persist)
        else:
            rig.faults.seen.clear()
        try:
            outcome: Any = getattr(client, name)(*args, **kwargs)
        except Exception as exc:
            outcome = exc
        rig.disarm()
        return _verdict(rig, scenario, target, before, was, outcome), outcome

    with client:
        verdict, outcome = run(None)
        assert verdict == "ok", f"the clean run failed: {outcome!r}"
        assert not isinstance(outcome, Exception), outcome
        steps = len(rig.faults.seen)
        results = [(case, *run(case)) for case in matrix.cases(scenario, "sync", steps)]
    _check(scenario, results, steps)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
async def test_fault_matrix_async(rigs: dict[str, Rig], scenario: Scenario, tmp_path: Path) -> None:
    rig = rigs[scenario.vendor]
    setup, client = rig.client(), rig.async_client()

    async def run(case: Case | None) -> tuple[str, Any]:
        _, target, before, was, (name, args, kwargs) = _prepare(rig, setup, scenario, _folder(tmp_path, case))
        if case is not None:
            rig.arm(case.step, case.fault, case.persist)
        else:
            rig.faults.seen.clear()
        try:
            outcome: Any = await getattr(client, name)(*args, **kwargs)
        except Exception as exc:
            outcome = exc
        rig.disarm()
        return _verdict(rig, scenario, target, before, was, outcome), outcome

    with setup:
        async with client:
            verdict, outcome = await run(None)
            assert verdict == "ok", f"the clean run failed: {outcome!r}"
            assert not isinstance(outcome, Exception), outcome
            steps = len(rig.faults.seen)
            results = [(case, *(await run(case))) for case in matrix.cases(scenario, "async", steps)]
    _check(scenario, results, steps)
