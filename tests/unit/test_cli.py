"""The ``signport`` command line, driven with click's CliRunner on the local provider (and one subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import attrs
import click
import httpx
import pypdf
import pytest
from click.testing import CliRunner, Result

from signport import Capabilities, DocumentKind, Envelope, NotFound, Signer, State, hookimpl, registry
from signport.cli import capabilities_data, main, parse_deadline, parse_signer, sample_pdf
from signport.config import secret
from signport.provider import Flow, Provider, no_io, save_to, saved_path

SECRET = "sk-live-0123456789abcdef"


# --- a throwaway provider: no simulated signing, a secret setting, an interactive login --------------------


@attrs.frozen
class PlainSettings:
    api_key: str | None = secret()
    client_id: str = "app-1"
    server: str | None = None


class PlainProvider(Provider):
    name = "plain"
    capabilities: ClassVar[Capabilities] = Capabilities(
        parallel_order=True, download_kinds=frozenset({DocumentKind.EXECUTED}))
    settings_class = PlainSettings

    @property
    def base_url(self) -> str | None:
        return self.settings.server  # type: ignore[no-any-return]

    def download(self, envelope_id: str, kind: DocumentKind, to: Path) -> Flow[list[Path]]:
        response = yield save_to(httpx.Request("GET", f"{self.base_url}/{envelope_id}.pdf"), to)
        self.check(response)
        return [saved_path(response)]

    def get(self, envelope_id: str) -> Flow[Envelope]:
        if envelope_id == "missing":
            raise NotFound("envelope missing not found", provider=self.name, status=404)
        key = self.settings.api_key or ""
        return no_io(Envelope(
            subject="Lease", id=envelope_id, state=State.SENT, native_state="out", provider=self.name,
            raw={"token": key},
            signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com", id="s1",
                            signing_url=f"https://sign.example/{key}", raw={"link": key})]))

    @classmethod
    def login(cls, settings: Any, ask: Callable[[str], str], say: Callable[[str], None],
              transport: Any = None) -> None:
        say(f"Open https://login.example/?client_id={settings.client_id}")
        code = ask("Paste the code")
        say(f"logged in with a code of {len(code)} characters")


class _Plugin:
    @hookimpl
    def register_providers(self, register: Any) -> None:
        register("plain", lambda: PlainProvider)
        register("broken", "signport_no_such_module.provider:Nothing")


@pytest.fixture
def plain_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    plugin = _Plugin()
    registry.register_plugin(plugin, name="cli-test-plain")
    monkeypatch.setenv("SIGNPORT_PLAIN_API_KEY", SECRET)
    try:
        yield
    finally:
        registry.unregister_plugin(plugin)


# --- helpers -------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No configuration from the machine: an empty working folder and user data folder, a store in tmp."""
    for var in list(os.environ):
        if var.startswith("SIGNPORT_"):
            monkeypatch.delenv(var)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("SIGNPORT_LOCAL_PATH", str(tmp_path / "store"))
    return tmp_path


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "agreement.pdf"
    path.write_bytes(sample_pdf())
    return path


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, (result.output, result.stderr)
    return result


def as_json(*args: str) -> Any:
    return json.loads(ok(*args, "--json").stdout)


def one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def sent(pdf: Path, *extra: str) -> dict[str, Any]:
    data: dict[str, Any] = as_json("send", str(pdf), "--signer", "Ann Lee <ann@example.com>",
                                   "--signer", "Bob van Ray <bob@example.com>", *extra)
    return data


# --- parsing -------------------------------------------------------------------------------------------


def test_signer_syntax() -> None:
    s = parse_signer("  Bob van Ray   < bob@example.com > ")
    assert (s.first_name, s.last_name, s.email) == ("Bob", "van Ray", "bob@example.com")


@pytest.mark.parametrize("text", ["Ann Lee", "ann@example.com", "Ann <ann@example.com>", "<ann@example.com>",
                                  "Ann Lee <ann@example.com> <x@example.com>"])
def test_bad_signer_is_a_usage_error(pdf: Path, text: str) -> None:
    result = run("send", str(pdf), "--signer", text)
    assert result.exit_code == 2
    assert "--signer" in result.stderr


def test_deadlines() -> None:
    day = parse_deadline("2031-02-03")
    assert (day.year, day.month, day.day, day.hour, day.minute) == (2031, 2, 3, 23, 59)
    assert day.tzinfo is not None
    exact = parse_deadline("2031-02-03T10:00:00+02:00")
    assert exact.utcoffset() == timedelta(hours=2)
    assert parse_deadline("2031-02-03T10:00").tzinfo is not None


# --- read and send commands -------------------------------------------------------------------------------


def test_version_and_help() -> None:
    assert "signport" in ok("--version").stdout
    assert "demo" in ok("--help").stdout


def test_providers_text_and_json() -> None:
    from signport_local.provider import LocalProvider

    text = ok("providers").stdout
    local_line = next(line for line in text.splitlines() if line.startswith("local "))
    assert "sequential order" in local_line
    assert "simulated signing" in local_line
    rows = {r["name"]: r for r in as_json("providers")}
    assert rows["local"]["capabilities"] == capabilities_data(LocalProvider.capabilities)


def test_providers_survives_a_broken_plugin(plain_provider: None) -> None:
    text = ok("providers").stdout
    assert "broken" in text
    assert "unavailable" in text
    assert "plain" in text
    assert "parallel order" in text
    rows = {r["name"]: r for r in as_json("providers")}
    assert "error" in rows["broken"]
    assert "capabilities" not in rows["broken"]


def test_send_status_list(pdf: Path) -> None:
    env = sent(pdf, "--sequential", "--subject", "Services", "--message", "Please sign")
    assert env["state"] == "sent"
    assert env["subject"] == "Services"
    assert env["order"] == "sequential"
    assert [s["state"] for s in env["signers"]] == ["next", "pending"]
    assert [s["last_name"] for s in env["signers"]] == ["Lee", "van Ray"]
    assert env["documents"][0]["name"] == "agreement.pdf"

    status = as_json("status", env["id"])
    assert status["id"] == env["id"]
    assert status["state"] == "sent"
    text = ok("status", env["id"]).stdout
    assert env["id"] in text
    assert "Bob van Ray" in text
    assert "next" in text

    assert [e["id"] for e in as_json("list", "--state", "sent")] == [env["id"]]
    assert as_json("list", "--state", "COMPLETED") == []
    listing = ok("list").stdout.splitlines()
    assert listing[0].split() == ["ID", "STATE", "CREATED", "SUBJECT"]
    assert env["id"] in listing[1]
    assert "Services" in listing[1]


def test_send_defaults_and_draft(pdf: Path) -> None:
    env = sent(pdf, "--draft", "--sign-by", "2099-12-31")
    assert env["state"] == "draft"
    assert env["order"] == "parallel"
    assert env["subject"] == "agreement"
    assert env["sign_by"].startswith("2099-12-31T23:59:59")
    assert [e["id"] for e in as_json("list", "--state", "draft")] == [env["id"]]


def test_send_refuses_a_file_that_is_not_a_pdf(tmp_path: Path) -> None:
    fake = tmp_path / "letter.pdf"
    fake.write_bytes(b"PK\x03\x04 a docx renamed")
    one_line_error(run("send", str(fake), "--signer", "Ann Lee <ann@example.com>"), "not a PDF")
    one_line_error(run("send", str(tmp_path / "missing.pdf"), "--signer", "Ann Lee <ann@example.com>"),
                   "no such file")


def test_send_validation_names_the_path(pdf: Path) -> None:
    one_line_error(run("send", str(pdf), "--signer", "Ann Lee <ann@@example>"), "signers[0].email")
    one_line_error(run("send", str(pdf), "--signer", "Ann Lee <ann@example.com>", "--sign-by", "2001-01-01"),
                   "sign_by", "future")


def test_usage_errors_exit_2(pdf: Path) -> None:
    assert run("send", str(pdf)).exit_code == 2  # no --signer
    assert run("send", "--signer", "Ann Lee <ann@example.com>").exit_code == 2  # no file
    assert run("send", str(pdf), "--signer", "Ann Lee <a@example.com>", "--sign-by", "soon").exit_code == 2
    assert run("list", "--state", "bogus").exit_code == 2
    assert run("void", "x").exit_code == 2  # --reason is required
    assert run("nope").exit_code == 2


# --- the lifecycle: sign, decline, wait, download, void -----------------------------------------------------


def test_sign_wait_download(pdf: Path, tmp_path: Path) -> None:
    env = sent(pdf, "--sequential")
    ann, bob = env["signers"]
    out = ok("sign", env["id"], "ann@example.com").stdout
    assert out.splitlines()[0] == "Ann Lee signed"
    assert "in_progress" in out
    timed_out = run("wait", env["id"], "--timeout", "0", "--poll", "0.01")
    assert timed_out.exit_code == 4
    assert timed_out.stdout == ""
    assert "Traceback" not in timed_out.stderr
    progress, error = timed_out.stderr.strip().splitlines()[:-1], timed_out.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: ")
    assert "still in_progress when the wait timed out" in error
    assert progress[0].endswith(": in_progress")
    assert progress[2].split()[-1] == "next"
    ok("sign", env["id"], bob["id"])

    waited = ok("wait", env["id"], "--timeout", "5", "--poll", "0.01")
    assert "state      completed" in waited.stdout.splitlines()

    result = ok("download", env["id"], "-o", str(tmp_path / "out"))
    paths = [Path(p) for p in result.stdout.splitlines()]
    assert len(paths) == 1
    assert paths[0].parent == tmp_path / "out"
    assert result.stderr == ""  # no progress display: stderr is not a terminal
    # The current folder by default, which holds the original agreement.pdf: the executed copy of the
    # same name does not replace it.
    original = pdf.read_bytes()
    here = run("download", env["id"])
    assert here.exit_code != 0
    assert f"agreement.pdf already exists in {Path.cwd()}" in here.stderr
    assert pdf.read_bytes() == original
    again = run("download", env["id"], "-o", str(tmp_path / "out"))  # the file is there: not replaced
    assert again.exit_code != 0
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    assert ok("download", env["id"], "-o", str(tmp_path / "out"), "--overwrite").stdout == result.stdout
    text = "".join(page.extract_text() for page in pypdf.PdfReader(paths[0]).pages)
    assert "Ann Lee" in text
    assert "Bob van Ray" in text
    assert ann["id"]


def test_decline_and_void(pdf: Path) -> None:
    env = sent(pdf)
    out = ok("decline", env["id"], env["signers"][1]["id"], "--reason", "Wrong amount").stdout
    assert out.startswith("Bob van Ray declined")
    status = as_json("status", env["id"])
    assert status["state"] == "declined"
    assert status["signers"][1]["decline_reason"] == "Wrong amount"
    assert "Wrong amount" in ok("status", env["id"]).stdout

    other = sent(pdf)
    assert "voided" in ok("void", other["id"], "--reason", "Sent by mistake").stdout
    one_line_error(run("void", other["id"], "--reason", "again"))


def test_errors_are_one_line_on_stderr(pdf: Path) -> None:
    one_line_error(run("status", "no-such-envelope"), "no-such-envelope")
    one_line_error(run("--provider", "nope", "status", "x"), "unknown provider 'nope'", "local")
    one_line_error(run("sign", "no-such-envelope", "s1"))
    one_line_error(run("download", "no-such-envelope", "-o", "out", "--kind", "executed"))


def test_sign_on_a_provider_without_simulated_signers(plain_provider: None) -> None:
    one_line_error(run("--provider", "plain", "sign", "e1", "s1"), "plain cannot sign")
    one_line_error(run("-p", "plain", "decline", "e1", "s1"), "plain cannot sign")
    one_line_error(run("-p", "plain", "status", "missing"), "not found", "status=404")


def test_no_secret_in_any_output(plain_provider: None) -> None:
    for args in (["-p", "plain", "status", "e1"], ["-p", "plain", "status", "e1", "--json"],
                 ["-p", "plain", "status", "missing"], ["-p", "plain", "list"], ["providers", "--json"],
                 ["-p", "plain", "demo"], ["auth", "plain"], ["--debug", "-p", "plain", "status", "e1"],
                 ["-v", "-p", "plain", "status", "missing"], ["--debug", "-p", "plain", "download", "e1"]):
        result = run(*args, input="the-code\n")
        assert SECRET not in result.output, args
    data = as_json("-p", "plain", "status", "e1")
    assert data["id"] == "e1"
    assert "raw" not in data
    assert "signing_url" not in data["signers"][0]
    assert "raw" not in data["signers"][0]


def test_download_streams_with_a_progress_bar(plain_provider: None, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.progress import Progress
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from signport.fakeserver import serve

    body = sample_pdf() + b"%" * 300_000
    app = Starlette(routes=[Route("/e1.pdf", lambda request: Response(
        body, media_type="application/pdf", headers={"Content-Disposition": 'attachment; filename="../lease.pdf"'}))])
    updates: list[tuple[Any, Any]] = []
    update = Progress.update

    def record(self: Progress, task: Any, **kwargs: Any) -> None:
        if "completed" in kwargs:
            updates.append((kwargs["completed"], kwargs["total"]))
        update(self, task, **kwargs)

    monkeypatch.setattr(Progress, "update", record)
    with serve(app) as url:
        monkeypatch.setenv("SIGNPORT_PLAIN_SERVER", url)
        monkeypatch.setenv("TTY_INTERACTIVE", "1")  # as on a terminal: the progress display is on
        shown = ok("-p", "plain", "download", "e1", "-o", str(tmp_path / "shown"))
        monkeypatch.delenv("TTY_INTERACTIVE")
        assert len(updates) > 1
        assert updates[-1] == (len(body), len(body))
        assert shown.stdout == f"{tmp_path / 'shown' / 'lease.pdf'}\n"
        updates.clear()
        result = ok("-p", "plain", "download", "e1", "-o", str(tmp_path / "out"))
        assert updates == []  # not a terminal: no progress display
        one_line_error(run("-p", "plain", "download", "e2", "-o", str(tmp_path / "out")), "HTTP 404")
        one_line_error(run("-p", "plain", "download", "e1", "-o", "x", "--kind", "audit"),
                       "cannot download audit")
        one_line_error(run("-p", "plain", "download", "e2", "-o", str(tmp_path / "new" / "deeper")), "HTTP 404")
        assert not (tmp_path / "new").exists()  # no empty folder left behind
        debug = ok("--debug", "-p", "plain", "download", "e1", "-o", str(tmp_path / "debug"))
        quiet = ok("-v", "-p", "plain", "download", "e1", "-o", str(tmp_path / "verbose"))
    assert result.stdout == f"{tmp_path / 'out' / 'lease.pdf'}\n"
    assert result.stderr == ""
    host = url.removeprefix("http://")
    assert f"DEBUG signport.http: GET {host}/e1.pdf -> 200 in " in debug.stderr
    assert SECRET not in debug.stderr
    assert debug.stdout == f"{tmp_path / 'debug' / 'lease.pdf'}\n"
    assert quiet.stderr == ""  # nothing was retried: -v has nothing to say
    assert (tmp_path / "out" / "lease.pdf").read_bytes() == body


def test_auth_runs_the_provider_login(plain_provider: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPORT_PLAIN_CLIENT_ID", "app-from-env")
    result = run("auth", "plain", input="abc123\n")
    assert result.exit_code == 0, result.output
    assert "client_id=app-from-env" in result.stdout
    assert "logged in with a code of 6 characters" in result.stdout
    monkeypatch.setenv("SIGNPORT_PROVIDER", "plain")
    assert "client_id=app-from-env" in run("auth", input="abc\n").stdout
    one_line_error(run("auth", "local"), "local needs no login")


def test_provider_settings_from_a_config_file(pdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNPORT_LOCAL_PATH")
    (tmp_path / "signport.toml").write_text(f'provider = "local"\n[local]\npath = "{tmp_path / "from-toml"}"\n')
    env = sent(pdf)
    assert (tmp_path / "from-toml").is_dir()
    assert as_json("status", env["id"])["id"] == env["id"]
    (tmp_path / "signport.toml").write_text('[local]\ncolour = "blue"\n')
    one_line_error(run("list"), "colour")


# --- the demo ---------------------------------------------------------------------------------------------------


def _check_demo_output(stdout: str) -> Path:
    lines = stdout.splitlines()
    steps = [line for line in lines if line.startswith("[")]
    assert [s.split("] ", 1)[1] for s in steps] == [
        "draft created", "sent", "Ada Lovelace signed", "Alan Turing signed"]
    states = [line.split(": ", 1)[1] for line in lines if line.strip().startswith("envelope ")]
    assert states == ["draft", "sent", "in_progress", "completed"]
    signer_states = [line.split()[-1] for line in lines if "@example.com" in line]
    assert signer_states == ["pending", "pending", "next", "pending", "signed", "next", "signed", "signed"]
    executed = Path(lines[-1].removeprefix("Executed PDF: "))
    assert lines[-1].startswith("Executed PDF: ")
    assert executed.is_file()
    text = "".join(page.extract_text() for page in pypdf.PdfReader(executed).pages)
    assert "Ada Lovelace" in text
    assert "Alan Turing" in text
    return executed


def test_sample_pdf_has_two_pages_and_no_names() -> None:
    import io

    reader = pypdf.PdfReader(io.BytesIO(sample_pdf()))
    assert len(reader.pages) == 2
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Ada" not in text
    assert "Alan" not in text


def test_demo_on_a_fresh_machine_uses_the_user_data_folder(tmp_path: Path) -> None:
    executed = _check_demo_output(ok("demo").stdout)
    assert executed.is_relative_to(tmp_path / "xdg-data" / "signport" / "demo")
    assert not (tmp_path / "store").exists()  # the demo keeps away from the configured store


def test_demo_refuses_a_provider_without_simulated_signers(plain_provider: None) -> None:
    one_line_error(run("-p", "plain", "demo"), "plain cannot sign")
    assert run("-p", "plain", "demo", "--path", "x").exit_code == 2


def test_demo_command_in_a_subprocess(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNPORT_")}
    out = tmp_path / "executed"
    proc = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "signport.cli", "demo", "--path", str(tmp_path / "demo"), "-o", str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert _check_demo_output(proc.stdout).parent == out
    assert (tmp_path / "demo").is_dir()


# --- wait's exit codes ----------------------------------------------------------------------------------------


def test_wait_exit_codes(pdf: Path) -> None:
    import signport

    declined = sent(pdf)
    ok("decline", declined["id"], "ann@example.com", "--reason", "No")
    result = run("wait", declined["id"], "--poll", "0.01")
    assert result.exit_code == 3
    assert "state      declined" in result.stdout.splitlines()

    voided = sent(pdf)
    ok("void", voided["id"], "--reason", "Mistake")
    assert run("wait", voided["id"], "--poll", "0.01").exit_code == 3

    expired = sent(pdf)
    with signport.connect("local") as client:
        client.provider.expire(expired["id"])  # type: ignore[attr-defined]
    assert run("wait", expired["id"], "--poll", "0.01").exit_code == 3

    pending = sent(pdf)
    timed_out = run("wait", pending["id"], "--timeout", "0", "--poll", "0.01")
    assert timed_out.exit_code == 4
    assert timed_out.stderr.strip().splitlines()[-1].startswith("Error: envelope ")

    for ref in ("ann@example.com", "bob@example.com"):
        ok("sign", pending["id"], ref)
    assert run("wait", pending["id"], "--poll", "0.01").exit_code == 0
    assert "0  completed" in ok("wait", "--help").stdout


# --- fields -----------------------------------------------------------------------------------------------------


def test_send_places_fields(pdf: Path) -> None:
    env = sent(pdf, "--field", "1:2:72:500:200:40", "--field", "bob@example.com:2:72:300:150:30:date",
               "--field", "2:1:300:100:20:20:CHECKBOX")
    fields = env["fields"]
    assert [(f["type"], f["signer"]) for f in fields] == [("signature", 0), ("date", 1), ("checkbox", 1)]
    assert fields[0]["placement"] == {"page": 2, "x": 72.0, "y": 500.0, "width": 200.0, "height": 40.0}


@pytest.mark.parametrize(("spec", "message"), [
    ("1:2:72:500:200", "expected SIGNER:PAGE:X:Y:W:H[:TYPE]"),
    ("1:0:72:500:200:40", "PAGE must be a whole number from 1"),
    ("1:two:72:500:200:40", "PAGE must be a whole number from 1"),
    ("1:1:-5:500:200:40", "X must be a number >= 0"),
    ("1:1:5:nan:200:40", "Y must be a number >= 0"),
    ("1:1:5:5:0:40", "W must be a number > 0"),
    ("1:1:5:5:10:abc", "H must be a number > 0"),
    ("1:1:5:5:10:10:stamp", "TYPE must be one of signature, initials, date"),
    ("3:1:5:5:10:10", "SIGNER 3 is not between 1 and 2"),
    ("0:1:5:5:10:10", "SIGNER 0 is not between 1 and 2"),
    ("eve@example.com:1:5:5:10:10", "SIGNER 'eve@example.com' is not the email of a --signer"),
])
def test_a_bad_field_is_a_usage_error_that_says_why(pdf: Path, spec: str, message: str) -> None:
    result = run("send", str(pdf), "--signer", "Ann Lee <ann@example.com>", "--signer", "Bob Ray <bob@example.com>",
                 "--field", spec)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_field_off_the_page_is_refused_by_the_library(pdf: Path) -> None:
    result = run("send", str(pdf), "--signer", "Ann Lee <ann@example.com>", "--field", "1:9:72:500:200:40")
    one_line_error(result, "fields[0]")


# --- progress while sending ---------------------------------------------------------------------------------------


def test_send_shows_its_steps_on_a_terminal_only(pdf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.progress import Progress

    steps: list[str] = []
    update = Progress.update

    def record(self: Progress, task: Any, **kwargs: Any) -> None:
        if kwargs.get("description"):
            steps.append(kwargs["description"])
        update(self, task, **kwargs)

    monkeypatch.setattr(Progress, "update", record)
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    ok("send", str(pdf), "--signer", "Ann Lee <ann@example.com>")
    assert steps == ["sending on local"]
    steps.clear()
    sent(pdf)  # --json: nothing but the JSON
    assert steps == []


def test_the_send_progress_hook_names_uploads_and_processing() -> None:
    from signport.cli.output import Activity
    from signport.multipart import FilePart, multipart_request
    from signport.provider import delayed

    activity = Activity(enabled=True)
    seen: list[str] = []
    activity.step = seen.append  # type: ignore[method-assign]
    hook = activity.on_request("easyink")
    upload = multipart_request("POST", httpx.URL("https://x.example/upload"), [FilePart("a.pdf", content=b"%PDF")])
    assert hook(upload) == activity.bytes
    assert hook(delayed(httpx.Request("GET", "https://x.example/draft"), 1.0)) is None
    assert hook(httpx.Request("POST", "https://x.example/sessions", json={})) is None
    assert seen == ["uploading to easyink", "waiting for easyink to process the documents", "talking to easyink"]


# --- help fits an 80-column terminal ---------------------------------------------------------------------------


def test_help_is_not_cut_off_in_80_columns() -> None:
    def help_lines(*args: str) -> list[str]:
        result = CliRunner().invoke(main, [*args, "--help"], terminal_width=80)
        assert result.exit_code == 0, args
        lines = result.stdout.splitlines()
        assert all(len(line) <= 80 for line in lines), (args, [line for line in lines if len(line) > 80])
        return lines

    top = help_lines()
    listed = top[top.index("Commands:") + 1:]
    # Every command, the lazily imported ones (watch, serve) included.
    names = main.list_commands(click.Context(main))
    assert {"serve", "watch"} <= set(names)
    assert len(listed) == len(names)
    assert not [line for line in listed if line.rstrip().endswith("...")]  # click cuts a long first line so
    for name in names:
        help_lines(name)
