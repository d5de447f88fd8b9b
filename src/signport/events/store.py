"""What the event machinery persists, whatever the database: processed event ids and watcher state.

``Store`` is the interface; ``SQLiteStore`` (one host) and ``PostgresStore`` (several hosts) implement it.
Every method is blocking and safe to call from several threads; async code calls them in a worker thread.

Processed ids follow a claim protocol, so that an event delivered twice at once is handled once:
``claim`` inserts the id as *claimed* by an owner (or answers that it is *done*, or *busy* elsewhere);
``finish`` marks it done after the handlers succeeded; ``release`` drops the claim after they failed, so
a redelivery runs them again. A claim older than ``stale_after`` seconds (its owner crashed between
handling and recording) may be taken over: that is the at-least-once edge handlers must tolerate.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs

from ..model import Envelope, Event


class Claim(enum.Enum):
    """The answer to ``Store.claim``."""

    NEW = "new"      # the caller owns the event now: run the handlers
    DONE = "done"    # already handled: a duplicate
    BUSY = "busy"    # another owner is handling it right now


@attrs.frozen(slots=True)
class Snapshot:
    """What the watcher last saw of an envelope: its state and each signer's, neutral and native."""

    state: str
    native_state: str | None
    signers: Mapping[str, tuple[str, str | None]] = attrs.field(factory=dict)
    terminal: bool = False

    @classmethod
    def of(cls, envelope: Envelope) -> Snapshot:
        return cls(state=envelope.state.value, native_state=envelope.native_state,
                   signers={s.id: (s.state.value, s.native_state) for s in envelope.signers if s.id},
                   terminal=envelope.is_terminal)

    def to_json(self) -> str:
        return json.dumps({"state": self.state, "native": self.native_state, "terminal": self.terminal,
                           "signers": {k: list(v) for k, v in self.signers.items()}}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        data = json.loads(text)
        return cls(state=data["state"], native_state=data.get("native"), terminal=bool(data.get("terminal")),
                   signers={k: (v[0], v[1]) for k, v in (data.get("signers") or {}).items()})


class Store:
    """Processed event ids and watcher state (the interface; see ``SQLiteStore``, ``PostgresStore``)."""

    # --- processed events ------------------------------------------------------------------------
    def claim(self, event: Event, owner: str, *, stale_after: float) -> Claim:
        """Claim ``event.id`` for ``owner``; see the module docstring."""
        raise NotImplementedError

    def finish(self, event_id: str, owner: str) -> None:
        """Mark a claimed event as handled."""
        raise NotImplementedError

    def release(self, event_id: str, owner: str) -> None:
        """Drop ``owner``'s claim (its handlers failed): a redelivery runs them again."""
        raise NotImplementedError

    def processed(self, event_id: str) -> bool:
        """True once the event was handled."""
        raise NotImplementedError

    def processed_ids(self) -> list[str]:
        """Every handled event id (for audits and tests)."""
        raise NotImplementedError

    # --- watcher state ---------------------------------------------------------------------------
    def seen(self, watcher: str, envelope_id: str) -> tuple[Snapshot, float] | None:
        """What ``watcher`` last saw of the envelope, and when (epoch seconds)."""
        raise NotImplementedError

    def remember(self, watcher: str, envelope_id: str, snapshot: Snapshot, at: float) -> None:
        """Record what ``watcher`` saw of the envelope at ``at``."""
        raise NotImplementedError

    def forget(self, watcher: str, envelope_id: str) -> None:
        """Drop the envelope from ``watcher``'s state (it disappeared)."""
        raise NotImplementedError

    def open_envelopes(self, watcher: str) -> list[tuple[str, float]]:
        """Envelopes ``watcher`` knows that are not terminal, with when each was last checked."""
        raise NotImplementedError

    def cursor(self, watcher: str) -> dict[str, Any] | None:
        """``watcher``'s saved position (a JSON object), or ``None`` before its first sweep."""
        raise NotImplementedError

    def save_cursor(self, watcher: str, cursor: Mapping[str, Any]) -> None:
        """Save ``watcher``'s position."""
        raise NotImplementedError

    def try_lock(self, key: str, owner: str) -> bool:
        """Hold ``key`` for ``owner`` if nobody else does (no wait); True when held."""
        raise NotImplementedError

    def unlock(self, key: str, owner: str) -> None:
        """Let go of ``key``."""
        raise NotImplementedError

    @contextmanager
    def lock(self, key: str, owner: str) -> Iterator[bool]:
        """``try_lock`` as a context: yields True if held (and lets go at the end), False if another has it."""
        held = self.try_lock(key, owner)
        try:
            yield held
        finally:
            if held:
                self.unlock(key, owner)

    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


