"""Suite-wide rules.

A skip is allowed only where a provider lacks a capability: such skips go through ``capability_skip``
(``tests/skips.py``) and carry its marker. With ``SIGNPORT_STRICT_SKIPS=1`` (set by ``.ci/run``) any other
skip fails the run, so a missing file, browser or server can never pass as a quiet skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from .skips import CAPABILITY


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report: Any = yield
    if os.environ.get("SIGNPORT_STRICT_SKIPS") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if CAPABILITY not in reason:
            report.outcome = "failed"
            report.longrepr = f"skipped without a capability reason (strict run): {reason}"
    return report  # type: ignore[no-any-return]
