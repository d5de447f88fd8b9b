"""One event stream for every provider: handlers, a webhook receiver, a polling watcher, exactly-once.

::

    from signport import EventKind, events

    @events.on(EventKind.ENVELOPE_COMPLETED)
    def archive(event): ...

    app = events.Receiver(signport.connect("iinked"))     # an ASGI app; app.wsgi for WSGI

Handlers get neutral ``Event``s whose ``id`` is stable: the same change has the same id whether a
webhook or the watcher reported it, so a store of processed ids runs each handler once per change.
See docs/events.md.
"""

from __future__ import annotations

from ..model import Event
from ..states import EventKind, Verification
from .dispatch import Dispatcher, Outcome
from .handlers import Handler, Handlers
from .ids import change_id, stable_id, with_stable_id
from .receiver import Receiver, Reply
from .sqlite import SQLiteStore
from .store import Claim, Snapshot, Store
from .stores import open_store
from .synth import changes
from .watcher import AsyncWatcher, Budget, Watcher

#: The module-level registry ``events.on`` adds to; receivers and watchers use it by default.
handlers = Handlers()
on = handlers.on

__all__ = [
    "AsyncWatcher",
    "Budget",
    "Claim",
    "Dispatcher",
    "Event",
    "EventKind",
    "Handler",
    "Handlers",
    "Outcome",
    "Receiver",
    "Reply",
    "SQLiteStore",
    "Snapshot",
    "Store",
    "Verification",
    "Watcher",
    "change_id",
    "changes",
    "handlers",
    "on",
    "open_store",
    "stable_id",
    "with_stable_id",
]
