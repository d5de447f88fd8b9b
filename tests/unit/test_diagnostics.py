"""Diagnostics: request and retry logs on ``signport.http``, quiet stderr, network errors that say where."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina

import signport
from signport.client import AsyncClient, Client

from ..samples import envelope
from .toy import ToyProvider, ToySettings

TOKEN = "s3cr3t-token"
ROOT = Path(__file__).resolve().parents[2]
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


def toy(handler: Handler, mode: str) -> Any:
    provider = ToyProvider(ToySettings(base_url="https://toy.example/api", token=TOKEN))
    cls = Client if mode == "sync" else AsyncClient
    transport: Any = httpx.MockTransport(handler)
    return cls(provider, transport_=transport)


async def get(handler: Handler, mode: str, envelope_id: str = "e1") -> signport.Envelope:
    client = toy(handler, mode)
    try:
        if mode == "sync":
            result: signport.Envelope = client.get(envelope_id)
        else:
            result = await client.get(envelope_id)
    finally:
        if mode == "sync":
            client.close()
        else:
            await client.aclose()
    return result


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"id": "e1", "subject": "NDA"})


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_each_request_is_logged_at_debug_without_secrets(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="signport.http"):
        await get(ok, mode)
    records = [r for r in caplog.records if r.name == "signport.http"]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.DEBUG
    message = record.getMessage()
    assert message.startswith("GET toy.example/api/envelopes/e1 -> 200 in ")
    assert message.endswith("ms (attempt 1)")
    assert (record.http_method, record.http_host, record.http_path, record.http_status, record.attempt) == (  # type: ignore[attr-defined]
        "GET", "toy.example", "/api/envelopes/e1", 200, 1)
    assert record.elapsed >= 0  # type: ignore[attr-defined]
    assert TOKEN not in caplog.text


def test_a_logged_request_never_shows_its_query_string() -> None:
    from signport.transport import describe

    request = httpx.Request("GET", "https://user:pw@toy.example:8443/api/x?api_key=in-the-query")
    assert describe(request) == "GET toy.example:8443/api/x"


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_retries_are_logged_at_info_with_the_cause(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    answers = iter([httpx.Response(503), httpx.Response(429), ok(httpx.Request("GET", "https://x"))])
    with caplog.at_level(logging.DEBUG):
        await get(lambda r: next(answers), mode)
    http = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "signport.http"]
    assert [level for level, _ in http] == ["DEBUG", "INFO", "DEBUG", "INFO", "DEBUG"]
    assert http[1][1] == "retrying GET toy.example/api/envelopes/e1 (attempt 2) after HTTP 503"
    assert http[3][1] == "retrying GET toy.example/api/envelopes/e1 (attempt 3) after HTTP 429"
    assert [m.rsplit("(", 1)[1] for level, m in http if level == "DEBUG"] == ["attempt 1)", "attempt 2)", "attempt 3)"]
    # stamina's own record for these retries is dropped: signport logged them itself
    assert not [r for r in caplog.records if r.name == "stamina"]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_network_failure_names_the_request_and_keeps_its_cause(mode: str) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(signport.TransportError) as info:
        await get(refuse, mode)
    error = info.value
    assert "ConnectError on GET toy.example/api/envelopes/e1" in str(error)
    assert (error.method, error.host, error.path, error.provider) == ("GET", "toy.example", "/api/envelopes/e1", "toy")
    assert isinstance(error.__cause__, httpx.ConnectError)


def test_a_network_failure_that_is_not_retried_keeps_its_cause() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = toy(slow, "sync")
    with client, pytest.raises(signport.TransportError) as info:
        client.send(envelope(client.capabilities))
    assert "ReadTimeout on POST toy.example/api/envelopes" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


SCRIPT = """
import httpx, stamina, sys
sys.path.insert(0, {root!r})
from signport.client import Client
from tests.unit.toy import ToyProvider, ToySettings

now = {{"Retry-After": "0"}}
answers = iter([httpx.Response(503, headers=now), httpx.Response(429, headers=now),
                httpx.Response(200, json={{"id": "e1", "subject": "NDA"}})])
with Client(ToyProvider(ToySettings(token="t")), transport_=httpx.MockTransport(lambda r: next(answers))) as client:
    assert client.get("e1").id == "e1"
print("done")
if sys.argv[1:] == ["app-retries-too"]:
    for attempt in stamina.retry_context(on=ValueError, attempts=2, wait_initial=0, wait_jitter=0):
        with attempt:
            if attempt.num == 1:
                raise ValueError("the application's own retry")
"""


def run_script(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT.format(root=str(ROOT))))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGNPORT_", "PYTHONWARNINGS"))}
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,  # noqa: S603
                          cwd=tmp_path, env=env, timeout=60, check=False)


def test_a_script_whose_requests_are_retried_prints_nothing_on_stderr(tmp_path: Path) -> None:
    proc = run_script(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "done\n"
    assert proc.stderr == ""


def test_the_applications_own_stamina_retries_still_log_as_before(tmp_path: Path) -> None:
    proc = run_script(tmp_path, "app-retries-too")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("stamina.retry_scheduled") == 1  # stamina's hooks are untouched for the app
