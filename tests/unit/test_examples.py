"""Docs that run: every Python block of README.md and docs/ is a file under examples/, and each runs.

The files are the truth (type-checked with ``mypy --strict``: ``examples`` is in ``[tool.mypy] files``);
``docs/include_examples.py`` copies them into the documents, and the first tests below fail when a
document and its file drift apart. The README quickstart, copied verbatim out of README.md, runs on
``local`` and, with only environment variables changed, on the iinked and EasyInk fakes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import signport
from signport import SignerState, State, registry
from signport.cli import sample_pdf
from signport.testing import FakeControl, running_fake
from signport_local.outbox import DELIVERED, PENDING
from signport_local.provider import LocalProvider
from signport_local.server import running
from tests.server.test_commands import sign_on_the_page

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _include_module() -> Any:
    spec = importlib.util.spec_from_file_location("include_examples", ROOT / "docs" / "include_examples.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


include = _include_module()


# --- the documents show the files -----------------------------------------------------------------------
def test_every_block_matches_its_file() -> None:
    assert include.stale() == [], "run: python docs/include_examples.py --write"


def test_every_python_block_is_an_example_file() -> None:
    loose = {f"{doc.relative_to(ROOT)}": [line for line, included in include.python_blocks(doc) if not included]
             for doc in include.documents()}
    assert {doc: lines for doc, lines in loose.items() if lines} == {}, (
        "put the code in a file under examples/ and include it (see docs/include_examples.py)")


def test_every_example_is_shown_somewhere() -> None:
    shown = {path for doc in include.documents() for path, _, _ in include.included(doc)}
    files = {str(p.relative_to(ROOT)) for p in EXAMPLES.rglob("*.py") if "__pycache__" not in p.parts}
    assert files == shown


def test_examples_are_type_checked() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mypy"]
    assert "examples" in mypy["files"]
    assert mypy["strict"] is True


def test_drift_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The check itself can fail: a document whose block differs from its file is reported, and --write mends it.
    (tmp_path / "examples").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "examples" / "x.py").write_text("# --8<-- [start:a]\nprint(1)\n# --8<-- [end:a]\nprint(2)\n")
    (tmp_path / "README.md").write_text("<!-- include: examples/x.py:a -->\n```python\nprint(3)\n```\n")
    monkeypatch.setattr(include, "ROOT", tmp_path)
    assert include.stale() == ["README.md: examples/x.py:a"]
    assert include.write() == 1
    assert (tmp_path / "README.md").read_text() == "<!-- include: examples/x.py:a -->\n```python\nprint(1)\n```\n"
    assert include.stale() == []


# --- the examples run -------------------------------------------------------------------------------------
def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any signport setting of this machine, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNPORT_")}
    return env | extra


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A working folder with the PDFs the examples name."""
    for name in ("nda.pdf", "contract.pdf"):
        (tmp_path / name).write_bytes(sample_pdf())
    return tmp_path


def run(path: Path, cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, str(path), *args], cwd=cwd, env=env, capture_output=True,  # noqa: S603
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


LOCAL_ONLY = ["send_and_follow.py", "errors.py", "async_list.py", "local_webhooks.py", "download_signed.py",
              "webhook_receiver.py"]


@pytest.mark.parametrize("name", LOCAL_ONLY)
def test_local_example_runs(name: str, workdir: Path) -> None:
    run(EXAMPLES / name, workdir, clean_env(SIGNPORT_LOCAL_PATH=str(workdir / "store")))


def test_send_and_follow_ends_with_the_signed_pdf(workdir: Path) -> None:
    out = run(EXAMPLES / "send_and_follow.py", workdir, clean_env()).stdout
    assert "State.SENT" in out
    assert list((workdir / "signed").glob("*.pdf"))
    # The async listing then finds the completed envelope in the same store.
    assert "Consulting agreement" in run(EXAMPLES / "async_list.py", workdir, clean_env()).stdout


def test_webhook_receiver_handles_each_event_once(workdir: Path) -> None:
    out = run(EXAMPLES / "webhook_receiver.py", workdir, clean_env()).stdout.splitlines()
    handled = [line for line in out if " -> " in line]
    assert handled, "every delivery was refused"
    assert all(line.endswith("-> completed") for line in handled), "each event re-reads the envelope"
    assert out[-1] == f"{len(handled)} events handled once each"  # each delivered twice, handled once
    assert len({line.split()[0] for line in handled}) == len(handled)


def test_signing_links_open_on_the_server_and_the_wait_ends_once_signed(workdir: Path) -> None:
    # As the docs run it: a signing server on the store, the script pointed at it by the environment,
    # and a person who opens the printed link and signs on the page.
    store = workdir / "store"
    with signport.connect("local", path=store) as server_side:
        assert isinstance(server_side.provider, LocalProvider)
        with running(server_side.provider) as url:
            env = clean_env(SIGNPORT_LOCAL_PATH=str(store), SIGNPORT_LOCAL_SERVER_URL=url)
            env.pop("PYTHONUNBUFFERED", None)  # output into a pipe: the link must still come before the wait
            with subprocess.Popen([sys.executable, str(EXAMPLES / "signing_links.py")], cwd=workdir,  # noqa: S603
                                  env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process:
                watchdog = threading.Timer(60, process.kill)  # a hung script ends the reads below
                watchdog.start()
                try:
                    assert process.stdout is not None
                    first = process.stdout.readline()
                    link = re.fullmatch(r"Ann Lee: (http://127\.0\.0\.1:(\d+)/sign/[\w-]{43})\n", first)
                    assert link is not None, f"no signing link before the wait: {first + process.stdout.read()!r}"
                    assert link[2] == url.rsplit(":", 1)[1]
                    assert process.poll() is None  # waiting for the signer
                    with httpx.Client(timeout=10) as http:
                        sign_on_the_page(http, link[1], "Ann Lee")
                    rest = process.stdout.read()
                    process.wait(30)
                finally:
                    watchdog.cancel()
                    if process.returncode is None:  # failed before the end: do not wait for the script
                        process.kill()
        assert process.returncode == 0, rest
        assert rest == "State.COMPLETED\n"
        assert [e.state for e in server_side.list()] == [State.COMPLETED]


def test_webhook_receiver_takes_posted_deliveries_and_refuses_forged_ones(workdir: Path) -> None:
    # The receiver served by uvicorn, the local provider posting to it for real, the same secret on both sides.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook = f"http://127.0.0.1:{port}/webhooks/signport"
    secret = "whsec-example-0123456789"
    receiver = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "uvicorn", "webhook_receiver:app", "--app-dir", str(EXAMPLES),
         "--port", str(port), "--log-level", "warning"], cwd=workdir, text=True,
        env=clean_env(SIGNPORT_LOCAL_WEBHOOK_SECRET=secret, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        up, deadline = False, time.monotonic() + 30
        while not up and receiver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
            with contextlib.suppress(httpx.TransportError):
                up = httpx.get(hook).status_code == 405  # the route answers POST only
        assert up, "the receiver did not start"
        with signport.connect("local", path=workdir / "signport-data", webhook_urls=[hook],
                              webhook_secret=secret, webhook_backoff=0.1) as client:
            env = client.send(signport.Envelope(
                subject="NDA", documents=[signport.Document.from_path(workdir / "nda.pdf")],
                signers=[signport.Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
            client.local.sign(env, env.signers[0])
            provider = client.provider
            assert isinstance(provider, LocalProvider)
            deadline = time.monotonic() + 30
            while any(d.status == PENDING for d in provider.deliveries(env.id)) and time.monotonic() < deadline:
                time.sleep(0.05)
            deliveries = provider.deliveries(env.id)
            kinds = [e.kind.value for e in client.local.events(env)]
            assert [(d.status, [a.status for a in d.log]) for d in deliveries] == [(DELIVERED, [200])] * len(kinds)
            headers, body = provider.webhook_deliveries(env.id)[-1]  # envelope_completed, signed
            forged = body.replace(b'"envelope_completed"', b'"envelope_voided"')
            assert forged != body
            unsigned = {k: v for k, v in headers.items() if k != "signport-signature"}
            assert httpx.post(hook, headers=headers, content=forged).status_code == 401
            assert httpx.post(hook, headers=unsigned, content=body).status_code == 401
            assert httpx.post(hook, headers=headers, content=body).status_code == 200  # a repeat
    finally:
        receiver.send_signal(signal.SIGINT)
        try:
            out = receiver.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            receiver.kill()
            out = receiver.communicate()[0]
    # Each event was handled once, in order, and re-read the envelope; the forged ones never got that far.
    assert [line.split(" -> ")[0] for line in out.splitlines() if " -> " in line] == kinds, out
    assert receiver.returncode == 0, out


# --- docs/events.md ---------------------------------------------------------------------------------------
IDS = re.compile(r"\b(?:evt_)?[0-9a-f]{32}\b")


def without_ids(text: str) -> str:
    """``text`` with its envelope, signer and event ids (32 hex digits) replaced by ``ID``."""
    return IDS.sub("ID", text)


@pytest.fixture(scope="module")
def iinked_env() -> Iterator[dict[str, str]]:
    """``SIGNPORT_IINKED_*`` naming iinked's fake, for the examples that connect to iinked."""
    with running_fake("iinked") as control:
        settings = control.settings()
        yield {"SIGNPORT_IINKED_API_KEY": settings["api_key"], "SIGNPORT_IINKED_BASE_URL": settings["base_url"]}


def test_event_handlers_get_the_kinds_they_registered_for(workdir: Path) -> None:
    out = run(EXAMPLES / "events_handlers.py", workdir, clean_env(SIGNPORT_LOCAL_PATH=str(workdir / "store"))).stdout
    assert without_ids(out).splitlines() == [
        "audit: local envelope_created ID",
        "audit: local envelope_sent ID",
        "notify: signer_signed ID",          # the async handler, run to completion; then the catch-all
        "audit: local signer_signed ID",
        "audit: local document_completed ID",
        "archive: ID",
        "audit: local envelope_completed ID",
    ]


@pytest.mark.parametrize(("name", "app"), [("events_receiver.py", "receiver"), ("events_asgi.py", "starlette"),
                                           ("events_flask.py", "flask"), ("events_django.py", "django")])
def test_receiver_examples_handle_each_event_once(name: str, app: str, workdir: Path,
                                                  iinked_env: dict[str, str]) -> None:
    # local's five deliveries, each posted twice (events_asgi.py: to Starlette, then to FastAPI on the same store).
    env = clean_env(SIGNPORT_LOCAL_PATH=str(workdir / "store"), **iinked_env)
    out = run(EXAMPLES / name, workdir, env).stdout.splitlines()
    replies = [line.split() for line in out if line.split()[0] in {app, "fastapi"}]
    if app == "flask":
        assert replies.pop(0) == ["flask", "200", "the", "application's", "own", "page"]
    assert [(status, outcome) for _, status, outcome in replies] == [("200", "handled")] * 5 + [
        ("200", "duplicate")] * 5
    handled = [line for line in out if line.startswith("audit: local ")]
    assert len(handled) == 5
    assert len(set(handled)) == 5  # five different events, each handled once
    assert [line for line in out if line.startswith("archive: ")] == [f"archive: {handled[0].split()[-1]}"]
    assert (workdir / "events.sqlite3").exists()


def test_idempotent_handler_archives_once(workdir: Path) -> None:
    out = run(EXAMPLES / "events_idempotent.py", workdir, clean_env(SIGNPORT_LOCAL_PATH=str(workdir / "store")))
    lines = out.stdout.splitlines()
    ran = [line for line in lines if line.startswith("handlers ran for evt_")]
    assert len(ran) == 2, "the second store has no record: the handlers run again"
    assert len(set(ran)) == 1, "for the same event"
    assert len([line for line in lines if line.startswith("archived ")]) == 1, "the side effect happened once"
    assert lines[-1] == "1 archived"
    assert [p.name for p in (workdir / "archive").glob("*/*")] == ["nda.pdf"]


EXPECTED_SWEEPS = """\
first sweep: 0
  envelope_sent polled
  signer_signed polled
  envelope_completed polled
sweep: 3
  envelope_sent polled
  signer_signed polled
  envelope_completed polled
async sweep: 3
"""


def test_watch_example_sweeps_on_local(workdir: Path) -> None:
    out = run(EXAMPLES / "events_watch.py", workdir, clean_env(SIGNPORT_LOCAL_PATH=str(workdir / "store"))).stdout
    assert out == EXPECTED_SWEEPS
    assert (workdir / "events.sqlite3").exists()


def test_watch_example_sweeps_on_the_easyink_fake(workdir: Path) -> None:
    # Only the provider changes (SIGNPORT_PROVIDER=easyink); nobody signs on the vendor here.
    with running_fake("easyink", tmp_path=workdir) as control:
        out = run(EXAMPLES / "events_watch.py", workdir, clean_env(**env_for(control))).stdout
    assert out == "first sweep: 0\n  envelope_sent polled\nsweep: 1\n  envelope_sent polled\nasync sweep: 1\n"


def test_refresh_example_reports_each_change_once(workdir: Path) -> None:
    lines = run(EXAMPLES / "events_refresh.py", workdir, clean_env()).stdout.splitlines()
    assert [line for line in lines if not line.startswith("  ")][:3] == [
        "document_signed 200", "document_executed 200", "package_executed 200"]
    handled = sorted(line.split()[0] for line in lines if line.startswith("  "))
    assert handled == sorted(["envelope_sent", "signer_signed", "envelope_completed",  # read by the watcher
                              "document_signed", "document_completed"])             # the notifications
    assert "  document_signed verified" in lines
    assert "  signer_signed polled" in lines


def test_example_test_modules_pass(workdir: Path) -> None:
    for name in ("test_contracts.py", "test_emulation.py", "test_on_the_fake.py", "test_signing_server.py"):
        (workdir / name).write_text((EXAMPLES / name).read_text("utf-8"), "utf-8")
    (workdir / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n", "utf-8")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=workdir, env=clean_env(),
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout


def test_plugin_example_works_as_a_provider() -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import signport_acme  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(EXAMPLES))
    envelopes: dict[str, Any] = {}

    def acme(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer k"
        if request.url.path == "/v1/files":
            return httpx.Response(200, json={"id": "f1"})
        if request.url.path == "/v1/envelopes":
            body = __import__("json").loads(request.content)
            envelopes["e1"] = {"id": "e1", "title": body["title"], "status": "sent", "sequential": False,
                               "signers": [{"id": "s1", "status": "to_sign", **s} for s in body["signers"]]}
            return httpx.Response(200, json=envelopes["e1"])
        if request.url.path == "/v1/envelopes/e1/void":
            envelopes["e1"]["status"] = "voided"
            return httpx.Response(200, json={})
        if request.url.path == "/v1/envelopes/e1":
            return httpx.Response(200, json=envelopes["e1"])
        return httpx.Response(404, json={"code": "not_found", "message": "no"})

    registry.register_plugin(signport_acme, name="acme-example")
    try:
        with signport.connect("acme", api_key="k", transport=httpx.MockTransport(acme)) as client:
            sent = client.send(signport.Envelope(
                subject="NDA", documents=[signport.Document(name="nda.pdf", content=sample_pdf())],
                signers=[signport.Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
            assert sent.state is State.SENT
            assert sent.signers[0].state is signport.SignerState.NEXT
            assert client.void(sent.id, reason="typo").state is State.VOIDED
            with pytest.raises(signport.NotFound):
                client.get("nope")
    finally:
        registry.unregister_plugin(signport_acme)


def test_vendor_examples_run_on_the_fakes(workdir: Path) -> None:
    run(EXAMPLES / "easyink_fake.py", workdir, clean_env())
    with running_fake("iinked") as control:
        env = clean_env(SIGNPORT_IINKED_API_KEY=control.settings()["api_key"],
                        SIGNPORT_IINKED_BASE_URL=control.settings()["base_url"])
        assert "State.SENT" in run(EXAMPLES / "iinked_send.py", workdir, env).stdout
        run(EXAMPLES / "iinked_webhook_verifier.py", workdir, env)


# --- the README quickstart, verbatim, on every provider -------------------------------------------------
def readme_quickstart() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Quickstart", 1)[1]
    block = re.search(r"^```python\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert block is not None
    return block.group(1)


@pytest.fixture
def quickstart(workdir: Path) -> Path:
    path = workdir / "quickstart.py"
    path.write_text(readme_quickstart(), "utf-8")
    return path


def test_readme_starts_with_its_two_commands() -> None:
    lines = (ROOT / "README.md").read_text("utf-8").splitlines()
    assert lines[2] == "```sh"
    assert lines[3].endswith("signport demo")
    assert lines[4].endswith(".venv/bin/pytest")
    assert lines[5] == "```"


def test_readme_quickstart_passes_mypy_strict(quickstart: Path) -> None:
    from mypy import api

    out, err, status = api.run(["--strict", "--no-incremental", "--python-version", "3.11", str(quickstart)])
    assert status == 0, out + err


def test_readme_quickstart_completes_on_local(quickstart: Path, workdir: Path) -> None:
    out = run(quickstart, workdir, clean_env(SIGNPORT_LOCAL_PATH=str(workdir / "store"))).stdout
    assert "State.COMPLETED" in out
    assert list((workdir / "signed").glob("*.pdf"))


@contextlib.contextmanager
def people_sign(control: FakeControl) -> Iterator[list[str]]:
    """While the block runs, every envelope that appears on the fake is signed, signer after signer."""
    stop, done, failures = threading.Event(), [], []

    def work() -> None:
        try:
            with control.connect() as client:
                while not stop.is_set():
                    for env in client.list():
                        if env.id in done:
                            continue
                        if env.state is State.COMPLETED:
                            done.append(env.id)
                        for signer in client.get(env).signers:
                            if signer.state is SignerState.NEXT:
                                control.sign(env, signer)
                    stop.wait(0.2)
        except Exception as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield done
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not failures, failures


def env_for(control: FakeControl) -> dict[str, str]:
    """The environment variables that point ``signport.connect()`` at the fake (nothing else changes)."""
    env = {"SIGNPORT_PROVIDER": control.name}
    for key, value in control.settings().items():
        if isinstance(value, str | int | float):
            text = str(value).lower() if isinstance(value, bool) else str(value)
            env[f"SIGNPORT_{control.name}_{key}".upper()] = text
    return env


@pytest.mark.parametrize("vendor", ["iinked", "easyink"])
def test_readme_quickstart_completes_on_the_vendor_fakes(vendor: str, quickstart: Path, workdir: Path) -> None:
    with running_fake(vendor, tmp_path=workdir) as control, people_sign(control) as signed:
        out = run(quickstart, workdir, clean_env(**env_for(control))).stdout
    assert "State.COMPLETED" in out
    assert len(signed) == 1
    assert list((workdir / "signed").glob("*.pdf"))
