"""One awaitable face over ``Client`` and ``AsyncClient``, so each scenario is written once and runs on both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import signport


class Api:
    """What a scenario may call; ``client`` is the underlying sync or async client."""

    client: Any
    harness: Any

    @property
    def caps(self) -> signport.Capabilities:
        return self.client.capabilities  # type: ignore[no-any-return]

    @property
    def provider(self) -> str:
        return str(self.harness.name)

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def send(self, envelope: signport.Envelope, **kw: Any) -> signport.Envelope:
        return await self.call("send", envelope, **kw)  # type: ignore[no-any-return]

    async def create_draft(self, envelope: signport.Envelope, **kw: Any) -> signport.Envelope:
        return await self.call("create_draft", envelope, **kw)  # type: ignore[no-any-return]

    async def send_draft(self, envelope_id: str) -> signport.Envelope:
        return await self.call("send_draft", envelope_id)  # type: ignore[no-any-return]

    async def get(self, envelope_id: str) -> signport.Envelope:
        return await self.call("get", envelope_id)  # type: ignore[no-any-return]

    async def update_draft(self, envelope_id: str, **kw: Any) -> signport.Envelope:
        return await self.call("update_draft", envelope_id, **kw)  # type: ignore[no-any-return]

    async def update_signer(self, envelope_id: str, signer_id: str, **kw: Any) -> signport.Envelope:
        return await self.call("update_signer", envelope_id, signer_id, **kw)  # type: ignore[no-any-return]

    async def void(self, envelope_id: str, reason: str | None = None) -> signport.Envelope:
        return await self.call("void", envelope_id, reason=reason)  # type: ignore[no-any-return]

    async def delete_draft(self, envelope_id: str) -> None:
        await self.call("delete_draft", envelope_id)

    async def wait(self, envelope_id: str, **kw: Any) -> signport.Envelope:
        return await self.call("wait", envelope_id, **kw)  # type: ignore[no-any-return]

    async def download(self, envelope_id: str, to: Path, kind: signport.DocumentKind) -> list[Path]:
        return await self.call("download", envelope_id, to=to, kind=kind)  # type: ignore[no-any-return]

    async def duplicate(self, envelope_id: str, **kw: Any) -> signport.Envelope:
        return await self.call("duplicate", envelope_id, **kw)  # type: ignore[no-any-return]

    async def signing_url(self, envelope_id: str, signer_id: str) -> str:
        return await self.call("signing_url", envelope_id, signer_id)  # type: ignore[no-any-return]

    async def list(self, states: Any = None) -> list[signport.Envelope]:
        raise NotImplementedError

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> signport.Event:
        return self.client.parse_webhook(headers, body)  # type: ignore[no-any-return]


class SyncApi(Api):
    def __init__(self, client: signport.Client, harness: Any) -> None:
        self.client = client
        self.harness = harness
        self.mode = "sync"

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.client, method)(*args, **kwargs)

    async def list(self, states: Any = None) -> list[signport.Envelope]:
        return list(self.client.list(states=states))


class AsyncApi(Api):
    def __init__(self, client: signport.AsyncClient, harness: Any) -> None:
        self.client = client
        self.harness = harness
        self.mode = "async"

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return await getattr(self.client, method)(*args, **kwargs)

    async def list(self, states: Any = None) -> list[signport.Envelope]:
        return [e async for e in self.client.list(states=states)]
