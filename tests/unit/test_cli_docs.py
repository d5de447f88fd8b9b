"""The shell blocks of the CLI docs (docs/quickstart.md, the README's vendor switch) run as written.

Each ``$ command`` runs in a fresh folder with the PDFs it names. Placeholders are filled the way a reader
would: ``ENVELOPE_ID`` and ``SIGNER_ID`` name an envelope sent beforehand (completed first for ``wait`` and
``download``, which exit 0 only then), ``...`` is the credential of a vendor fake on 127.0.0.1, whose address
is the one extra environment variable. A command no scenario knows fails the test, so a new one in the
docs needs a scenario here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import signport
from signport import Document, Envelope, Signer, SigningOrder
from signport.cli import sample_pdf
from signport.testing import running_fake

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: Commands the test environment has already run: the suite runs where signport is installed.
ALREADY_DONE = {"python -m pip install ."}


def blocks(document: Path, lang: str) -> list[list[str]]:
    """The commands of every ``lang`` block of ``document`` (continuation lines joined, comments kept)."""
    text = document.read_text("utf-8")
    out = []
    for body in re.findall(rf"^```{lang}\n(.*?)^```$", text, re.MULTILINE | re.DOTALL):
        commands: list[str] = []
        for line in body.replace("\\\n", " ").splitlines():
            if line.startswith("$ "):
                commands.append(line[2:].strip())
            elif lang == "sh" and line.strip():
                commands.append(line.strip())
        out.append(commands)
    return out


def clean_env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNPORT_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["SIGNPORT_LOCAL_PATH"] = str(workdir / "store")
    return env | extra


def shell(script: str, workdir: Path, env: dict[str, str], stdin: str | None = None) -> str:
    result = subprocess.run(["bash", "-euc", script], cwd=workdir, env=env, capture_output=True, text=True,  # noqa: S603, S607
                            timeout=300, input=stdin, check=False)
    assert result.returncode == 0, f"{script}\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "contract.pdf").write_bytes(sample_pdf())
    return tmp_path


def sent_envelope(workdir: Path, *, completed: bool) -> tuple[str, str]:
    """An envelope on the folder's local store (Ann, then Bob); returns its id and Ann's signer id."""
    with signport.connect("local", path=workdir / "store") as client:
        env = client.send(Envelope(
            subject="Consulting agreement", documents=[Document.from_path(workdir / "contract.pdf")],
            signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann"),
                     Signer(first_name="Bob", last_name="Ray", email="bob@example.com", key="bob")],
            order=SigningOrder.SEQUENTIAL))
        if completed:
            for signer in env.signers:
                client.local.sign(env, signer)
        return env.id, env.signers[0].id or ""


def login(command: str, workdir: Path) -> None:
    """``signport auth easyink`` against the EasyInk fake: open the printed address, paste the redirect."""
    with running_fake("easyink", tmp_path=workdir) as control:
        env = clean_env(workdir, SIGNPORT_EASYINK_CLIENT_ID="signport-test",
                        SIGNPORT_EASYINK_CLIENT_SECRET="test-secret",
                        SIGNPORT_EASYINK_BASE_URL=control.root, SIGNPORT_EASYINK_IDENTITY_URL=control.root,
                        SIGNPORT_EASYINK_TOKEN_STORE=str(workdir / "token.json"))
        process = subprocess.Popen(["bash", "-euc", command], cwd=workdir, env=env, text=True,  # noqa: S603, S607
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert process.stdout is not None
        assert process.stdin is not None
        seen = ""
        for line in process.stdout:
            seen += line
            if "/connect/authorize" in line:
                url = line.strip()[line.strip().index("http"):]
                redirect = httpx.get(url, follow_redirects=False, timeout=10).headers["location"]
                process.stdin.write(redirect + "\n")
                process.stdin.flush()
                break
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0, seen + out
    assert (workdir / "token.json").is_file()


def run_local(command: str, workdir: Path) -> None:
    """One command of the local CLI walk-through, on the state it needs."""
    sub = command.split()[1]
    if sub == "auth":
        login(command, workdir)
        return
    if "ENVELOPE_ID" in command:
        envelope_id, signer_id = sent_envelope(workdir, completed=sub in {"wait", "download"})
        command = command.replace("ENVELOPE_ID", envelope_id).replace("SIGNER_ID", signer_id)
    elif sub not in {"send", "list", "providers", "demo"}:
        raise AssertionError(f"no scenario for the documented command: {command}")
    shell(command, workdir, clean_env(workdir))
    if sub == "download":
        assert list((workdir / "signed").glob("*.pdf"))


def test_the_install_block_runs(workdir: Path) -> None:
    first = blocks(ROOT / "docs" / "quickstart.md", "console")[0]
    assert "signport demo" in first
    for command in first:
        if command not in ALREADY_DONE:
            shell(command, workdir, clean_env(workdir))


@pytest.mark.parametrize("command", blocks(ROOT / "docs" / "quickstart.md", "console")[1],
                         ids=lambda c: c.split()[1])
def test_each_command_of_the_cli_walkthrough_runs(command: str, workdir: Path) -> None:
    run_local(command, workdir)


def test_switching_to_a_vendor_runs_on_the_fake(workdir: Path) -> None:
    block = next(b for b in blocks(ROOT / "docs" / "quickstart.md", "console") if any("export" in c for c in b))
    with running_fake("iinked") as control:
        script = "\n".join(block).replace("=...", f"={control.settings()['api_key']}")
        out = shell(script, workdir, clean_env(workdir, SIGNPORT_IINKED_BASE_URL=control.settings()["base_url"]))
        with control.connect() as client:
            assert len(list(client.list())) == 1       # the document went to the fake, not anywhere else
    assert out.strip()


def test_the_readme_vendor_switch_runs_on_the_fakes(workdir: Path) -> None:
    lines = blocks(ROOT / "README.md", "sh")[1]
    assert len(lines) == 2
    with running_fake("iinked") as control:
        script = lines[0].split("#")[0].replace("=...", f"={control.settings()['api_key']}") + \
            "\nsignport list --json"
        shell(script, workdir, clean_env(workdir, SIGNPORT_IINKED_BASE_URL=control.settings()["base_url"]))
    login(lines[1].split("#")[0].strip(), workdir)
