"""The fault matrix's summary line, printed at the end of every run that ran matrix cases."""

from __future__ import annotations

from typing import Any

from . import matrix


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if matrix.TALLY["cases"]:
        terminalreporter.write_line(matrix.summary())
