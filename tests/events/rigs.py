"""The vendor fakes on 127.0.0.1, with the control calls the event tests need (sign, decline, webhooks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

import signport
from signport.fakeserver import Faults, serve

IINKED_KEY = "events-key"
EASYINK_TOKEN = "events-token"
DOCUSIGN_TOKEN = "events-docusign-token"
DOCUSIGN_HMAC = "events-docusign-hmac"


class Rig:
    """One fake (behind ``Faults``), its control client and the settings of a signport client on it."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.url = url
        self.control = httpx.Client(base_url=url, timeout=30)

    def settings(self) -> dict[str, Any]:
        if self.name == "iinked":
            return {"api_key": IINKED_KEY, "base_url": f"{self.url}/api/v1"}
        if self.name == "docusign":
            from signport_docusign.fake import ACCOUNT_ID

            return {"access_token": DOCUSIGN_TOKEN, "account_id": ACCOUNT_ID, "base_uri": self.url,
                    "oauth_base_url": self.url, "webhook_secrets": DOCUSIGN_HMAC}
        return {"access_token": EASYINK_TOKEN, "base_url": self.url, "identity_url": self.url,
                "poll_interval": 0.01, "poll_max": 0.02, "processing_timeout": 5.0}

    def connect(self, **kw: Any) -> signport.Client:
        return signport.connect(self.name, **self.settings(), **kw)

    def connect_async(self, **kw: Any) -> signport.AsyncClient:
        return signport.connect_async(self.name, **self.settings(), **kw)

    def _post(self, path: str, **kw: Any) -> Any:
        reply = self.control.post(path, **kw)
        reply.raise_for_status()
        return reply.json()

    def sign(self, envelope_id: str, signer_id: str) -> None:
        if self.name == "docusign":
            self._post(f"/_control/envelopes/{envelope_id}/recipients/{signer_id}/sign")
        elif self.name == "iinked":
            self._post(f"/_control/packages/{envelope_id}/sign/{signer_id}")
        else:
            self._post(f"/_control/sessions/{envelope_id}/participants/{signer_id}/sign")

    def decline(self, envelope_id: str, signer_id: str) -> None:
        if self.name == "docusign":
            self._post(f"/_control/envelopes/{envelope_id}/recipients/{signer_id}/decline", json={"reason": "no"})
        elif self.name == "iinked":
            self._post(f"/_control/packages/{envelope_id}/decline/{signer_id}", json={"reason": "no"})
        else:
            self._post(f"/_control/sessions/{envelope_id}/participants/{signer_id}/decline", json={"reason": "no"})

    def webhook(self, envelope_id: str, action: str, **ids: str) -> tuple[dict[str, str], bytes]:
        """The delivery the iinked fake makes for ``action`` (headers, body)."""
        made = self._post(f"/_control/packages/{envelope_id}/webhook", json={"action": action, **ids})
        return dict(made["headers"]), made["body"].encode()

    def fault(self, method: str, path: str, **kw: Any) -> None:
        self._post("/_faults", json={"method": method, "path": path, **kw})

    def clear_faults(self) -> None:
        self.control.delete("/_faults").raise_for_status()


def app(name: str) -> Any:
    if name == "docusign":
        from signport_docusign.fake import create_app as docusign_app

        return Faults(docusign_app(access_tokens=(DOCUSIGN_TOKEN,), hmac_keys=(DOCUSIGN_HMAC,)))
    if name == "iinked":
        from signport_iinked.fake import create_app

        return Faults(create_app(api_keys={IINKED_KEY}))
    from signport_easyink.fake import create_app as easyink_app

    return Faults(easyink_app(access_tokens=(EASYINK_TOKEN,)))


@contextmanager
def rig(name: str) -> Iterator[Rig]:
    with serve(app(name)) as url:
        r = Rig(name, url)
        try:
            yield r
        finally:
            r.control.close()
