"""Exactly-once handling over at-least-once delivery: claim the event id, run the handlers, record.

A duplicate (the id is already recorded) is acknowledged without calling anything. When another
process is handling the same event right now, ``deliver`` waits up to ``wait`` seconds for it: done
means duplicate; a released claim (its handlers failed) is taken over; still running means ``BUSY``
(the receiver then asks the vendor to retry later). A handler that raises releases the claim, so the
next delivery runs the handlers again.

What "exactly once" cannot cover: a process that dies after its handlers ran but before ``finish``
recorded it. After ``claim_timeout`` seconds another delivery takes the stale claim over and the
handlers run again. Handlers must therefore be idempotent (docs/events.md shows how).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
import uuid

from ..model import Event
from .handlers import Handlers
from .ids import with_stable_id
from .store import Claim, Store

log = logging.getLogger("signport.events")

#: How long a claim may stay unfinished before another process may take it over (seconds).
CLAIM_TIMEOUT = 300.0
#: How long a delivery waits for another process handling the same event (seconds).
BUSY_WAIT = 5.0
_POLL = 0.05


class Outcome(enum.Enum):
    """What became of one delivered event."""

    HANDLED = "handled"
    DUPLICATE = "duplicate"
    BUSY = "busy"


class Dispatcher:
    """Runs ``handlers`` once per event id recorded in ``store``."""

    def __init__(self, handlers: Handlers, store: Store, *, claim_timeout: float = CLAIM_TIMEOUT,
                 busy_wait: float = BUSY_WAIT) -> None:
        self.handlers = handlers
        self.store = store
        self.claim_timeout = claim_timeout
        self.busy_wait = busy_wait
        self.owner = uuid.uuid4().hex

    def _claim(self, event: Event) -> Claim:
        return self.store.claim(event, self.owner, stale_after=self.claim_timeout)

    def deliver(self, event: Event) -> Outcome:
        """Handle ``event`` unless its id was handled already; handler exceptions propagate."""
        event = with_stable_id(event)
        assert event.id is not None
        deadline = time.monotonic() + self.busy_wait
        while (claim := self._claim(event)) is Claim.BUSY:
            if time.monotonic() >= deadline:
                return Outcome.BUSY
            time.sleep(_POLL)
        if claim is Claim.DONE:
            log.debug("duplicate event %s (%s)", event.id, event.kind.value)
            return Outcome.DUPLICATE
        try:
            self.handlers.call(event)
        except BaseException:
            self.store.release(event.id, self.owner)
            raise
        self.store.finish(event.id, self.owner)
        return Outcome.HANDLED

    async def adeliver(self, event: Event) -> Outcome:
        """``deliver`` for async code: async handlers awaited, store calls in a worker thread."""
        event = with_stable_id(event)
        assert event.id is not None
        deadline = time.monotonic() + self.busy_wait
        while (claim := await asyncio.to_thread(self._claim, event)) is Claim.BUSY:
            if time.monotonic() >= deadline:
                return Outcome.BUSY
            await asyncio.sleep(_POLL)
        if claim is Claim.DONE:
            log.debug("duplicate event %s (%s)", event.id, event.kind.value)
            return Outcome.DUPLICATE
        try:
            await self.handlers.acall(event)
        except BaseException:
            await asyncio.to_thread(self.store.release, event.id, self.owner)
            raise
        await asyncio.to_thread(self.store.finish, event.id, self.owner)
        return Outcome.HANDLED
