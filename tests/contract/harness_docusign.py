"""Contract harness for DocuSign: cassettes in ``cassettes/docusign/``, recorded against the fake.

* Replay (default, and always in CI): no server, no network; vcrpy answers from the cassette,
  matching method + path + query (``list_since`` is a fixed date so the query never changes).
* Record: ``SIGNPORT_RECORD=1 pytest tests/contract -k docusign`` (or a cassette is missing outside CI).
  The fake runs on 127.0.0.1; signing, declining and Connect deliveries go through its ``/_control``
  endpoints over HTTP, so they land in the same cassette. The HMAC keys and the token never do.

One cassette per scenario and client mode: ``<test name>-<sync|async>.yaml``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

import signport
from signport.testing import DocuSignControl, running_fake

from .recording import scenario_name, should_record, use_cassette

NAME = "docusign"
#: Credentials the harness uses with the fake (not real ones); a unit test greps cassettes for them.
FAKE_TOKEN = "docusign-contract-token-never-in-a-cassette"
HMAC_KEYS = DocuSignControl.HMAC_KEYS
REPLAY_ROOT = "http://docusign-fake.invalid"
#: Scenario names -> the JSON SIM event the fake delivers (docs/vendors/docusign.md §8.2).
WEBHOOK_EVENTS = {"created": "envelope-created", "sent": "envelope-sent", "completed": "envelope-completed",
                  "declined": "envelope-declined", "voided": "envelope-voided"}


class DocuSignHarness:
    """What the contract scenarios need from DocuSign: clients on the fake and simulated signers."""

    name = NAME

    def __init__(self, scenario: str, *, record: bool) -> None:
        self._stack = contextlib.ExitStack()
        try:
            if record:
                # The fake of the pytest plugin (``signport.testing``); replay talks to no server at all.
                control = self._stack.enter_context(running_fake(NAME, credential=FAKE_TOKEN))
            else:
                control = DocuSignControl(REPLAY_ROOT, token=FAKE_TOKEN)
                self._stack.callback(control.close)
            assert isinstance(control, DocuSignControl)
            self._control = control
            # A fixed list_since keeps the listStatusChanges query (matched on replay) the same.
            self.settings: dict[str, Any] = control.settings(list_since="2020-01-01T00:00:00Z",
                                                             return_url="https://app.example.com/signed")
            self._stack.enter_context(use_cassette(NAME, scenario, record=record))
        except BaseException:
            self._stack.close()
            raise

    def client(self) -> signport.Client:
        return signport.connect(NAME, **self.settings)

    def async_client(self) -> signport.AsyncClient:
        return signport.connect_async(NAME, **self.settings)

    def sign(self, envelope_id: str, signer_id: str) -> None:
        self._control.sign(envelope_id, signer_id)

    def decline(self, envelope_id: str, signer_id: str, reason: str | None) -> None:
        self._control.decline(envelope_id, signer_id, reason)

    def expire(self, envelope_id: str) -> None:
        self._control.expire(envelope_id)

    def webhook(self, kind_name: str, envelope: signport.Envelope) -> tuple[dict[str, str], bytes] | None:
        event = WEBHOOK_EVENTS.get(kind_name.strip().lower())
        if event is None:
            return None
        return self._control.webhook(envelope, event)

    def close(self) -> None:
        self._stack.close()


def make_harness(request: pytest.FixtureRequest, tmp_path: Path) -> DocuSignHarness:
    """Replay by default; record against the fake."""
    scenario = scenario_name(request)
    return DocuSignHarness(scenario, record=should_record(NAME, scenario))
