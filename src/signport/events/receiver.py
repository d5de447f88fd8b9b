"""The webhook receiver: an ASGI app (and a WSGI adapter) that turns vendor deliveries into handler calls.

Per request: POST only; the body read with a size limit; the provider chosen by the last path segment
when several are served (``/webhooks/iinked``); verified and parsed by the provider
(``client.parse_webhook``); deduplicated by stable event id; handlers called; answered with a status the
vendor understands: 2xx when handled or a duplicate, 4xx when the delivery itself is wrong (the vendor
should not retry it unchanged), 5xx when a handler failed or another process is still handling the same
event (the vendor retries).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any, Protocol

import attrs

from ..errors import SignportError, WebhookVerificationError
from ..model import Event
from ..states import Verification
from .dispatch import BUSY_WAIT, CLAIM_TIMEOUT, Dispatcher, Outcome
from .handlers import Handlers
from .ids import with_stable_id
from .store import Store

log = logging.getLogger("signport.events")

#: The largest body accepted by default (bytes); vendor notifications are a few hundred bytes.
MAX_BODY = 256 * 1024
#: Seconds a vendor is asked to wait before retrying when the event is being handled elsewhere.
RETRY_AFTER = 5
#: An ASGI scope or message, typed as ASGI frameworks type theirs (Starlette's ``Scope`` and ``Message``), so
#: that mypy accepts the receiver where they take an ASGI app.
Message = MutableMapping[str, Any]


class Parser(Protocol):
    """What the receiver needs of a client: its provider's name and ``parse_webhook``."""

    @property
    def provider(self) -> Any: ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes | str) -> Event: ...


class Refresher(Protocol):
    """A watcher that can re-read one envelope when a thin notification names it."""

    def refresh(self, envelope_id: str) -> int: ...


@attrs.frozen(slots=True)
class Reply:
    """An HTTP answer: status, headers and a small JSON body."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)

    @classmethod
    def of(cls, status: int, outcome: str, detail: str | None = None, **headers: str) -> Reply:
        payload = {"outcome": outcome} | ({"detail": detail} if detail else {})
        extra = tuple((k.replace("_", "-"), v) for k, v in headers.items())
        return cls(status, json.dumps(payload).encode(), (("content-type", "application/json"), *extra))


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        self.reply = reply


class Receiver:
    """Receives webhooks for one or several providers; an ASGI app, with ``wsgi`` for WSGI servers.

    ``clients`` is one client (every path serves it) or a mapping of provider name -> client (the last
    path segment picks one). ``handlers`` defaults to the module-level registry (``events.on``),
    ``store`` to the SQLite store in the platform data folder. ``require_verification`` refuses
    (401) deliveries that could not be verified because no verifier is configured.
    ``refresh`` maps a provider name to a watcher that re-reads the envelope a notification names
    before the notification itself is handled (for vendors whose webhooks are thin notifications).
    """

    def __init__(self, clients: Parser | Mapping[str, Parser], handlers: Handlers | None = None,
                 store: Store | None = None, *, max_body: int = MAX_BODY, require_verification: bool = False,
                 claim_timeout: float = CLAIM_TIMEOUT, busy_wait: float = BUSY_WAIT,
                 refresh: Mapping[str, Refresher] | None = None) -> None:
        if isinstance(clients, Mapping):
            self.clients = dict(clients)
        else:
            self.clients = {clients.provider.name: clients}
        if not self.clients:
            raise ValueError("a Receiver needs at least one client")
        if handlers is None:
            from . import handlers as default_handlers

            handlers = default_handlers
        if store is None:
            from .sqlite import SQLiteStore

            store = SQLiteStore()
        self.dispatcher = Dispatcher(handlers, store, claim_timeout=claim_timeout, busy_wait=busy_wait)
        self.max_body = max_body
        self.require_verification = require_verification
        self.refresh = dict(refresh or {})

    @property
    def store(self) -> Store:
        return self.dispatcher.store

    @property
    def handlers(self) -> Handlers:
        return self.dispatcher.handlers

    # --- the steps every adapter shares ------------------------------------------------------
    def _client(self, path: str) -> tuple[str, Parser]:
        if len(self.clients) == 1:
            return next(iter(self.clients.items()))
        segment = next((p for p in reversed(path.split("/")) if p), "")
        if segment in self.clients:
            return segment, self.clients[segment]
        raise _Refused(Reply.of(404, "unknown_provider", f"serving {', '.join(sorted(self.clients))}"))

    def _check_size(self, length: str | None) -> None:
        if length is not None and length.isdigit() and int(length) > self.max_body:
            raise _Refused(Reply.of(413, "too_large"))

    def _parse(self, path: str, method: str, headers: Mapping[str, str], body: bytes) -> Event:
        if method != "POST":
            raise _Refused(Reply.of(405, "method_not_allowed", allow="POST"))
        name, client = self._client(path)
        try:
            event = client.parse_webhook(headers, body)
        except WebhookVerificationError as exc:
            log.warning("%s webhook refused: %s", name, exc.message)
            raise _Refused(Reply.of(401, "unverified")) from None
        except SignportError as exc:
            log.warning("%s webhook unreadable: %s", name, exc.message)
            raise _Refused(Reply.of(400, "unreadable")) from None
        if self.require_verification and event.verification is not Verification.VERIFIED:
            raise _Refused(Reply.of(401, "unverified", "no verifier is configured"))
        event = with_stable_id(event)
        if event.provider is None:
            event = attrs.evolve(event, provider=name)
        return event

    @staticmethod
    def _answer(event: Event, outcome: Outcome) -> Reply:
        if outcome is Outcome.BUSY:
            return Reply.of(503, "busy", retry_after=str(RETRY_AFTER))
        return Reply.of(200, outcome.value)

    def _failed(self, event: Event, exc: BaseException) -> Reply:
        log.error("handler failed for %s event %s (%s): %s", event.provider, event.id, event.kind.value,
                  type(exc).__name__, exc_info=exc)
        return Reply.of(500, "handler_failed")

    # --- sync ----------------------------------------------------------------------------------
    def respond(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Handle one delivery synchronously (for WSGI, Django and Flask views); never raises."""
        try:
            self._check_size(str(len(body)))
            event = self._parse(path, method.upper(), headers, body)
        except _Refused as refused:
            return refused.reply
        try:
            self._refresh(event)
            outcome = self.dispatcher.deliver(event)
        except Exception as exc:
            return self._failed(event, exc)
        return self._answer(event, outcome)

    def _refresh(self, event: Event) -> None:
        watcher = self.refresh.get(event.provider or "")
        if watcher is not None and event.envelope_id:
            watcher.refresh(event.envelope_id)

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The receiver as a WSGI application."""
        try:
            self._check_size(environ.get("CONTENT_LENGTH") or None)
            body = _read_wsgi(environ, self.max_body)
        except _Refused as refused:
            reply = refused.reply
        else:
            headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
            if environ.get("CONTENT_TYPE"):
                headers["content-type"] = str(environ["CONTENT_TYPE"])
            path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
            reply = self.respond(str(environ.get("REQUEST_METHOD", "GET")), path, headers, body)
        start_response(f"{reply.status} {_REASONS.get(reply.status, '')}".strip(),
                       [*reply.headers, ("content-length", str(len(reply.body)))])
        return [reply.body]

    # --- async -----------------------------------------------------------------------------------
    async def arespond(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Handle one delivery in async code (handlers awaited); never raises."""
        try:
            self._check_size(str(len(body)))
            event = self._parse(path, method.upper(), headers, body)
        except _Refused as refused:
            return refused.reply
        try:
            await self._arefresh(event)
            outcome = await self.dispatcher.adeliver(event)
        except Exception as exc:
            return self._failed(event, exc)
        return self._answer(event, outcome)

    async def _arefresh(self, event: Event) -> None:
        watcher = self.refresh.get(event.provider or "")
        if watcher is None or not event.envelope_id:
            return
        arefresh = getattr(watcher, "arefresh", None)
        if arefresh is not None:
            await arefresh(event.envelope_id)
        else:
            import asyncio

            await asyncio.to_thread(watcher.refresh, event.envelope_id)

    async def __call__(self, scope: Message, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            raise RuntimeError(f"the receiver serves HTTP, not {scope['type']}")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        try:
            self._check_size(headers.get("content-length"))
            body = await _read_asgi(receive, self.max_body)
        except _Refused as refused:
            reply = refused.reply
        else:
            reply = await self.arespond(scope.get("method", "GET"), scope.get("path", "/"), headers, body)
        await send({"type": "http.response.start", "status": reply.status,
                    "headers": [(k.encode(), v.encode()) for k, v in
                                (*reply.headers, ("content-length", str(len(reply.body))))]})
        await send({"type": "http.response.body", "body": reply.body})


async def _read_asgi(receive: Callable[[], Awaitable[Message]], limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Refused(Reply.of(400, "disconnected"))
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _Refused(Reply.of(413, "too_large"))
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _read_wsgi(environ: Mapping[str, Any], limit: int) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH") or ""
    # Without a length (chunked): read at most one byte past the limit.
    body = stream.read(int(length)) if str(length).isdigit() else stream.read(limit + 1)
    if len(body) > limit:
        raise _Refused(Reply.of(413, "too_large"))
    return bytes(body)


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            413: "Content Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}
