"""Run a vendor fake in a process of its own on 127.0.0.1 (for benchmarks and memory tests).

    python -m tests.benchmarks.fakes iinked KEY

prints ``http://127.0.0.1:PORT`` on one line, then serves until its standard input closes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _app(provider: str, key: str) -> Any:
    if provider == "iinked":
        from signport_iinked.fake import create_app

        return create_app(api_keys={key})
    raise SystemExit(f"no fake runner for {provider!r}")


@contextmanager
def fake_process(provider: str, key: str) -> Iterator[str]:
    """The fake of ``provider`` in a child process; yields its base URL and stops it on exit."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.benchmarks.fakes", provider, key],  # noqa: S603
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
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
    with serve(_app(provider, key)) as url:
        print(url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
