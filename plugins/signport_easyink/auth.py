"""EasyInk authentication: OAuth 2.0 authorization code + PKCE (S256), a token store, an ``httpx.Auth``.

docs/vendors/easyink.md §2: a human logs in in a browser (authorize endpoint), the code comes back on the
redirect URI (by default EasyInk's own web app, so the user pastes it), and the code is
exchanged at the token endpoint with ``client_secret`` *and* ``code_verifier``. Token
lifetime is only known from the JWT ``exp`` (or ``expires_in``); refresh tokens are not
documented, so a ``refresh_token`` is used opportunistically (``grant_type=refresh_token``)
and without one an expired token is an ``AuthError`` asking for a new login.

authlib builds the PKCE challenge, the authorize URI and the token request bodies; the
token requests themselves are sans-I/O flows like every other provider operation.
Tokens never appear in a ``repr``, a log line, an error message or a cassette.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping

import httpx
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    prepare_token_request,
)

from signport import config
from signport import oauth as _oauth
from signport.errors import AuthError, SignportError
from signport.oauth import (
    LoginRequest,
    RenewingBearerAuth,
    Token,
    TokenStore,
    jwt_exp,
    start_pkce_login,
    token_request,
)
from signport.provider import Flow, json_body

from .errors import LOGIN_HINT
from .settings import PROVIDER, EasyInkSettings

__all__ = ["EasyInkAuth", "LoginRequest", "Token", "TokenStore", "code_from", "exchange_code", "jwt_exp",
           "login", "refresh_token", "start_login"]

# --- PKCE and the authorize step -------------------------------------------------------------------
def _require(settings: EasyInkSettings, name: str) -> str:
    value = getattr(settings, name)
    if not value:
        raise config.missing(PROVIDER, name, "needed to log in to EasyInk; ask your EasyInk administrator")
    return str(value)


def start_login(settings: EasyInkSettings) -> LoginRequest:
    """A fresh verifier, its S256 challenge and the authorize URL (§2 step 2)."""
    return start_pkce_login(settings.authorize_url, _require(settings, "client_id"), settings.callback,
                            settings.scope)


def code_from(answer: str, state: str | None = None) -> str:
    """The code from a pasted redirect URL (``...?code=...&state=...``) or a bare code."""
    try:
        return _oauth.code_from(answer, state, provider=PROVIDER)
    except AuthError as exc:
        if exc.message.startswith("login failed"):
            exc.message = "EasyInk " + exc.message
            exc.args = (exc.message,)
        raise


# --- token flows (sans-I/O) -----------------------------------------------------------------------
def _token_answer(response: httpx.Response, now: float, previous: Token | None, what: str) -> Token:
    if not response.is_success:
        code = description = None
        with contextlib.suppress(SignportError):
            body = json_body(response)
            if isinstance(body, Mapping):
                code, description = body.get("error"), body.get("error_description")
        # Only the OAuth error code/description: never the request (it carries the secrets).
        detail = ": ".join(str(p) for p in (code, description) if p) or f"HTTP {response.status_code}"
        raise AuthError(f"EasyInk {what} failed ({detail}); {LOGIN_HINT}", provider=PROVIDER,
                        status=response.status_code, code=str(code) if code else None)
    return Token.from_response(json_body(response), now, previous, provider=PROVIDER)


def exchange_code(settings: EasyInkSettings, code: str, verifier: str,
                  now: Callable[[], float] = time.time) -> Flow[Token]:
    """§2 step 3: code + ``code_verifier`` + client credentials -> token."""
    body = prepare_token_request("authorization_code", redirect_uri=settings.callback, code=code,
                                 client_id=_require(settings, "client_id"),
                                 client_secret=_require(settings, "client_secret"), code_verifier=verifier)
    response = yield token_request(settings.token_url, body)
    return _token_answer(response, now(), None, "login")


def refresh_token(settings: EasyInkSettings, token: Token,
                  now: Callable[[], float] = time.time) -> Flow[Token]:
    """``grant_type=refresh_token`` (not documented by EasyInk, §2: used only if a refresh token came back)."""
    if not token.refresh_token or not settings.client_id:
        raise AuthError(f"the EasyInk access token expired; {LOGIN_HINT}", provider=PROVIDER)
    body = prepare_token_request("refresh_token", refresh_token=token.refresh_token,
                                 client_id=settings.client_id, client_secret=settings.client_secret)
    response = yield token_request(settings.token_url, body)
    return _token_answer(response, now(), token, "token refresh")


def login(settings: EasyInkSettings, ask: Callable[[str], str], say: Callable[[str], None],
          transport: httpx.BaseTransport | None = None) -> Token:
    """Interactive login: print the authorize URL, read the redirect (or code), exchange, store (0600)."""
    _require(settings, "client_secret")
    return _oauth.interactive_login(start_login(settings),
                                    lambda code, verifier: exchange_code(settings, code, verifier),
                                    TokenStore(settings.store_path, PROVIDER), vendor="EasyInk",
                                    redirect=settings.callback, ask=ask, say=say, transport=transport,
                                    code_reader=code_from)


# --- the httpx.Auth ----------------------------------------------------------------------------------
class EasyInkAuth(RenewingBearerAuth):
    """Bearer auth that refreshes once (expiry or 401) when a refresh token exists."""

    def __init__(self, settings: EasyInkSettings, clock: Callable[[], float] = time.time) -> None:
        super().__init__(settings.token_leeway, clock)
        self._settings = settings
        self._from_store = not settings.access_token

    def __repr__(self) -> str:
        return f"<EasyInkAuth {self._settings.environment}>"

    def load(self) -> Token:
        """The token from the setting, else from the token store."""
        if self._settings.access_token:
            return Token.from_access_token(self._settings.access_token)
        stored = TokenStore(self._settings.store_path, PROVIDER).load()
        if stored is None:
            raise config.missing(PROVIDER, "access_token", "or log in once with `signport auth easyink`")
        return stored

    def refuse(self, token: Token) -> Exception:
        """Expired without a refresh token: log in again."""
        return AuthError(f"the EasyInk access token expired; {LOGIN_HINT}", provider=PROVIDER)

    def renew(self, token: Token) -> Flow[Token]:
        """``grant_type=refresh_token``."""
        return refresh_token(self._settings, token, self._clock)

    def stored(self, token: Token) -> None:
        """A login from the token store is written back there."""
        if self._from_store:
            TokenStore(self._settings.store_path, PROVIDER).save(token)
