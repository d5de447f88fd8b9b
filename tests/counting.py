"""A transport that sends every request for real and keeps ``METHOD path`` of each (for request counts)."""

from __future__ import annotations

import httpx


class CountingTransport(httpx.HTTPTransport):
    """Records ``METHOD path`` of each request, ``prefix`` (the API base path) removed."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix
        self.calls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path.removeprefix(self.prefix)}")
        return super().handle_request(request)
