"""Contract harness for iinked Sign: cassettes in ``cassettes/iinked/``, recorded against the fake.

* Replay (default, and always in CI): no server, no network; vcrpy answers from the cassette,
  matching method + path + query, so the base URL below is never contacted.
* Record against the fake: ``SIGNPORT_RECORD=1 pytest tests/contract -k iinked`` (or a cassette is
  missing outside CI). The fake runs on 127.0.0.1; signing, declining, expiry and webhook deliveries
  go through its ``/_control`` endpoints over HTTP, so they land in the same cassette.
* Record against the real sandbox: ``SIGNPORT_RECORD=1`` with ``SIGNPORT_IINKED_API_KEY`` set (and
  optionally ``SIGNPORT_IINKED_ENVIRONMENT``). Nobody can sign for you there, so scenarios that need a
  signer, the clock or a webhook are skipped.

One cassette per scenario and client mode: ``<test name>-<sync|async>.yaml``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pytest

import signport
from signport.testing import IinkedControl, running_fake

from .recording import scenario_name, should_record, use_cassette

#: The key the harness uses with the fake (not a credential); a unit test greps cassettes for it.
FAKE_API_KEY = "iinked-contract-key-never-in-a-cassette"
REPLAY_ROOT = "http://iinked-fake.invalid"
#: EventKind-ish names the scenarios use -> the §7.2 action that carries them.
WEBHOOK_ACTIONS = {
    "created": "package_add", "envelope_created": "package_add",
    "completed": "package_executed", "envelope_completed": "package_executed",
    "document_signed": "document_signed", "signer_signed": "document_signed",
    "document_completed": "document_executed",
}


#: Seconds: old enough for any cassette's webhook delivery.
REPLAY_TOLERANCE = 100 * 365 * 86400.0


class IinkedHarness:
    """What the contract scenarios need from iinked: clients and a simulated signer."""

    name = "iinked"

    def __init__(self, scenario: str, *, record: bool, live: bool) -> None:
        self.live = live
        self._stack = contextlib.ExitStack()
        try:
            if live:
                self.root = ""
                self.settings: dict[str, Any] = {}
            if record and not live:
                # The fake of the pytest plugin (``signport.testing``); replay talks to no server at all.
                control = self._stack.enter_context(running_fake("iinked", credential=FAKE_API_KEY))
            else:
                control = IinkedControl(REPLAY_ROOT if not live else "http://unused", api_key=FAKE_API_KEY)
                self._stack.callback(control.close)
            assert isinstance(control, IinkedControl)
            self._control = control
            if not live:
                self.root = control.root
                self.settings = control.settings()
                if not record:
                    # A replayed delivery was signed when the cassette was recorded: it is old by design.
                    self.settings["webhook_tolerance"] = REPLAY_TOLERANCE
            self._recording = self._stack.enter_context(use_cassette("iinked", scenario, record=record or live))
        except BaseException:
            self._stack.close()
            raise

    def client(self) -> signport.Client:
        return signport.connect("iinked", **self.settings)

    def async_client(self) -> signport.AsyncClient:
        return signport.connect_async("iinked", **self.settings)

    def _people(self) -> IinkedControl:
        if self.live:
            # A scenario skipped half-way against the sandbox keeps its previous (fake) cassette.
            self._recording.abandon()
            pytest.skip("the real sandbox needs a person to sign, decline or wait")
        return self._control

    def sign(self, envelope_id: str, signer_id: str) -> None:
        self._people().sign(envelope_id, signer_id)

    def decline(self, envelope_id: str, signer_id: str, reason: str | None) -> None:
        self._people().decline(envelope_id, signer_id, reason)

    def expire(self, envelope_id: str) -> None:
        self._people().expire(envelope_id)

    def webhook(self, kind_name: str, envelope: signport.Envelope) -> tuple[dict[str, str], bytes] | None:
        action = WEBHOOK_ACTIONS.get(kind_name.strip().lower())
        if action is None:
            return None
        return self._people().webhook(envelope, action)

    def close(self) -> None:
        self._stack.close()


def make_harness(request: pytest.FixtureRequest, tmp_path: Path) -> IinkedHarness:
    """Replay by default; record against the fake, or the real sandbox when a real key is set."""
    scenario = scenario_name(request)
    live = os.environ.get("SIGNPORT_RECORD") == "1" and bool(os.environ.get("SIGNPORT_IINKED_API_KEY"))
    return IinkedHarness(scenario, record=should_record("iinked", scenario), live=live)
