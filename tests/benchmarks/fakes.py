"""Run a vendor fake in a process of its own on 127.0.0.1 (for benchmarks and memory tests).

    python -m tests.benchmarks.fakes iinked|easyink KEY [--auto-complete]

prints ``http://127.0.0.1:PORT`` on one line, then serves until its standard input closes. The fake
accepts ``KEY`` (iinked's API key, EasyInk's bearer token, issued in advance as the test fixtures do).
EasyInk's documents are processed by the first read, so no flow waits between polls (a wait would
time ``sleep``, not signport). ``--auto-complete`` makes every signer sign as an envelope is sent
(the fakes' benchmark-only ``auto_complete``), so a sent envelope is complete when read and its
signed documents download without anything outside the timed flow.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def app(provider: str, key: str, auto_complete: bool = False) -> Any:
    """The fake of ``provider`` as an ASGI app accepting ``key`` (see the module docstring)."""
    if provider == "iinked":
        from signport_iinked.fake import create_app

        return create_app(api_keys={key}, auto_complete=auto_complete)
    if provider == "easyink":
        from signport_easyink.fake import create_app as create_easyink

        return create_easyink(access_tokens=(key,), processing_reads=0, auto_complete=auto_complete)
    raise SystemExit(f"no fake runner for {provider!r}")


@contextmanager
def fake_process(provider: str, key: str, *, auto_complete: bool = False) -> Iterator[str]:
    """The fake of ``provider`` in a child process; yields its base URL and stops it on exit."""
    args = [sys.executable, "-m", "tests.benchmarks.fakes", provider, key] + (["--auto-complete"] * auto_complete)
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the {provider} fake did not start")
        yield url
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    from signport.fakeserver import serve

    provider, key = sys.argv[1], sys.argv[2]
    with serve(app(provider, key, "--auto-complete" in sys.argv[3:])) as url:
        print(url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
