"""The command line on the vendor fakes: retries stay off stderr, -v/--debug show them, progress names its steps."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from signport.cli import main, sample_pdf
from signport.testing import FakeVendor

from ..samples import envelope


def cli(fake: FakeVendor[Any], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``signport ARGS`` in a fresh interpreter, configured for the fake through the environment only."""
    settings = fake.settings()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNPORT_")}
    env.update(SIGNPORT_PROVIDER="iinked", SIGNPORT_IINKED_API_KEY=settings["api_key"],
               SIGNPORT_IINKED_BASE_URL=settings["base_url"])
    return subprocess.run([sys.executable, "-m", "signport.cli", *args], capture_output=True, text=True,  # noqa: S603
                          env=env, cwd=tmp_path, timeout=120, check=False)


def test_retried_requests_print_nothing_unless_asked(signport_iinked_fake: FakeVendor[Any], tmp_path: Path) -> None:
    fake = signport_iinked_fake
    sent = fake.client.send(envelope(fake.client.capabilities))
    api_key = fake.settings()["api_key"]

    fake.fault(r"/packages/", method="GET", status=503, times=2, retry_after=0)
    quiet = cli(fake, tmp_path, "status", sent.id)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    assert quiet.stdout.splitlines()[0].split() == ["id", sent.id]
    assert len(fake.control.fault_hits) == 2  # both 503s were answered, and retried

    fake.fault(r"/packages/", method="GET", status=503, times=1, retry_after=0)
    verbose = cli(fake, tmp_path, "-v", "status", sent.id)
    assert verbose.returncode == 0, verbose.stderr
    lines = verbose.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("INFO signport.http: retrying GET 127.0.0.1:")
    assert lines[0].endswith("(attempt 2) after HTTP 503")

    fake.fault(r"/packages/", method="GET", status=503, times=1, retry_after=0)
    debug = cli(fake, tmp_path, "--debug", "status", sent.id)
    assert debug.returncode == 0, debug.stderr
    requests = [line for line in debug.stderr.splitlines() if line.startswith("DEBUG signport.http: GET ")]
    assert [line.split(" -> ")[1].split()[0] for line in requests][:2] == ["503", "200"]
    assert requests[0].endswith("(attempt 1)")
    assert requests[1].endswith("(attempt 2)")
    assert "stamina" not in debug.stderr
    for result in (quiet, verbose, debug):
        assert api_key not in result.stdout + result.stderr


def test_send_names_the_upload_on_a_terminal(signport_easyink_fake: FakeVendor[Any], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.progress import Progress

    steps: list[str] = []
    byte_counts: list[tuple[int, int]] = []
    update = Progress.update

    def record(self: Progress, task: Any, **kwargs: Any) -> None:
        if kwargs.get("description"):
            steps.append(kwargs["description"])
        if kwargs.get("total"):
            byte_counts.append((kwargs["completed"], kwargs["total"]))
        update(self, task, **kwargs)

    pdf = tmp_path / "nda.pdf"
    pdf.write_bytes(sample_pdf())
    for var in [v for v in os.environ if v.startswith("SIGNPORT_")]:
        monkeypatch.delenv(var)
    monkeypatch.chdir(tmp_path)
    for name, value in signport_easyink_fake.settings().items():
        if value is not None and not name.startswith("webhook"):
            monkeypatch.setenv(f"SIGNPORT_EASYINK_{name.upper()}", str(value))
    monkeypatch.setattr(Progress, "update", record)
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    result = CliRunner().invoke(main, ["-p", "easyink", "send", str(pdf), "--signer", "Ann Lee <ann@example.com>"])
    assert result.exit_code == 0, result.output
    assert steps[0] == "sending on easyink"
    assert "uploading to easyink" in steps
    assert "waiting for easyink to process the documents" in steps  # EasyInk processes uploads (§5.3)
    assert byte_counts
    assert byte_counts[-1][0] == byte_counts[-1][1] > len(sample_pdf())  # the whole multipart body went out
