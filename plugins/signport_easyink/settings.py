"""EasyInk settings: environments, hosts, OAuth client and where the token comes from.

Every value can come from ``connect("easyink", ...)``, ``SIGNPORT_EASYINK_<SETTING>`` or the
``[easyink]`` table of the configuration file (see ``signport.config``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from signport import config
from signport.oauth import token_file

PROVIDER = "easyink"

#: docs/vendors/easyink.md §1 (S2, S1): API host, identity host and the documented callback per environment.
ENVIRONMENTS: dict[str, dict[str, str]] = {
    "production": {
        "api": "https://api.easyink.io",
        "identity": "https://identity.easyink.io",
        "callback": "https://easyink.io",
    },
    "staging": {
        "api": "https://api-staging.easyink.io",
        "identity": "https://identity-staging.easyink.io",
        "callback": "https://staging.easyink.io",
    },
}

#: docs/vendors/easyink.md §2: the four documented scopes (``offline_access`` is not among them).
DEFAULT_SCOPE = "openid hermes_api hermes_idp profile"


def _environment(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in ENVIRONMENTS:
        raise ValueError(f"{attribute.name} must be one of {', '.join(sorted(ENVIRONMENTS))}")


def _positive(_: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be > 0")


def _page_size(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
    # docs/vendors/easyink.md §6.8 #29: pageSize is 1-100.
    if not 1 <= value <= 100:
        raise ValueError(f"{attribute.name} must be between 1 and 100")


@attrs.frozen
class EasyInkSettings:
    """Settings of the ``easyink`` provider.

    Give either ``access_token`` (a JWT obtained elsewhere) or log in once with
    ``signport auth easyink``, which keeps the token in ``token_store``
    (default: ``easyink-<environment>.json`` in the user config folder, mode 0600).
    """

    environment: str = attrs.field(default="staging", validator=_environment)
    base_url: str | None = None
    identity_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = config.secret()
    redirect_uri: str | None = None
    access_token: str | None = config.secret()
    token_store: Path | None = None
    scope: str = DEFAULT_SCOPE
    #: Seconds before the JWT ``exp`` at which the token counts as expired.
    token_leeway: float = 30.0
    #: First wait (seconds) when polling for document processing; doubles up to ``poll_max``.
    poll_interval: float = attrs.field(default=1.0, validator=_positive)
    poll_max: float = attrs.field(default=10.0, validator=_positive)
    #: Upper bound (seconds, summed waits) for document processing before giving up.
    processing_timeout: float = attrs.field(default=180.0, validator=_positive)
    page_size: int = attrs.field(default=100, validator=_page_size)

    @property
    def api_url(self) -> str:
        """The API host (no trailing slash); documented paths start with ``/api/``."""
        return (self.base_url or ENVIRONMENTS[self.environment]["api"]).rstrip("/")

    @property
    def identity_base(self) -> str:
        """The identity provider host (no trailing slash)."""
        return (self.identity_url or ENVIRONMENTS[self.environment]["identity"]).rstrip("/")

    @property
    def authorize_url(self) -> str:
        """docs/vendors/easyink.md §2 step 2."""
        return f"{self.identity_base}/connect/authorize"

    @property
    def token_url(self) -> str:
        """docs/vendors/easyink.md §2 step 3."""
        return f"{self.identity_base}/connect/token"

    @property
    def callback(self) -> str:
        """The redirect URI: configured, else the documented callback of the environment (§2)."""
        return self.redirect_uri or ENVIRONMENTS[self.environment]["callback"]

    @property
    def store_path(self) -> Path:
        """Where the token from ``signport auth easyink`` is kept."""
        return token_file(PROVIDER, self.environment, self.token_store)
