"""`signport serve` and `signport demo --serve` as a person runs them: real processes, real HTTP."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], pattern: str, seen: list[str], seconds: float = 30.0) -> re.Match[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError(f"no line matching {pattern!r} in: {seen}")


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)


def _run(args: list[str], tmp_path: Path, started: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    env = {**os.environ, "SIGNPORT_LOCAL_PATH": str(tmp_path / "unused"), "PYTHONUNBUFFERED": "1"}
    env.pop("SIGNPORT_LOCAL_SERVER_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "signport.cli", *args], stdout=subprocess.PIPE,  # noqa: S603
                               stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path)
    started.append(process)
    return process


def sign_on_the_page(http: httpx.Client, link: str, name: str) -> None:
    """Sign as a person would: open the link, type the signature, fill the fields, finish."""
    page = http.get(link)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "action": "finish", "signature-mode": "type", "signature-text": name}
    for field in re.findall(r'name="(field-[0-9a-f]+)" value="([^"]*)"', page.text):
        form[field[0]] = field[1]
    answer = http.post(link, data=form)
    assert answer.status_code == 303, answer.text[:500]


def test_demo_serve_prints_two_links_and_waits_for_the_people(tmp_path: Path,
                                                              spawn: list[subprocess.Popen[str]]) -> None:
    process = _run(["demo", "--serve", "--path", str(tmp_path / "demo")], tmp_path, spawn)
    lines = _lines(process)
    seen: list[str] = []
    ada = _wait_for(lines, r"Signing link for Ada Lovelace: (http://\S+)", seen).group(1)
    alan = _wait_for(lines, r"Signing link for Alan Turing: (http://\S+)", seen).group(1)
    assert process.poll() is None  # waiting for the people
    with httpx.Client(timeout=10) as http:
        assert "It is not your turn yet" in http.get(alan).text
        sign_on_the_page(http, ada, "Ada Lovelace")
        sign_on_the_page(http, alan, "Alan Turing")
    _wait_for(lines, r"Envelope completed\.", seen)
    executed = Path(_wait_for(lines, r"Executed PDF: (.+\.pdf)$", seen).group(1))
    assert process.wait(30) == 0
    import pypdf

    text = pypdf.PdfReader(executed).pages[1].extract_text()
    assert "Ada Lovelace" in text
    assert "Alan Turing" in text


def test_serve_answers_on_its_port_until_stopped(tmp_path: Path, spawn: list[subprocess.Popen[str]]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = _run(["serve", "--port", str(port), "--path", str(tmp_path / "store")], tmp_path, spawn)
    lines = _lines(process)
    seen: list[str] = []
    _wait_for(lines, rf"signport local server on http://127\.0\.0\.1:{port}", seen)
    deadline = time.monotonic() + 20
    while True:
        try:
            inbox = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert inbox.status_code == 200
    assert "No envelopes" in inbox.text
    process.send_signal(signal.SIGINT)
    assert process.wait(20) == 0
