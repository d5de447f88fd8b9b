"""Contract harness for EasyInk: cassettes in ``cassettes/easyink/``, recorded against the fake.

Replay (the default, and in CI) needs no server and no network: vcrpy answers every
request from the scenario's cassette. Recording (``SIGNPORT_RECORD=1``, or a missing
cassette outside CI) starts the fake on 127.0.0.1 and records through it; signing,
declining and expiry go through the fake's ``/_control`` endpoints over HTTP, so they
are in the cassette too. Against real staging, set ``SIGNPORT_EASYINK_STAGING=1`` with
``SIGNPORT_EASYINK_ACCESS_TOKEN`` (or a stored login) and ``SIGNPORT_RECORD=1``: nobody can
sign for you there, so scenarios that need a signer or the clock are skipped.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pytest

import signport
from signport.testing import EasyInkControl, running_fake

from .recording import scenario_name, should_record, use_cassette

NAME = "easyink"
TOKEN = "contract-test-token"
#: Where requests go while replaying: never contacted (vcrpy answers), but a valid URL.
REPLAY_URL = "http://127.0.0.1:9"
#: Small waits: recording against the fake should not take long (replay skips waits entirely).
SETTINGS: dict[str, Any] = {"poll_interval": 0.01, "poll_max": 0.05, "processing_timeout": 5.0}


class EasyInkHarness:
    """What the contract scenarios need from EasyInk, on a cassette."""

    name = NAME

    def __init__(self, scenario: str, tmp_path: Path) -> None:
        self._stack = contextlib.ExitStack()
        self.record = should_record(NAME, scenario)
        staging = os.environ.get("SIGNPORT_EASYINK_STAGING") == "1" and self.record
        self.staging = staging
        store = tmp_path / "easyink-token.json"
        if self.record and not staging:
            # The fake of the pytest plugin (``signport.testing``); replay talks to no server at all.
            control = self._stack.enter_context(running_fake(NAME, credential=TOKEN, tmp_path=tmp_path))
        else:
            control = EasyInkControl(REPLAY_URL, token=TOKEN, token_store=store)
            self._stack.callback(control.close)
        assert isinstance(control, EasyInkControl)
        self._control = control
        if staging:
            self.settings: dict[str, Any] = {"environment": "staging"}
        else:
            self.settings = control.settings()
        self.settings |= SETTINGS
        self.base_url = str(self.settings.get("base_url", ""))
        self._recording = self._stack.enter_context(use_cassette(NAME, scenario, record=self.record))

    def client(self) -> signport.Client:
        return signport.connect(NAME, **self.settings)

    def async_client(self) -> signport.AsyncClient:
        return signport.connect_async(NAME, **self.settings)

    def _people(self) -> EasyInkControl:
        if self.staging:
            # Keep the cassette recorded against the fake rather than a half-recorded one.
            self._recording.abandon()
            pytest.skip("real staging needs a person to sign, decline or wait")
        return self._control

    def sign(self, envelope_id: str, signer_id: str) -> None:
        self._people().sign(envelope_id, signer_id)

    def decline(self, envelope_id: str, signer_id: str, reason: str | None) -> None:
        self._people().decline(envelope_id, signer_id, reason)

    def expire(self, envelope_id: str) -> None:
        self._people().expire(envelope_id)

    def webhook(self, kind_name: str, envelope: signport.Envelope) -> tuple[dict[str, str], bytes] | None:
        return None  # EasyInk documents no webhooks (docs/vendors/easyink.md §7)

    def close(self) -> None:
        self._stack.close()


def make_harness(request: pytest.FixtureRequest, tmp_path: Path) -> EasyInkHarness:
    """A harness replaying (or recording) the running scenario's cassette."""
    return EasyInkHarness(scenario_name(request), tmp_path)
