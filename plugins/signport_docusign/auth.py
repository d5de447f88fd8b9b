"""DocuSign authentication: a ready token, the JWT grant, or a login (authorization code + PKCE).

docs/vendors/docusign.md §2. The token is renewed once before its expiry or after a 401:
by minting a new JWT assertion (the JWT grant gives no refresh token, §2.4), or with the
refresh token of a stored login (§2.2). Account and REST base come from ``/oauth/userinfo``
(§2.6) unless ``account_id`` and ``base_uri`` are set. Every response's rate-limit headers
are recorded (§10, see ``limits.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import httpx
from authlib.oauth2.rfc6749.parameters import prepare_token_request  # type: ignore[import-untyped]

from signport import config
from signport import oauth as _oauth
from signport.errors import AuthError, ConfigError
from signport.oauth import LoginRequest, RenewingBearerAuth, Token, TokenStore, start_pkce_login, token_request
from signport.provider import Flow, json_body

from .errors import oauth_error
from .limits import RateLimits
from .routes import AUTHORIZE_PATH, TOKEN_PATH, USERINFO_PATH
from .settings import JWT_SCOPE, PROVIDER, SCOPE, DocuSignSettings

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LOGIN_HINT = ("set access_token, configure the JWT grant (integration_key, user_id, private_key), "
              "or run `signport auth docusign`")


# --- the JWT grant (§2.4) ----------------------------------------------------------------------------
def jwt_assertion(settings: DocuSignSettings, now: float) -> str:
    """An RS256 assertion: ``iss`` integration key, ``sub`` user id, ``aud`` the OAuth host without scheme."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import RSAKey

    claims = {"iss": settings.integration_key, "sub": settings.user_id, "aud": settings.oauth_host,
              "iat": int(now), "exp": int(now) + settings.jwt_lifetime, "scope": JWT_SCOPE}
    pem = settings.private_key_pem()
    try:
        return jwt.encode({"alg": "RS256", "typ": "JWT"}, claims, RSAKey.import_key(pem))
    except (JoseError, ValueError, TypeError) as exc:
        raise ConfigError(f"{PROVIDER}: private_key is not a usable RSA private key ({type(exc).__name__})",
                          provider=PROVIDER) from None


def jwt_grant(settings: DocuSignSettings, now: Callable[[], float] = time.time) -> Flow[Token]:
    """§2.4: ``POST /oauth/token`` with the assertion; no refresh token comes back."""
    moment = now()
    body = prepare_token_request(JWT_GRANT, assertion=jwt_assertion(settings, moment))
    response = yield token_request(settings.oauth_base + TOKEN_PATH, body)
    return _token_answer(response, moment, None, "JWT grant")


def _token_answer(response: httpx.Response, now: float, previous: Token | None, what: str) -> Token:
    if not response.is_success:
        raise oauth_error(response, what)
    return Token.from_response(json_body(response), now, previous, provider=PROVIDER)


# --- authorization code + PKCE (§2.3) -------------------------------------------------------------------
def _require(settings: DocuSignSettings, name: str, hint: str) -> str:
    value = getattr(settings, name)
    if not value:
        raise config.missing(PROVIDER, name, hint)
    return str(value)


def start_login(settings: DocuSignSettings) -> LoginRequest:
    """The authorize URL with an S256 challenge (§2.3: RFC 7636 names, as DocuSign's pages are cut there)."""
    client_id = _require(settings, "integration_key", "the integration key of a public (PKCE) app")
    redirect = _require(settings, "redirect_uri", "a redirect URI registered on the integration key")
    return start_pkce_login(settings.oauth_base + AUTHORIZE_PATH, client_id, redirect, SCOPE)


def exchange_code(settings: DocuSignSettings, code: str, verifier: str,
                  now: Callable[[], float] = time.time) -> Flow[Token]:
    """Code + ``code_verifier`` -> token. A public client sends no secret (§2.3)."""
    body = prepare_token_request("authorization_code", code=code, code_verifier=verifier,
                                 client_id=settings.integration_key, redirect_uri=settings.redirect_uri)
    moment = now()
    response = yield token_request(settings.oauth_base + TOKEN_PATH, body)
    return _token_answer(response, moment, None, "login")


def refresh(settings: DocuSignSettings, token: Token, now: Callable[[], float] = time.time) -> Flow[Token]:
    """§2.2: the refresh token buys a new access token and a new refresh token. The form parameters are
    past the readable part of DocuSign's page (§2.2); the RFC 6749 §6 names are used."""
    body = prepare_token_request("refresh_token", refresh_token=token.refresh_token,
                                 client_id=settings.integration_key)
    moment = now()
    response = yield token_request(settings.oauth_base + TOKEN_PATH, body)
    return _token_answer(response, moment, token, "token refresh")


def login(settings: DocuSignSettings, ask: Callable[[str], str], say: Callable[[str], None],
          transport: httpx.BaseTransport | None = None) -> Token:
    """``signport auth docusign``: print the authorize URL, read the redirect, exchange, store (0600)."""
    return _oauth.interactive_login(start_login(settings),
                                    lambda code, verifier: exchange_code(settings, code, verifier),
                                    TokenStore(settings.store_path, PROVIDER), vendor="DocuSign",
                                    redirect=settings.redirect_uri, ask=ask, say=say, transport=transport)


# --- account discovery (§2.6) ------------------------------------------------------------------------------
@attrs.frozen(slots=True)
class Account:
    """The account requests go to and its REST base (``.../restapi``)."""

    account_id: str
    rest_base: str


def userinfo_request(settings: DocuSignSettings) -> httpx.Request:
    """§2.6: ``GET /oauth/userinfo`` with the bearer token."""
    return httpx.Request("GET", settings.oauth_base + USERINFO_PATH)


def pick_account(settings: DocuSignSettings, body: Any) -> Account:
    """The configured account (``account_id``), else the default one; ``base_uri`` overrides the base."""
    accounts = [a for a in body.get("accounts") or () if isinstance(a, Mapping)] if isinstance(body, Mapping) else []
    wanted = settings.account_id
    chosen: Mapping[str, Any] | None = None
    for account in accounts:
        # is_default: a JSON boolean in the docs' example, a string in the SDK (§2.6).
        default = str(account.get("is_default")).lower() == "true"
        if (wanted and str(account.get("account_id")) == wanted) or (not wanted and default):
            chosen = account
        if chosen is not None:
            break
    if chosen is None and not wanted and len(accounts) == 1:
        chosen = accounts[0]
    if chosen is None:
        detail = f"no account {wanted}" if wanted else "no default account"
        raise ConfigError(f"{PROVIDER}: the user has {detail}; set account_id", provider=PROVIDER)
    rest = settings.rest_base
    if rest is None:
        base = str(chosen.get("base_uri") or "").rstrip("/")
        if not base.startswith(("https://", "http://")):
            raise AuthError("DocuSign userinfo gave no base_uri for the account", provider=PROVIDER)
        rest = base + "/restapi"
    return Account(str(chosen.get("account_id")), rest)


# --- the httpx.Auth -------------------------------------------------------------------------------------------
class DocuSignAuth(RenewingBearerAuth):
    """Bearer auth: the ``access_token`` setting, a JWT-grant token, or the stored login."""

    def __init__(self, settings: DocuSignSettings, limits: RateLimits | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(settings.token_leeway, clock)
        self._settings = settings
        self._from_store = not settings.access_token and not settings.jwt_configured
        self.limits = limits or RateLimits(clock)

    def __repr__(self) -> str:
        return f"<DocuSignAuth {self._settings.environment}>"

    def load(self) -> Token:
        """The setting's token; for the JWT grant an expired placeholder (the first request mints one)."""
        if self._settings.access_token:
            return Token.from_access_token(self._settings.access_token)
        if self._settings.jwt_configured:
            return Token(access_token="", expires_at=0.0)
        stored = TokenStore(self._settings.store_path, PROVIDER).load()
        if stored is None:
            raise config.missing(PROVIDER, "access_token", LOGIN_HINT)
        return stored

    def renewable(self, token: Token) -> bool:
        """The JWT grant can always mint again; a login needs its refresh token."""
        return self._settings.jwt_configured or bool(token.refresh_token and self._settings.integration_key)

    def refuse(self, token: Token) -> Exception:
        """Expired and not renewable."""
        return AuthError(f"the DocuSign access token expired or was refused; {LOGIN_HINT}", provider=PROVIDER)

    def renew(self, token: Token) -> Flow[Token]:
        """A new JWT-grant token, else a refresh."""
        if self._settings.jwt_configured:
            return jwt_grant(self._settings, self._clock)
        return refresh(self._settings, token, self._clock)

    def stored(self, token: Token) -> None:
        """A login from the token store is written back there."""
        if self._from_store:
            TokenStore(self._settings.store_path, PROVIDER).save(token)

    def authorize(self, request: httpx.Request, token: Token) -> None:
        """Bearer token, after the rate-limit check (§10) refuses or delays a request."""
        self.limits.before(request)
        super().authorize(request, token)

    def seen(self, response: httpx.Response) -> None:
        """Record the rate-limit headers (§10)."""
        self.limits.seen(response)
