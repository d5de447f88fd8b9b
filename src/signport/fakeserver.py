"""Serve an ASGI app (a vendor fake) on 127.0.0.1 in a background thread, for tests and benchmarks."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def serve(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run ``app`` with uvicorn until the block exits; yields ``http://127.0.0.1:PORT``."""
    import uvicorn

    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and without
    # it every response written in two parts (headers, body) waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    server: Any = None
    thread: threading.Thread | None = None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        actual_port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the fake server did not start")
            time.sleep(0.01)
        yield f"http://{host}:{actual_port}"
    finally:
        # Also on a failed start: stop the thread and release the socket.
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=10)
        sock.close()


Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class Faults:
    """ASGI middleware that makes any fake misbehave on cue, for reliability tests.

    ``POST /_faults`` with ``{"method": "GET", "path": "regex", "status": 503, "times": 2,
    "retry_after": "0", "body": {...}}`` answers the next matching requests with that status;
    ``{"truncate": 100}`` instead cuts the real response body after 100 bytes (the connection
    closes early). ``DELETE /_faults`` clears; ``GET /_faults`` lists what is left.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.faults: list[dict[str, Any]] = []
        self.hits: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if path == "/_faults":
            await self._control(method, receive, send)
            return
        fault = self._take(method, path)
        if fault is None:
            await self.app(scope, receive, send)
        elif "truncate" in fault:
            await self.app(scope, receive, _truncating(send, int(fault["truncate"])))
        else:
            headers = [(b"content-type", b"application/json")]
            if fault.get("retry_after") is not None:
                headers.append((b"retry-after", str(fault["retry_after"]).encode()))
            await _respond(send, int(fault.get("status", 503)), json.dumps(fault.get("body", {})).encode(), headers)

    def _take(self, method: str, path: str) -> dict[str, Any] | None:
        for fault in self.faults:
            if fault.get("method", method).upper() == method and re.search(fault.get("path", ""), path):
                fault["times"] = int(fault.get("times", 1)) - 1
                if fault["times"] <= 0:
                    self.faults.remove(fault)
                self.hits.append(f"{method} {path}")
                return fault
        return None

    async def _control(self, method: str, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if method == "POST":
            self.faults.append(json.loads(body or b"{}"))
        elif method == "DELETE":
            self.faults.clear()
            self.hits.clear()
        await _respond(send, 200, json.dumps({"faults": self.faults, "hits": self.hits}).encode(),
                       [(b"content-type", b"application/json")])


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _truncating(send: Send, limit: int) -> Send:
    sent = 0

    async def wrapped(message: Message) -> None:
        nonlocal sent
        if message["type"] != "http.response.body":
            await send(message)
            return
        if sent >= limit:
            return
        chunk = message.get("body", b"")[: limit - sent]
        sent += len(chunk)
        # Never say the body is complete: the server closes the connection short of Content-Length.
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
        if sent >= limit:
            raise ConnectionAbortedError("fault injected: response truncated")

    return wrapped
