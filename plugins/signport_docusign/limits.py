"""DocuSign's request limits, read from every response (docs/vendors/docusign.md §10).

``X-RateLimit-Limit``/``-Remaining``/``-Reset`` (epoch seconds) describe the account's hourly
budget; ``X-BurstLimit-Limit``/``-Remaining`` the 30-second burst budget. DocuSign asks to pause
all activity until the reset once the hourly budget is spent (§10): signport then refuses
further requests with ``RateLimited`` (``retry_after`` = seconds to the reset) instead of
sending them. A spent burst budget is answered by the server with 429, which the drivers
retry with backoff (no ``Retry-After`` is documented, §10).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import attrs
import httpx

from signport.errors import RateLimited

from .settings import PROVIDER


class PollingRuleWarning(UserWarning):
    """``wait`` was asked to poll an envelope more often than DocuSign's 15-minute rule allows (§10)."""


@attrs.frozen(slots=True)
class Snapshot:
    """The last limit headers seen; ``None`` where a header was absent."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    burst_limit: int | None = None
    burst_remaining: int | None = None


def _int(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name, "").strip()
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


class RateLimits:
    """The limit state of one client, updated from responses and checked before requests."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.snapshot = Snapshot()

    def seen(self, response: httpx.Response) -> None:
        """Record the headers of a response (responses without them change nothing)."""
        limit, remaining = _int(response, "x-ratelimit-limit"), _int(response, "x-ratelimit-remaining")
        reset = _int(response, "x-ratelimit-reset")
        burst, burst_left = _int(response, "x-burstlimit-limit"), _int(response, "x-burstlimit-remaining")
        if remaining is None and burst_left is None:
            return
        with self._lock:
            old = self.snapshot
            self.snapshot = Snapshot(limit if limit is not None else old.limit,
                                     remaining if remaining is not None else old.remaining,
                                     float(reset) if reset is not None else old.reset,
                                     burst if burst is not None else old.burst_limit,
                                     burst_left if burst_left is not None else old.burst_remaining)

    def wait_for_reset(self) -> float | None:
        """Seconds until the hourly budget resets, when it is spent; else ``None``."""
        snap = self.snapshot
        if snap.remaining is None or snap.remaining > 0 or snap.reset is None:
            return None
        left = snap.reset - self._clock()
        return left if left > 0 else None

    def before(self, request: httpx.Request) -> None:
        """Refuse a request while the hourly budget is spent (§10)."""
        wait = self.wait_for_reset()
        if wait is not None:
            raise RateLimited(f"DocuSign's hourly request limit is spent; it resets in {wait:.0f} s",
                              retry_after=wait, provider=PROVIDER, code="HOURLY_APIINVOCATION_LIMIT_EXCEEDED")
