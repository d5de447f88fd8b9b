"""Serve an ASGI app (a vendor fake) on 127.0.0.1 in a background thread, for tests and benchmarks."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
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


#: Marks an answer that stands for a read timeout (``Faults`` kind ``timeout`` with ``signal``).
TIMEOUT_HEADER = "x-signport-fault"

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class Faults:
    """ASGI middleware that makes any fake misbehave on cue, for reliability tests.

    ``POST /_faults`` with a JSON rule arms a fault; ``DELETE /_faults`` clears rules and logs;
    ``GET /_faults`` lists the rules left, the requests faulted (``hits``) and every request seen
    (``seen``, control paths excluded). A rule picks its requests with

    * ``method`` and ``path`` (a regex searched in the path), ``times`` (default 1), or
    * ``at``: the request at that 0-based position among those seen after the rule was armed;
      with ``persist`` the same method and path then keep failing (every retry of that step).

    What happens is ``kind`` (default ``status``); with ``after`` the app handles the request first
    (the vendor committed) and only its answer is broken:

    * ``status``: answer ``status`` (default 503) with ``body`` (JSON) and ``retry_after``;
    * ``reset``: start an answer, then drop the connection (the client sees a broken response);
    * ``timeout``: hold the answer for ``delay`` seconds (default 2), then drop the connection; with
      ``signal`` answer at once, marked with the ``TIMEOUT_HEADER`` header, for a test transport that
      turns it into ``httpx.ReadTimeout`` (the same failure without waiting for a clock);
    * ``truncate``: the real answer cut after ``truncate`` bytes (``{"truncate": 100}`` alone works too);
    * ``html``, ``invalid_json``, ``empty``, ``wrong_shape``, ``gzip``: the app's status with that body
      instead of its own (``gzip`` claims ``Content-Encoding: gzip`` for bytes that do not decode).
    """

    BODIES: dict[str, tuple[bytes, bytes | None, bytes]] = {
        "html": (b"<html><body><h1>502 Bad Gateway</h1></body></html>", None, b"text/html"),
        "invalid_json": (b'{"packageId": "a', None, b"application/json"),
        "empty": (b"", None, b"application/json"),
        "wrong_shape": (b'[{"unexpected": null}]', None, b"application/json"),
        "gzip": (b"this is not gzip at all", b"gzip", b"application/json"),
    }
    KINDS = frozenset({"status", "reset", "timeout", "truncate", *BODIES})

    def __init__(self, app: Any) -> None:
        self.app = app
        self.faults: list[dict[str, Any]] = []
        self.hits: list[str] = []
        self.seen: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if path == "/_faults":
            await self._control(method, receive, send)
            return
        if path.startswith("/_control"):
            await self.app(scope, receive, send)
            return
        self.seen.append(f"{method} {path}")
        fault = self._take(method, path)
        if fault is None:
            await self.app(scope, receive, send)
            return
        kind = "truncate" if "truncate" in fault and "kind" not in fault else str(fault.get("kind", "status"))
        if kind == "truncate":
            await self.app(scope, receive, _truncating(send, int(fault.get("truncate", 100))))
            return
        status, headers = 200, [(b"content-type", b"application/json")]
        if fault.get("after"):
            status, headers, _ = await _run(self.app, scope, receive)
        if kind == "reset":
            await _drop(send)
        elif kind == "timeout" and fault.get("signal"):
            # No clock: a 504 marked for a test transport that raises ``httpx.ReadTimeout`` in its place.
            await _respond(send, 504, b"", [(TIMEOUT_HEADER.encode(), b"1")])
        elif kind == "timeout":
            await asyncio.sleep(float(fault.get("delay", 2.0)))
            await _drop(send)
        elif kind in self.BODIES:
            body, encoding, ctype = self.BODIES[kind]
            kept = [(k, v) for k, v in headers if k.lower() not in
                    (b"content-type", b"content-length", b"content-encoding", b"content-disposition")]
            kept.append((b"content-type", ctype))
            if encoding:
                kept.append((b"content-encoding", encoding))
            await _respond(send, status, body, kept)
        else:
            extra = [(b"content-type", b"application/json")]
            if fault.get("retry_after") is not None:
                extra.append((b"retry-after", str(fault["retry_after"]).encode()))
            await _respond(send, int(fault.get("status", 503)), json.dumps(fault.get("body", {})).encode(), extra)

    def _take(self, method: str, path: str) -> dict[str, Any] | None:
        taken: dict[str, Any] | None = None
        for fault in list(self.faults):
            if "at" in fault:
                position = fault.setdefault("_position", 0)
                fault["_position"] = position + 1
                sticky = fault.get("_sticky")
                if taken is not None:
                    continue
                if sticky is not None:
                    if sticky == [method, path]:
                        taken = fault
                    continue
                if position == int(fault["at"]) and self._matches(fault, method, path):
                    taken = fault
                    if fault.get("persist"):
                        fault["_sticky"] = [method, path]
                    else:
                        self.faults.remove(fault)
            elif taken is None and self._matches(fault, method, path):
                fault["times"] = int(fault.get("times", 1)) - 1
                if fault["times"] <= 0:
                    self.faults.remove(fault)
                taken = fault
        if taken is not None:
            self.hits.append(f"{method} {path}")
        return taken

    @staticmethod
    def _matches(fault: dict[str, Any], method: str, path: str) -> bool:
        return str(fault.get("method") or method).upper() == method and bool(re.search(fault.get("path", ""), path))

    async def _control(self, method: str, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status = 200
        if method == "POST":
            rule = json.loads(body or b"{}")
            if not isinstance(rule, dict) or rule.get("kind", "status") not in self.KINDS:
                status = 400
            else:
                self.faults.append(rule)
        elif method == "DELETE":
            self.faults.clear()
            self.hits.clear()
            self.seen.clear()
        await _respond(send, status, json.dumps({"faults": self.faults, "hits": self.hits, "seen": self.seen}).encode(),
                       [(b"content-type", b"application/json")])


async def _run(app: Any, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Let ``app`` handle the request to the end (it commits); returns its status, headers and body."""
    status, headers, body = 500, [], bytearray()

    async def capture(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = int(message["status"]), list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, capture)
    return status, headers, bytes(body)


async def _drop(send: Send) -> None:
    """Start an answer, then break the connection: the client cannot read what the server did."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise ConnectionAbortedError("fault injected: connection dropped")


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


def text_page(title: str, lines: Iterable[str]) -> bytes:
    """One US-Letter PDF page with a title and lines of text: what the fakes draw where a vendor renders."""
    import io

    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=letter, invariant=1)
    page.setFont("Helvetica-Bold", 14)
    page.drawString(72, 720, title)
    page.setFont("Helvetica", 11)
    for i, line in enumerate(lines):
        page.drawString(72, 690 - 18 * i, line)
    page.showPage()
    page.save()
    return buf.getvalue()
