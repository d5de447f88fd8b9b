"""The CLI with ``--provider iinked`` against the fake: send, status, list, void, download."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from signport.cli import main

from ...samples import make_pdf
from .conftest import API_KEY


@pytest.fixture
def runner(fake_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SIGNPORT_CONFIG", raising=False)
    monkeypatch.setenv("SIGNPORT_IINKED_API_KEY", API_KEY)
    monkeypatch.setenv("SIGNPORT_IINKED_BASE_URL", f"{fake_url}/api/v1")
    return CliRunner()


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, ["--provider", "iinked", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert API_KEY not in result.output
    return result.output


def test_send_status_list_void(runner: CliRunner, tmp_path: Path) -> None:
    pdf = tmp_path / "lease.pdf"
    pdf.write_bytes(make_pdf(1))
    sent = json.loads(run(runner, "send", str(pdf), "--signer", "Jane Doe <jane@example.com>",
                          "--sequential", "--json"))
    envelope_id = sent["id"]
    assert sent["state"] == "sent"
    assert sent["native_state"] == "open"
    status = json.loads(run(runner, "status", envelope_id, "--json"))
    assert status["id"] == envelope_id
    assert status["signers"][0]["email"] == "jane@example.com"
    listed = json.loads(run(runner, "list", "--state", "sent", "--json"))
    assert envelope_id in {e["id"] for e in listed}
    out = run(runner, "void", envelope_id, "--reason", "Changed terms")
    assert "voided" in out
    voided = json.loads(run(runner, "status", envelope_id, "--json"))
    assert voided["state"] == "voided"


def test_download(runner: CliRunner, fake_url: str, tmp_path: Path) -> None:
    pdf = tmp_path / "nda.pdf"
    pdf.write_bytes(make_pdf(1))
    sent = json.loads(run(runner, "send", str(pdf), "--signer", "Jane Doe <jane@example.com>", "--json"))
    httpx.post(f"{fake_url}/_control/packages/{sent['id']}/sign/{sent['signers'][0]['id']}").raise_for_status()
    out = run(runner, "download", sent["id"], "-o", str(tmp_path / "out"))
    (path,) = [Path(line) for line in out.splitlines() if line.strip()]
    assert path.parent == (tmp_path / "out").resolve()
    assert path.read_bytes().startswith(b"%PDF-")


def test_missing_key_is_a_one_line_error(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNPORT_IINKED_API_KEY")
    result = runner.invoke(main, ["--provider", "iinked", "status", "x"])
    assert result.exit_code == 1
    assert "SIGNPORT_IINKED_API_KEY" in result.output
    assert "Traceback" not in result.output
