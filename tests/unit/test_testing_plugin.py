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


EMULATION_TESTS = '''
import pytest

from signport import Document, Envelope, Field, FieldType, Placement, Signer, UnsupportedFeature
from signport.cli import sample_pdf


def with_text_field():
    return Envelope(subject="NDA", documents=[Document(name="nda.pdf", content=sample_pdf())],
                    signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann")],
                    fields=[Field(type=FieldType.TEXT, signer="ann",
                                  placement=Placement(page=1, x=100, y=100, width=100, height=20))])


@pytest.mark.parametrize("signport_local", [None, "iinked", "easyink"], indirect=True)
def test_parametrised(signport_local):
    if signport_local.capabilities.field_types >= {FieldType.TEXT}:
        assert signport_local.send(with_text_field()).id
    else:
        with pytest.raises(UnsupportedFeature):
            signport_local.send(with_text_field())


@pytest.mark.signport_emulate("easyink")
async def test_marked_async(signport_local_async):
    assert not signport_local_async.capabilities.sign_by
    assert signport_local_async.capabilities.simulated_signing
'''

FAKE_TESTS = '''
import httpx
import pytest
import stamina

from signport import Document, Envelope, ProviderError, Signer, SigningOrder, State
from signport.cli import sample_pdf


def nda():
    return Envelope(subject="NDA", documents=[Document(name="nda.pdf", content=sample_pdf())],
                    signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann"),
                             Signer(first_name="Bob", last_name="Ray", email="bob@example.com", key="bob")],
                    order=SigningOrder.SEQUENTIAL)


@pytest.mark.parametrize("name", ["iinked", "easyink"])
def test_sign_decline_expire(name, request):
    fake = request.getfixturevalue(f"signport_{name}_fake")
    assert fake.url.startswith("http://127.0.0.1:")
    env = fake.client.send(nda())
    fake.sign(env, "ann")
    fake.sign(env, env.signers[1])
    assert fake.client.get(env.id).state is State.COMPLETED
    other = fake.client.send(nda())
    fake.decline(other.id, other.signers[0].id, reason="No")
    assert fake.client.get(other.id).state is State.DECLINED
    third = fake.client.send(nda())
    fake.expire(third)
    assert fake.client.get(third.id).state is State.EXPIRED
    with pytest.raises(AssertionError, match="refused"):
        fake.sign(third, "ann")


@pytest.mark.parametrize("name", ["iinked", "easyink"])
def test_fault(name, request):
    fake = request.getfixturevalue(f"signport_{name}_fake")
    env = fake.client.send(nda())
    fake.fault(env.id, method="GET", status=500, times=10)
    with stamina.set_testing(True, attempts=2), pytest.raises(ProviderError):
        fake.client.get(env.id)
    assert fake.control.fault_hits
    fake.clear_faults()
    assert fake.client.get(env.id).id == env.id


async def test_async_fakes(signport_iinked_fake_async, signport_easyink_fake_async):
    for fake in (signport_iinked_fake_async, signport_easyink_fake_async):
        env = await fake.client.send(nda())
        fake.sign(env, 0)
        assert (await fake.client.get(env.id)).signers[0].state.value == "signed"


URLS = []


def test_server_runs_for_the_test(signport_easyink_fake):
    URLS.append(signport_easyink_fake.url)


def test_and_stops_after_it():
    with pytest.raises(httpx.TransportError):
        httpx.get(URLS[0] + "/_faults", timeout=2)
'''


def test_local_emulation_by_parameter_and_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=EMULATION_TESTS)
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider", "--strict-markers",
                                "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=4)


def test_vendor_fake_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_app=FAKE_TESTS)
    result = pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider", "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=7)


def test_fake_fixtures_are_listed(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*_plugin_args(), "--fixtures")
    for name in ("signport_iinked_fake", "signport_easyink_fake", "signport_iinked_fake_async",
                 "signport_easyink_fake_async"):
        result.stdout.fnmatch_lines([f"{name} -- *"])
