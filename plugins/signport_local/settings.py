"""Settings of the ``local`` provider: where its store lives, and how it pages and waits."""

from __future__ import annotations

from pathlib import Path

import attrs
import platformdirs

from signport.config import secret
from signport.webhooks import DEFAULT_MAX_BYTES

#: Page size of ``list`` when no setting says otherwise.
DEFAULT_PAGE_SIZE = 50
#: Seconds a writer waits for another process holding the store before giving up.
DEFAULT_BUSY_TIMEOUT = 30.0
#: Attempts per webhook delivery (the first included) before it is given up.
DEFAULT_WEBHOOK_ATTEMPTS = 5
#: Seconds before the first webhook retry; each further retry waits twice as long (capped at 5 minutes).
DEFAULT_WEBHOOK_BACKOFF = 2.0


def _url(value: str) -> str:
    text = str(value).strip()
    if not text.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {text!r}")
    return text


def _optional_url(value: str | None) -> str | None:
    return None if value is None or not str(value).strip() else _url(value).rstrip("/")


def _urls(value: frozenset[str] | tuple[str, ...] | list[str] | str) -> frozenset[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return frozenset(_url(v) for v in items if str(v).strip())


def default_path() -> Path:
    """The per-user data folder used when ``path`` is not set: ``<user data dir>/signport/local``."""
    return platformdirs.user_data_path("signport", appauthor=False) / "local"


@attrs.frozen
class LocalSettings:
    """``path``: the store's folder (SQLite file + PDFs); ``page_size``: envelopes per listed page;
    ``busy_timeout``: seconds to wait for a concurrent writer; ``emulate``: another provider's name
    (``"iinked"``, ``"easyink"``) whose capabilities and input rules local takes on, so what that
    vendor would refuse is refused here too, with the same error; ``webhook_max_bytes``: the largest
    webhook body ``parse_webhook`` reads (default 1 MiB).

    ``server_url``: where ``signport serve`` answers (turns on ``signing_urls``); ``webhook_urls``:
    where each event is POSTed (comma-separated in the environment); ``webhook_secret``: the key
    of the ``Signport-Signature`` HMAC (turns on ``webhook_verification``); ``webhook_attempts`` and
    ``webhook_backoff``: how often and how patiently a failing delivery is retried."""

    path: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    emulate: str | None = None
    page_size: int = attrs.field(default=DEFAULT_PAGE_SIZE)
    busy_timeout: float = attrs.field(default=DEFAULT_BUSY_TIMEOUT)
    webhook_max_bytes: int = attrs.field(default=DEFAULT_MAX_BYTES)
    server_url: str | None = attrs.field(default=None, converter=_optional_url)
    webhook_urls: frozenset[str] = attrs.field(default=frozenset(), converter=_urls)
    webhook_secret: str | None = secret()
    webhook_attempts: int = attrs.field(default=DEFAULT_WEBHOOK_ATTEMPTS)
    webhook_backoff: float = attrs.field(default=DEFAULT_WEBHOOK_BACKOFF)

    @page_size.validator
    def _check_page_size(self, _: attrs.Attribute[int], value: int) -> None:
        if not 1 <= value <= 1000:
            raise ValueError("page_size must be between 1 and 1000")

    @busy_timeout.validator
    def _check_busy_timeout(self, _: attrs.Attribute[float], value: float) -> None:
        if value < 0:
            raise ValueError("busy_timeout must be >= 0")

    @webhook_max_bytes.validator
    def _check_webhook_max_bytes(self, _: attrs.Attribute[int], value: int) -> None:
        if value < 1:
            raise ValueError("webhook_max_bytes must be >= 1")

    @webhook_attempts.validator
    def _check_attempts(self, _: attrs.Attribute[int], value: int) -> None:
        if not 1 <= value <= 50:
            raise ValueError("webhook_attempts must be between 1 and 50")

    @webhook_backoff.validator
    def _check_backoff(self, _: attrs.Attribute[float], value: float) -> None:
        if value < 0:
            raise ValueError("webhook_backoff must be >= 0")

    @property
    def folder(self) -> Path:
        """The folder in use: ``path`` expanded, or the per-user default."""
        return self.path.expanduser() if self.path is not None else default_path()
