"""Settings of the ``local`` provider: where its store lives, and how it pages and waits."""

from __future__ import annotations

from pathlib import Path

import attrs
import platformdirs

from signport.webhooks import DEFAULT_MAX_BYTES

#: Page size of ``list`` when no setting says otherwise.
DEFAULT_PAGE_SIZE = 50
#: Seconds a writer waits for another process holding the store before giving up.
DEFAULT_BUSY_TIMEOUT = 30.0


def default_path() -> Path:
    """The per-user data folder used when ``path`` is not set: ``<user data dir>/signport/local``."""
    return platformdirs.user_data_path("signport", appauthor=False) / "local"


@attrs.frozen
class LocalSettings:
    """``path``: the store's folder (SQLite file + PDFs); ``page_size``: envelopes per listed page;
    ``busy_timeout``: seconds to wait for a concurrent writer; ``emulate``: another provider's name
    (``"iinked"``, ``"easyink"``) whose capabilities and input rules local takes on, so what that
    vendor would refuse is refused here too, with the same error; ``webhook_max_bytes``: the largest
    webhook body ``parse_webhook`` reads (default 1 MiB)."""

    path: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    emulate: str | None = None
    page_size: int = attrs.field(default=DEFAULT_PAGE_SIZE)
    busy_timeout: float = attrs.field(default=DEFAULT_BUSY_TIMEOUT)
    webhook_max_bytes: int = attrs.field(default=DEFAULT_MAX_BYTES)

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

    @property
    def folder(self) -> Path:
        """The folder in use: ``path`` expanded, or the per-user default."""
        return self.path.expanduser() if self.path is not None else default_path()
