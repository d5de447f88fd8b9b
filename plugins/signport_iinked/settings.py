"""iinked Sign settings: credentials, region presets, and the knobs the reference leaves open.

Reference: docs/vendors/iinked.md §1 (hosts), §2 (authentication), §5.1 (upload),
§5.10 (links), §7.3 (webhook verification).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any, Protocol

import attrs
import httpx

from signport import config
from signport.errors import ConfigError
from signport.webhooks import DEFAULT_MAX_BYTES, DEFAULT_TOLERANCE

PROVIDER = "iinked"

#: §1: one API base URL per region. The path stays /api/v1 although the docs say "v4" (§1, §12.15).
ENVIRONMENTS: Mapping[str, str] = {
    "sandbox": "https://sandbox.syngrafii.com/api/v1",
    "sandbox-eu": "https://sandbox.syngrafii.eu/api/v1",
    "production": "https://sign.syngrafii.com/api/v1",
    "production-ca": "https://sign.syngrafii.ca/api/v1",
    "production-eu": "https://sign.syngrafii.eu/api/v1",
}
DEFAULT_ENVIRONMENT = "sandbox"
#: §1: a private instance is https://<yourinstance>.syngrafii.com/api/v1.
INSTANCE_URL = "https://{host}/api/v1"
INSTANCE_DOMAIN = "syngrafii.com"

#: §2: the API key goes in a header named exactly ``api_key`` (lowercase, underscore).
API_KEY_HEADER = "api_key"


class WebhookVerifier(Protocol):
    """Checks an ``X-Syngrafii-Signature`` header (§7.3: the algorithm is not documented).

    Return True when ``signature`` matches ``body``; False (or raise) when it does not.
    ``headers`` has lower-cased names; ``secret`` is the ``webhook_secret`` setting.
    """

    def __call__(self, *, signature: str, body: bytes, headers: Mapping[str, str],
                 secret: str | None) -> bool: ...


@attrs.frozen
class IinkedSettings:
    """Settings for ``signport.connect("iinked", ...)`` (env ``SIGNPORT_IINKED_<NAME>``).

    * ``api_key`` or ``access_token`` (OAuth, sent as ``Authorization: Bearer``): exactly one.
    * ``environment``: sandbox (default, US), sandbox-eu, production (US), production-ca, production-eu.
    * ``instance``: a private instance, ``acme`` (``acme.syngrafii.com``) or a full host name.
    * ``base_url``: overrides both (tests point it at the fake).
    * ``generate_signer_links``: ask for signer links on create/update so ``Signer.signing_url`` is filled.
    * ``notify``: the ``notify`` flag sent with rescind (void).
    * ``upload_field``: the multipart form-field name of uploads; "" leaves ``name=`` out. §5.1 does not
      name it (its examples show none), so it is a setting rather than a guess.
    * ``page_size``: ``take`` for ``packages/list`` (the vendor's default and maximum are not documented, §5.7).
    * ``webhook_verifier``: a ``WebhookVerifier`` or ``"module:function"``; ``webhook_secret``: its secret.
    * ``webhook_max_bytes``: the largest webhook body ``parse_webhook`` reads (default 1 MiB).
    * ``webhook_tolerance``: seconds a verified delivery may be old (by its ``eventTime``) before it is
      refused as a replay (default 300).
    """

    api_key: str | None = config.secret()
    access_token: str | None = config.secret()
    environment: str = DEFAULT_ENVIRONMENT
    instance: str | None = None
    base_url: str | None = None
    generate_signer_links: bool = False
    notify: bool = True
    upload_field: str = "file"
    page_size: int = 50
    webhook_verifier: Any = attrs.field(default=None, repr=False)
    webhook_secret: str | None = config.secret()
    webhook_max_bytes: int = DEFAULT_MAX_BYTES
    webhook_tolerance: float = DEFAULT_TOLERANCE.total_seconds()

    def check(self) -> None:
        """Refuse values no request could use, naming the setting (never its value)."""
        if self.environment not in ENVIRONMENTS:
            raise ConfigError(f"{PROVIDER}: environment must be one of {', '.join(ENVIRONMENTS)} "
                              f"(or set instance / base_url)", provider=PROVIDER)
        if not 1 <= self.page_size <= 1000:
            raise ConfigError(f"{PROVIDER}: page_size must be between 1 and 1000", provider=PROVIDER)
        if self.webhook_max_bytes < 1:
            raise ConfigError(f"{PROVIDER}: webhook_max_bytes must be >= 1", provider=PROVIDER)
        if not self.webhook_tolerance > 0:
            raise ConfigError(f"{PROVIDER}: webhook_tolerance must be > 0 (seconds)", provider=PROVIDER)

    def resolved_base_url(self) -> str:
        """``base_url`` > ``instance`` > ``environment`` preset, without a trailing slash."""
        if self.base_url:
            return self.base_url.rstrip("/")
        if self.instance:
            host = self.instance.strip().removeprefix("https://").strip("/")
            if not host or "/" in host:
                raise ConfigError(f"{PROVIDER}: instance must be a name or a host name, got {self.instance!r}",
                                  provider=PROVIDER)
            if "." not in host:
                host = f"{host}.{INSTANCE_DOMAIN}"
            return INSTANCE_URL.format(host=host)
        return ENVIRONMENTS[self.environment]

    def make_auth(self) -> IinkedAuth:
        """The auth for every request (§2); a missing credential names ``SIGNPORT_IINKED_API_KEY``."""
        if self.api_key and self.access_token:
            raise ConfigError(f"{PROVIDER}: set either api_key or access_token, not both", provider=PROVIDER)
        if self.api_key:
            return IinkedAuth(API_KEY_HEADER, self.api_key)
        if self.access_token:
            return IinkedAuth("Authorization", f"Bearer {self.access_token}")
        raise config.missing(PROVIDER, "api_key",
                             f"or access_token / {config.env_var(PROVIDER, 'access_token')} for an OAuth app")


class IinkedAuth(httpx.Auth):
    """Adds one credential header to every request; the value never shows in a repr."""

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    @property
    def header(self) -> str:
        """The header name (``api_key`` or ``Authorization``)."""
        return self._header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Set the header and send."""
        request.headers[self._header] = self._value
        yield request

    def __repr__(self) -> str:
        return f"IinkedAuth(header={self._header!r}, value=<redacted>)"
