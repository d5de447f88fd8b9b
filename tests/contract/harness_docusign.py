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

import httpx
import pytest

import signport
from signport.fakeserver import serve
from signport_docusign.fake import ACCOUNT_ID, create_app

from .recording import scenario_name, should_record, use_cassette

NAME = "docusign"
#: Credentials the harness uses with the fake (not real ones); a unit test greps cassettes for them.
FAKE_TOKEN = "docusign-contract-token-never-in-a-cassette"
HMAC_KEYS = ("docusign-contract-hmac-key-one", "docusign-contract-hmac-key-two")
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
                self.root = self._stack.enter_context(serve(create_app(access_tokens=(FAKE_TOKEN,),
                                                                       hmac_keys=HMAC_KEYS)))
            else:
                self.root = REPLAY_ROOT
            self.settings: dict[str, Any] = {
                "access_token": FAKE_TOKEN, "account_id": ACCOUNT_ID, "base_uri": self.root,
                "oauth_base_url": self.root, "embedded_signers": True, "list_since": "2020-01-01T00:00:00Z",
                "return_url": "https://app.example.com/signed", "webhook_secrets": ",".join(HMAC_KEYS),
            }
            self._stack.enter_context(use_cassette(NAME, scenario, record=record))
            self._control = self._stack.enter_context(httpx.Client(base_url=self.root, timeout=10.0))
        except BaseException:
            self._stack.close()
            raise

    def client(self) -> signport.Client:
        return signport.connect(NAME, **self.settings)

    def async_client(self) -> signport.AsyncClient:
        return signport.connect_async(NAME, **self.settings)

    def _post(self, path: str, json: Any = None) -> Any:
        response = self._control.post(path, json=json or {})
        assert response.status_code == 200, response.text
        return response.json()

    def sign(self, envelope_id: str, signer_id: str) -> None:
        self._post(f"/_control/envelopes/{envelope_id}/recipients/{signer_id}/sign")

    def decline(self, envelope_id: str, signer_id: str, reason: str | None) -> None:
        self._post(f"/_control/envelopes/{envelope_id}/recipients/{signer_id}/decline", {"reason": reason})

    def expire(self, envelope_id: str) -> None:
        # docs/vendors/docusign.md §3.1: expiry shows as voided with an undocumented reason; nothing to simulate.
        raise NotImplementedError("DocuSign has no expired status to simulate")

    def webhook(self, kind_name: str, envelope: signport.Envelope) -> tuple[dict[str, str], bytes] | None:
        event = WEBHOOK_EVENTS.get(kind_name.strip().lower())
        if event is None:
            return None
        delivery = self._post(f"/_control/envelopes/{envelope.id}/webhook", {"event": event})
        return dict(delivery["headers"]), str(delivery["body"]).encode("utf-8")

    def close(self) -> None:
        self._stack.close()


def make_harness(request: pytest.FixtureRequest, tmp_path: Path) -> DocuSignHarness:
    """Replay by default; record against the fake."""
    scenario = scenario_name(request)
    return DocuSignHarness(scenario, record=should_record(NAME, scenario))
