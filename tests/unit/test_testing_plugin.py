"""The pytest plugin (``signport.testing``), exercised the way an application's test suite uses it."""

from __future__ import annotations

import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

APP_TESTS = '''
import pytest

from signport import Document, Envelope, Signer, SignerState, State
from signport.cli import sample_pdf

CLOSED = []


def nda():
    return Envelope(subject="NDA", documents=[Document(name="nda.pdf", content=sample_pdf())],
                    signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")])


def test_send_and_sign(signport_local, signport_local_path):
    env = signport_local.send(nda())
    assert env.state is State.SENT
    signport_local.provider.sign(env.id, env.signers[0].id)
    done = signport_local.get(env.id)
    assert done.state is State.COMPLETED
    assert done.signers[0].state is SignerState.SIGNED
    assert signport_local_path.is_dir()
    close = signport_local.close
    signport_local.close = lambda: (CLOSED.append(env.id), close())


def test_the_client_was_closed_and_this_store_is_fresh(signport_local):
    assert len(CLOSED) == 1
    assert list(signport_local.list()) == []


@pytest.mark.asyncio
async def test_async_client_shares_the_store(signport_local, signport_local_async):
    env = signport_local.send(nda())
    seen = await signport_local_async.get(env.id)
    assert seen.id == env.id and seen.state is State.SENT
    assert [e.id async for e in signport_local_async.list()] == [env.id]
'''


def _plugin_args() -> list[str]:
    """Load the plugin explicitly only when the ``pytest11`` entry point is not installed."""
    installed = any(ep.value == "signport.testing" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "signport.testing"]


def test_entry_point_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["entry-points"]["pytest11"] == {"signport": "signport.testing"}


@pytest.fixture(autouse=True)
def _quiet_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


def test_fixtures_in_an_application_test_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # The machine's configuration must not leak into the fixture's store.
    monkeypatch.setenv("SIGNPORT_PROVIDER", "nope")
    monkeypatch.setenv("SIGNPORT_LOCAL_PATH", str(pytester.path / "elsewhere"))
    pytester.makepyfile(test_app=APP_TESTS)
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert not (pytester.path / "elsewhere").exists()


def test_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*_plugin_args(), "--fixtures")
    result.stdout.fnmatch_lines(["signport_local -- *", "*fresh store; closed after the test*"])
    assert "signport_local_async" in result.stdout.str()
    assert "signport_local_path" in result.stdout.str()
