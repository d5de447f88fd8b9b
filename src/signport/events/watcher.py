"""The polling watcher: ``list`` and ``get`` within a request budget, state changes turned into events.

For providers without webhooks (EasyInk) or as a fallback beside a receiver. One *sweep* walks every
page of the listing, reads (``get``) each envelope that may have changed, and hands the events of each
change (``synth.changes``) to the handlers through the exactly-once dispatcher. Known open envelopes the
listing did not show (a truncated or shifting list) are read directly at the end of the sweep; one that
no longer exists (a deleted draft) is forgotten.

The store keeps the watcher's cursor (the page reached in the current sweep) and what it last saw of
each envelope, written after the envelope's events were handled: a restart resumes at the page it
stopped on and neither loses nor repeats an event (a repeat would carry the same stable id and be
collapsed). Several watchers with the same ``name`` share that state: each envelope is read under a
store lock by one of them at a time, and one read per sweep suffices.

The sweep is written once, as a generator of operations (``_Fetch``, ``_Deliver``, ``_Call``,
``_Sleep``) that two drivers run: ``Watcher`` (sync client) and ``AsyncWatcher`` (async client).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Generator
from typing import Any, TypeVar, cast

import attrs

from ..client import AsyncClient, Client
from ..errors import NotFound, ProviderError, RateLimited, SignportError, TransportError
from ..model import Envelope
from ..provider import Flow, Page
from .dispatch import BUSY_WAIT, CLAIM_TIMEOUT, Dispatcher, Outcome
from .handlers import Handlers
from .store import Snapshot, Store
from .synth import UNSENT, changes

log = logging.getLogger("signport.events")
T = TypeVar("T")

#: Default request budget (requests per minute). Neither iinked (§9: only "429 exists") nor EasyInk
#: (§1: "rate limits not documented") states a number, so the default is deliberately low: one request
#: every two seconds, with a small burst.
REQUESTS_PER_MINUTE = 30.0
BURST = 5
#: Seconds between sweeps when running continuously.
INTERVAL = 60.0
#: Backoff after a 429 or a server/network failure: first wait, cap, and attempts per request.
BACKOFF_INITIAL, BACKOFF_MAX, ATTEMPTS = 2.0, 300.0, 6
#: How often a refresh asks again for an envelope a sweep is reading.
LOCK_POLL = 0.05


@attrs.frozen
class _Fetch:
    flow: Flow[Any]


@attrs.frozen
class _Deliver:
    event: Any


@attrs.frozen
class _Call:
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


@attrs.frozen
class _Sleep:
    seconds: float


Op = _Fetch | _Deliver | _Call | _Sleep
Steps = Generator[Op, Any, T]


class Budget:
    """A token bucket: at most ``per_minute`` requests a minute on average, ``burst`` at once."""

    def __init__(self, per_minute: float = REQUESTS_PER_MINUTE, burst: int = BURST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("the request budget needs per_minute > 0 and burst >= 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.tokens = float(burst)
        self.clock = clock
        self.stamp = clock()
        self.spent = 0

    def wait(self) -> float:
        """Take one request from the bucket; returns how long to sleep before sending it."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1
        self.spent += 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


def _transient(exc: SignportError) -> bool:
    if isinstance(exc, RateLimited | TransportError):
        return True
    return type(exc) is ProviderError and (exc.status is None or exc.status >= 500)


class _Core:
    """The watcher's logic, shared by both drivers."""

    def __init__(self, provider: Any, handlers: Handlers | None, store: Store | None, *, name: str | None,
                 requests_per_minute: float, burst: int, interval: float, backfill: bool,
                 claim_timeout: float, busy_wait: float, clock: Callable[[], float] = time.monotonic) -> None:
        if handlers is None:
            from . import handlers as default_handlers

            handlers = default_handlers
        if store is None:
            from .sqlite import SQLiteStore

            store = SQLiteStore()
        self.provider = provider
        self.name = name or provider.name
        self.dispatcher = Dispatcher(handlers, store, claim_timeout=claim_timeout, busy_wait=busy_wait)
        self.budget = Budget(requests_per_minute, burst, clock)
        self.clock = clock
        self.interval = interval
        self.backfill = backfill
        self.owner = uuid.uuid4().hex
        self.handled = 0
        self.failed = 0

    @property
    def store(self) -> Store:
        return self.dispatcher.store

    @property
    def handlers(self) -> Handlers:
        return self.dispatcher.handlers

    # --- steps ---------------------------------------------------------------------------------
    def _fetch(self, make: Callable[[], Flow[T]]) -> Steps[T]:
        """Run a provider flow within the budget, backing off on 429 and server or network failures."""
        backoff = BACKOFF_INITIAL
        for attempt in range(1, ATTEMPTS + 1):
            if wait := self.budget.wait():
                yield _Sleep(wait)
            try:
                result: T = yield _Fetch(make())
                return result
            except SignportError as exc:
                if not _transient(exc) or attempt == ATTEMPTS:
                    raise
                wait = backoff
                if isinstance(exc, RateLimited) and exc.retry_after is not None:
                    wait = max(wait, exc.retry_after)
                log.warning("%s watcher: %s; retrying in %.0f s", self.name, type(exc).__name__, wait)
                yield _Sleep(wait)
                backoff = min(backoff * 2, BACKOFF_MAX)
        raise AssertionError("unreachable")  # pragma: no cover

    def _lister(self, page_cursor: Any) -> Callable[[], Flow[Page]]:
        return lambda: self.provider.list_page(None, page_cursor)

    def _cursor_key(self) -> str:
        return self.name

    def sweep(self) -> Steps[int]:
        """One pass over every page; returns how many events the handlers took."""
        self.handled = self.failed = 0
        cursor: dict[str, Any] = (yield _Call(self.store.cursor, (self._cursor_key(),))) or {}
        if "started" not in cursor:
            cursor = {"page": None, "started": time.time(), "baselined": bool(cursor.get("baselined"))}
            yield _Call(self.store.save_cursor, (self._cursor_key(), cursor))
        started = float(cursor["started"])
        baseline = not cursor["baselined"] and not self.backfill
        listed: set[str] = set()
        while True:
            page: Page = yield from self._fetch(self._lister(cursor["page"]))
            for summary in page.envelopes:
                if summary.id:
                    listed.add(summary.id)
                    yield from self._consider(summary, started, baseline)
            cursor = {**cursor, "page": page.next}
            yield _Call(self.store.save_cursor, (self._cursor_key(), cursor))
            if page.next is None:
                break
        # Open envelopes the listing did not show this time (it shifted, or came back short).
        known: list[tuple[str, float]] = yield _Call(self.store.open_envelopes, (self.name,))
        for envelope_id, checked in known:
            if envelope_id not in listed and checked < started:
                yield from self._check(envelope_id, started, baseline)
        yield _Call(self.store.save_cursor, (self._cursor_key(), {"baselined": True}))
        return self.handled

    def _consider(self, summary: Envelope, started: float, baseline: bool) -> Steps[None]:
        assert summary.id is not None
        seen: tuple[Snapshot, float] | None = yield _Call(self.store.seen, (self.name, summary.id))
        if seen is not None and (seen[0].terminal or seen[1] >= started):
            return  # nothing more can happen, or already read in this sweep
        if seen is None and summary.state in UNSENT:
            return  # a draft: nothing to report until it is sent
        if baseline and seen is None and summary.is_terminal:
            yield _Call(self.store.remember, (self.name, summary.id, Snapshot.of(summary), time.time()))
            return
        yield from self._check(summary.id, started, baseline)

    def _check(self, envelope_id: str, started: float, baseline: bool, wait: float = 0.0) -> Steps[None]:
        """Read one envelope under its lock and hand its changes to the handlers; ``wait`` seconds at most
        for the lock when another reader holds it."""
        key = f"watch:{self.name}:{envelope_id}"
        held = yield _Call(self.store.try_lock, (key, self.owner))
        deadline = self.clock() + wait
        while not held and self.clock() < deadline:
            yield _Sleep(LOCK_POLL)
            held = yield _Call(self.store.try_lock, (key, self.owner))
        if not held:
            return  # another watcher is reading it right now
        try:
            seen: tuple[Snapshot, float] | None = yield _Call(self.store.seen, (self.name, envelope_id))
            if seen is not None and seen[1] >= started:
                return
            try:
                envelope: Envelope = yield from self._fetch(lambda: self.provider.get(envelope_id))
            except NotFound:
                log.info("%s watcher: envelope %s is gone", self.name, envelope_id)
                yield _Call(self.store.forget, (self.name, envelope_id))
                return
            if envelope.state in UNSENT and seen is None:
                return
            if not baseline:
                for event in changes(self.provider.name, seen[0] if seen else None, envelope):
                    try:
                        outcome = yield _Deliver(event)
                    except Exception:
                        # Not remembered: the next sweep reads the envelope again and retries the event.
                        log.exception("%s watcher: a handler failed on %s event %s", self.name,
                                      event.kind.value, event.id)
                        self.failed += 1
                        return
                    if outcome is Outcome.BUSY:
                        return  # handled elsewhere right now: read again next sweep
                    if outcome is Outcome.HANDLED:
                        self.handled += 1
            yield _Call(self.store.remember, (self.name, envelope_id, Snapshot.of(envelope), time.time()))
        finally:
            yield _Call(self.store.unlock, (key, self.owner))

    def refresh(self, envelope_id: str) -> Steps[int]:
        """Read one envelope now (a notification named it) and hand its changes to the handlers.

        A sweep reading the same envelope may have read it before the change the notification is about:
        the refresh waits for it (``busy_wait`` at most) and reads the envelope again after it.
        """
        self.handled = 0
        yield from self._check(envelope_id, time.time() + 1e9, baseline=False, wait=self.dispatcher.busy_wait)
        return self.handled


class Watcher:
    """Polls a sync ``Client`` and calls ``handlers`` for each change, exactly once per stable event id.

    ``name`` (default: the provider's name) keys the state in ``store``: watchers with the same name
    share it. The first sweep of a new name only notes what exists (``backfill=True`` reports it too).
    """

    def __init__(self, client: Client, handlers: Handlers | None = None, store: Store | None = None, *,
                 name: str | None = None, requests_per_minute: float = REQUESTS_PER_MINUTE, burst: int = BURST,
                 interval: float = INTERVAL, backfill: bool = False, claim_timeout: float = CLAIM_TIMEOUT,
                 busy_wait: float = BUSY_WAIT, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.core = _Core(client.provider, handlers, store, name=name, requests_per_minute=requests_per_minute,
                          burst=burst, interval=interval, backfill=backfill, claim_timeout=claim_timeout,
                          busy_wait=busy_wait, clock=clock)
        self.sleep = sleep

    @property
    def store(self) -> Store:
        return self.core.store

    @property
    def budget(self) -> Budget:
        return self.core.budget

    def _drive(self, steps: Steps[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                op = steps.throw(error) if error is not None else steps.send(value)
            except StopIteration as stop:
                return cast(T, stop.value)
            value, error = None, None
            try:
                if isinstance(op, _Fetch):
                    value = self.client.run(op.flow)
                elif isinstance(op, _Deliver):
                    value = self.core.dispatcher.deliver(op.event)
                elif isinstance(op, _Call):
                    value = op.fn(*op.args)
                else:
                    self.sleep(op.seconds)
            except BaseException as exc:  # thrown into the sweep, so that it lets go of its lock first
                error = exc

    def poll(self) -> int:
        """One sweep over every envelope; returns how many events the handlers took."""
        return self._drive(self.core.sweep())

    def refresh(self, envelope_id: str) -> int:
        """Read one envelope now and hand its changes to the handlers (a receiver calls this)."""
        return self._drive(self.core.refresh(envelope_id))

    def run(self, stop: threading.Event | None = None, *, sweeps: int | None = None) -> None:
        """Sweep every ``interval`` seconds until ``stop`` is set (or ``sweeps`` were made)."""
        stop = stop or threading.Event()
        done = 0
        while not stop.is_set():
            try:
                self.poll()
            except SignportError as exc:
                log.error("%s watcher: sweep failed: %s", self.core.name, exc.message)
            done += 1
            if sweeps is not None and done >= sweeps:
                return
            stop.wait(self.core.interval)


class AsyncWatcher:
    """``Watcher`` for an ``AsyncClient``: async handlers awaited, store calls in worker threads."""

    def __init__(self, client: AsyncClient, handlers: Handlers | None = None, store: Store | None = None, *,
                 name: str | None = None, requests_per_minute: float = REQUESTS_PER_MINUTE, burst: int = BURST,
                 interval: float = INTERVAL, backfill: bool = False, claim_timeout: float = CLAIM_TIMEOUT,
                 busy_wait: float = BUSY_WAIT) -> None:
        self.client = client
        self.core = _Core(client.provider, handlers, store, name=name, requests_per_minute=requests_per_minute,
                          burst=burst, interval=interval, backfill=backfill, claim_timeout=claim_timeout,
                          busy_wait=busy_wait)

    @property
    def store(self) -> Store:
        return self.core.store

    async def _drive(self, steps: Steps[T]) -> T:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                op = steps.throw(error) if error is not None else steps.send(value)
            except StopIteration as stop:
                return cast(T, stop.value)
            value, error = None, None
            try:
                if isinstance(op, _Fetch):
                    value = await self.client.run(op.flow)
                elif isinstance(op, _Deliver):
                    value = await self.core.dispatcher.adeliver(op.event)
                elif isinstance(op, _Call):
                    value = await asyncio.to_thread(op.fn, *op.args)
                else:
                    await asyncio.sleep(op.seconds)
            except BaseException as exc:  # thrown into the sweep, so that it lets go of its lock first
                error = exc

    async def poll(self) -> int:
        """One sweep over every envelope; returns how many events the handlers took."""
        return await self._drive(self.core.sweep())

    async def arefresh(self, envelope_id: str) -> int:
        """Read one envelope now and hand its changes to the handlers (a receiver calls this)."""
        return await self._drive(self.core.refresh(envelope_id))

    def refresh(self, envelope_id: str) -> int:
        raise TypeError("AsyncWatcher.refresh is a coroutine: use arefresh")

    async def run(self, stop: asyncio.Event | None = None, *, sweeps: int | None = None) -> None:
        """Sweep every ``interval`` seconds until ``stop`` is set (or ``sweeps`` were made)."""
        stop = stop or asyncio.Event()
        done = 0
        while not stop.is_set():
            try:
                await self.poll()
            except SignportError as exc:
                log.error("%s watcher: sweep failed: %s", self.core.name, exc.message)
            done += 1
            if sweeps is not None and done >= sweeps:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.core.interval)
