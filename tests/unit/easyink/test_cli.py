"""The CLI with ``--provider easyink`` against the fake: send, status, list, download, void."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from signport.cli import main

from ...samples import make_pdf
from .conftest import TOKEN


def test_cli_round_trip(fake_url: str, tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(make_pdf(1))
    env = {"SIGNPORT_EASYINK_ACCESS_TOKEN": TOKEN, "SIGNPORT_EASYINK_BASE_URL": fake_url,
           "SIGNPORT_EASYINK_POLL_INTERVAL": "0.01", "SIGNPORT_CONFIG": None}
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, ["--provider", "easyink", *args], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    sent = json.loads(run("send", str(pdf), "--signer", "Jane Doe <jane@example.com>", "--json"))
    assert sent["state"] == "sent"
    assert sent["native_state"] == "Pending"
    assert "sent (native: Pending)" in run("status", sent["id"])
    assert sent["id"] in run("list")
    assert (tmp_path / "out" / "a-original.pdf").name in run("download", sent["id"], "-o", str(tmp_path / "out"),
                                                    "--kind", "original")
    assert (tmp_path / "out" / "a-original.pdf").read_bytes().startswith(b"%PDF-")
    assert "voided" in run("void", sent["id"], "--reason", "Wrong file")
    missing = runner.invoke(main, ["--provider", "easyink", "status", "00000000-0000-4000-8000-000000000000"],
                            env=env)
    assert missing.exit_code == 1
    assert "Traceback" not in missing.output
    assert TOKEN not in missing.output
