"""A throwaway HTTP provider used to test the drivers and the registry, as a third party would write one."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import attrs
import httpx

from signport import Capabilities, DocumentKind, Envelope, NotFound, ProviderError, State, hookimpl
from signport.config import secret
from signport.provider import Flow, Page, Provider, idempotent, json_body, save_to, saved_path


@attrs.frozen
class ToySettings:
    base_url: str = "https://toy.invalid/api"
    token: str | None = secret()


class ToyProvider(Provider):
    name = "toy"
    capabilities: ClassVar[Capabilities] = Capabilities(
        parallel_order=True, download_kinds=frozenset({DocumentKind.EXECUTED}),
        list_filters=frozenset({State.SENT}))
    settings_class = ToySettings

    @property
    def base_url(self) -> str:
        return str(self.settings.base_url)

    def error(self, response: httpx.Response) -> ProviderError | NotFound:  # type: ignore[override]
        if response.status_code == 404:
            return NotFound("no such envelope", provider=self.name, status=404)
        return ProviderError(f"HTTP {response.status_code}", provider=self.name, status=response.status_code)

    def parse_envelope(self, payload: Mapping[str, Any]) -> Envelope:
        return Envelope(subject=payload["subject"], id=payload["id"], provider=self.name,
                        state=State.SENT, native_state="out", raw=payload)

    def get(self, envelope_id: str) -> Flow[Envelope]:
        response = yield httpx.Request("GET", f"{self.base_url}/envelopes/{envelope_id}",
                                       headers={"X-Token": self.settings.token or ""})
        return self.parse_envelope(json_body(self.check(response)))

    def create(self, envelope: Envelope, *, send: bool, extras: Mapping[str, Any]) -> Flow[Envelope]:
        response = yield httpx.Request("POST", f"{self.base_url}/envelopes", json={"subject": envelope.subject})
        created = json_body(self.check(response))
        try:
            response = yield httpx.Request("POST", f"{self.base_url}/envelopes/{created['id']}/send")
            self.check(response)
        except Exception:
            # cleanup on failure: delete what was created
            yield httpx.Request("DELETE", f"{self.base_url}/envelopes/{created['id']}")
            raise
        return (yield from self.get(created["id"]))

    def list_page(self, states: frozenset[State] | None, cursor: Any) -> Flow[Page]:
        response = yield idempotent(httpx.Request("POST", f"{self.base_url}/search",
                                                  json={"page": cursor or 0}))
        data = json_body(self.check(response))
        return Page(tuple(self.parse_envelope(e) for e in data["items"]), data.get("next"))

    def download(self, envelope_id: str, kind: DocumentKind, to: Path) -> Flow[list[Path]]:
        response = yield save_to(httpx.Request("GET", f"{self.base_url}/envelopes/{envelope_id}/pdf"), to)
        self.check(response)
        return [saved_path(response)]


@hookimpl
def register_providers(register: Any) -> None:
    register("toy", lambda: ToyProvider)
