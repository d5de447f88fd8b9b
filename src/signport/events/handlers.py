"""The handler registry: functions (plain or ``async``) called for events of given kinds."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..model import Event
from ..states import EventKind

Handler = Callable[[Event], Any]
H = TypeVar("H", bound=Handler)


def _kind(value: EventKind | str) -> EventKind:
    return value if isinstance(value, EventKind) else EventKind(value)


class Handlers:
    """Handlers by ``EventKind``, called in the order they were registered.

    ``@handlers.on(EventKind.ENVELOPE_COMPLETED)`` registers for one kind (or several);
    ``@handlers.on()`` with no kind registers a catch-all that sees every event.
    """

    def __init__(self) -> None:
        self._entries: list[tuple[frozenset[EventKind] | None, Handler]] = []

    def on(self, *kinds: EventKind | str) -> Callable[[H], H]:
        """Decorator: call the function for events of ``kinds`` (every event when none is given)."""
        chosen = frozenset(_kind(k) for k in kinds) or None

        def register(handler: H) -> H:
            self.add(handler, *(chosen or ()))
            return handler

        return register

    def add(self, handler: Handler, *kinds: EventKind | str) -> None:
        """Register ``handler`` for ``kinds`` (every event when none is given)."""
        if not callable(handler):
            raise TypeError(f"not a callable: {handler!r}")
        self._entries.append((frozenset(_kind(k) for k in kinds) or None, handler))

    def remove(self, handler: Handler) -> None:
        """Unregister ``handler`` wherever it was registered."""
        self._entries = [(k, h) for k, h in self._entries if h is not handler]

    def clear(self) -> None:
        """Unregister every handler."""
        self._entries.clear()

    def for_kind(self, kind: EventKind) -> list[Handler]:
        """The handlers an event of ``kind`` goes to, in registration order."""
        return [h for kinds, h in self._entries if kinds is None or kind in kinds]

    def __len__(self) -> int:
        return len(self._entries)

    def wants(self, kind: EventKind) -> bool:
        """True when some handler takes events of ``kind``."""
        return bool(self.for_kind(kind))

    def call(self, event: Event) -> None:
        """Call every handler for ``event`` here (async handlers run to completion on a fresh loop)."""
        for handler in self.for_kind(event.kind):
            result = handler(event)
            if inspect.isawaitable(result):
                asyncio.run(_awaited(result))

    async def acall(self, event: Event) -> None:
        """Call every handler for ``event``: async ones awaited, plain ones in a worker thread."""
        for handler in self.for_kind(event.kind):
            if inspect.iscoroutinefunction(handler):
                await handler(event)
                continue
            result = await asyncio.to_thread(handler, event)
            if inspect.isawaitable(result):
                await result


async def _awaited(result: Awaitable[Any]) -> None:
    await result

