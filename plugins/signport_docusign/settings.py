"""DocuSign settings: environments, OAuth hosts, credentials and the knobs the reference leaves open.

Every value can come from ``connect("docusign", ...)``, ``SIGNPORT_DOCUSIGN_<SETTING>`` or the
``[docusign]`` table of the configuration file (see ``signport.config``). Section numbers refer to
``docs/vendors/docusign.md``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from signport import config
from signport.errors import ConfigError
from signport.oauth import token_file
from signport.webhooks import DEFAULT_MAX_BYTES
from signport.wire import parse_timestamp

PROVIDER = "docusign"

#: docs/vendors/docusign.md §1: the OAuth (account) host per environment.
OAUTH_HOSTS: dict[str, str] = {
    "demo": "account-d.docusign.com",
    "production": "account.docusign.com",
}

#: §2.1: the scopes signport asks for. ``impersonation`` is needed by the JWT grant only.
SCOPE = "signature"
JWT_SCOPE = "signature impersonation"

#: §10: DocuSign asks to poll one envelope at most once every 15 minutes and recommends 20.
POLL_RULE_SECONDS = 15 * 60
DEFAULT_POLL_SECONDS = 20 * 60

#: The default look-back window of ``list`` when ``list_since`` is not set (§5.3: ``from_date``
#: is required; the window is signport's choice, not the vendor's).
DEFAULT_LIST_DAYS = 30


def _environment(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in OAUTH_HOSTS:
        raise ValueError(f"{attribute.name} must be one of {', '.join(sorted(OAUTH_HOSTS))}")


def _page_size(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
    # §5.3: the vendor's default and maximum ``count`` are not documented; 1-1000 is signport's bound.
    if not 1 <= value <= 1000:
        raise ValueError(f"{attribute.name} must be between 1 and 1000")


def _secrets(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(str(v).strip() for v in value if str(v).strip())


@attrs.frozen
class DocuSignSettings:
    """Settings of the ``docusign`` provider (env ``SIGNPORT_DOCUSIGN_<NAME>``).

    Credentials, one of:

    * ``access_token``: a ready bearer token (no OAuth round trip); with ``account_id`` and ``base_uri``
      also set, no userinfo call is made either.
    * ``integration_key`` + ``user_id`` + ``private_key`` (PEM text or a path to it): the JWT grant,
      re-minted before expiry (§2.4).
    * a login stored by ``signport auth docusign`` (authorization code + PKCE, §2.3), refreshed when a
      refresh token came with it.

    ``account_id`` and ``base_uri`` (the account's REST base, e.g. ``https://demo.docusign.net/restapi``)
    override what ``/oauth/userinfo`` says (§2.6). ``list_since`` is the ``from_date`` of ``list``: a
    number of days back (default 30) or an ISO 8601 date. ``webhook_secrets``: one or more Connect HMAC
    keys, comma-separated in the environment (§8.3). ``return_url``: where a signer lands after embedded
    signing (§5.10). ``embedded_signers``: create every signer as an embedded signer (``clientUserId``),
    which ``signing_url`` needs (§5.10); per envelope, ``extras={"embedded_signers": [...]}``.
    ``poll_interval``: the default ``wait`` poll, 20 minutes (§10); a shorter ``poll`` warns.
    ``oauth_base_url`` replaces the OAuth host (tests point it at the fake).
    """

    environment: str = attrs.field(default="demo", validator=_environment)
    integration_key: str | None = None
    user_id: str | None = None
    private_key: str | None = config.secret()
    access_token: str | None = config.secret()
    account_id: str | None = None
    base_uri: str | None = None
    list_since: str | None = None
    webhook_secrets: frozenset[str] = attrs.field(factory=frozenset, converter=_secrets, repr=False,
                                                  metadata={"secret": True})
    return_url: str | None = None
    embedded_signers: bool = False
    oauth_base_url: str | None = None
    redirect_uri: str | None = None
    token_store: Path | None = None
    #: Seconds before a token's expiry at which a new one is fetched.
    token_leeway: float = 60.0
    #: Lifetime asked for a JWT assertion (§2.4: ``exp`` = ``iat`` + lifetime).
    jwt_lifetime: int = 3600
    #: The largest Connect message ``parse_webhook`` reads (messages carrying documents need more).
    webhook_max_bytes: int = DEFAULT_MAX_BYTES
    #: Seconds a verified message may be old (``generatedDateTime``); ``None``: no check, since Connect
    #: retries for a long time and whether a retry keeps its first time is not documented (§8.4).
    webhook_tolerance: float | None = None
    poll_interval: float = float(DEFAULT_POLL_SECONDS)
    page_size: int = attrs.field(default=100, validator=_page_size)

    @property
    def oauth_host(self) -> str:
        """The OAuth host name without scheme: the JWT ``aud`` (§2.4)."""
        if self.oauth_base_url:
            return self.oauth_base_url.split("://", 1)[-1].rstrip("/")
        return OAUTH_HOSTS[self.environment]

    @property
    def oauth_base(self) -> str:
        """``https://account[-d].docusign.com`` (or the override), no trailing slash."""
        return (self.oauth_base_url or f"https://{OAUTH_HOSTS[self.environment]}").rstrip("/")

    @property
    def rest_base(self) -> str | None:
        """The configured REST base (``.../restapi``), or ``None`` when userinfo must say."""
        if not self.base_uri:
            return None
        base = self.base_uri.rstrip("/")
        # §2.6: userinfo's base_uri is the host; the REST base is base_uri + "/restapi". Accept both forms.
        return base if base.endswith("/restapi") else base + "/restapi"

    @property
    def jwt_configured(self) -> bool:
        """True when the JWT grant can be used."""
        return bool(self.integration_key and self.user_id and self.private_key)

    def private_key_pem(self) -> str:
        """The RSA key as PEM text: the setting itself, or the file it names."""
        value = (self.private_key or "").strip()
        if not value:
            raise config.missing(PROVIDER, "private_key", "PEM text or the path of a PEM file")
        if value.startswith("-----BEGIN"):
            return value
        path = Path(value).expanduser()
        try:
            return path.read_text("utf-8")
        except OSError as exc:
            # The value may be a mangled key rather than a path: never echo it.
            raise ConfigError(f"{PROVIDER}: private_key is neither PEM text nor a readable file "
                              f"({exc.strerror or type(exc).__name__})", provider=PROVIDER) from None

    def since(self, now: datetime | None = None) -> datetime:
        """The ``from_date`` of ``list``: ``list_since`` days back, or that date (§5.3)."""
        now = now or datetime.now(UTC)
        text = (self.list_since or "").strip()
        if not text:
            return now - timedelta(days=DEFAULT_LIST_DAYS)
        if text.isdigit():
            return now - timedelta(days=int(text))
        stamp = parse_timestamp(text)
        if stamp is None:
            raise ConfigError(f"{PROVIDER}: list_since must be a number of days or an ISO 8601 date",
                              provider=PROVIDER)
        return stamp

    @property
    def store_path(self) -> Path:
        """Where ``signport auth docusign`` keeps its token."""
        return token_file(PROVIDER, self.environment, self.token_store)
