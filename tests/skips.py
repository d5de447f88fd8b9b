"""The one kind of skip the suite allows: a provider that lacks a capability (see tests/conftest.py)."""

from __future__ import annotations

import pytest

CAPABILITY = "[capability]"


def capability_skip(text: str) -> None:
    """Skip because the provider under test lacks a feature (the only skip strict runs allow)."""
    pytest.skip(f"{CAPABILITY} {text}")
