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

import asyncio
import base64
import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import httpx
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    prepare_grant_uri,
    prepare_token_request,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]

from signport import config
from signport.errors import AuthError, ConfigError, SignportError
from signport.provider import Flow, json_body

from .errors import LOGIN_HINT
from .settings import PROVIDER, EasyInkSettings

FORM = "application/x-www-form-urlencoded"
#: RFC 7636 §4.1: 43-128 characters of [A-Za-z0-9-._~].
VERIFIER_LENGTH = 64


# --- the token --------------------------------------------------------------------------------
@attrs.frozen(slots=True)
class Token:
    """An access token with what is known about its lifetime; secrets stay out of ``repr``."""

    access_token: str = attrs.field(repr=False)
    refresh_token: str | None = attrs.field(default=None, repr=False)
    expires_at: float | None = None
    token_type: str = "Bearer"  # noqa: S105 (a token type, not a secret)
    scope: str | None = None

    def expired(self, now: float, leeway: float = 0.0) -> bool:
        """True once ``now`` is within ``leeway`` seconds of the expiry (unknown expiry: never)."""
        return self.expires_at is not None and now >= self.expires_at - leeway

    def to_json(self) -> dict[str, Any]:
        """The stored form (written only to the 0600 token file)."""
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Token:
        """Read the stored form."""
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise ConfigError("the EasyInk token file holds no access token; "
                              "run `signport auth easyink` again", provider=PROVIDER)
        expires = data.get("expires_at")
        return cls(access_token=access, refresh_token=data.get("refresh_token") or None,
                   expires_at=float(expires) if isinstance(expires, int | float) else None,
                   token_type=str(data.get("token_type") or "Bearer"), scope=data.get("scope"))

    @classmethod
    def from_access_token(cls, access_token: str) -> Token:
        """A token given as a setting: its expiry comes from the JWT ``exp`` when it is a JWT."""
        return cls(access_token=access_token, expires_at=jwt_exp(access_token))

    @classmethod
    def from_response(cls, body: Any, now: float, previous: Token | None = None) -> Token:
        """A token endpoint answer (standard OAuth shape expected; not documented, §2)."""
        if not isinstance(body, Mapping) or not isinstance(body.get("access_token"), str):
            raise AuthError("the EasyInk token endpoint answered without an access token", provider=PROVIDER)
        access = body["access_token"]
        expires = jwt_exp(access)
        if expires is None and isinstance(body.get("expires_in"), int | float):
            expires = now + float(body["expires_in"])
        refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
        return cls(access_token=access, refresh_token=refresh, expires_at=expires,
                   token_type=str(body.get("token_type") or "Bearer"), scope=body.get("scope"))


def jwt_exp(token: str) -> float | None:
    """The ``exp`` claim of a JWT, read without verifying the signature.

    The client only needs to know *when* to refresh; the API verifies the token. authlib's
    JWT decoder insists on a key, so the payload segment is decoded with the stdlib.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    segment = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(segment))
    except (ValueError, UnicodeDecodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, Mapping) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


# --- the token store ----------------------------------------------------------------------------
class TokenStore:
    """The token file written by ``signport auth easyink``: JSON, mode 0600, replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    def load(self) -> Token | None:
        """The stored token, or ``None`` when there is no file."""
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(f"cannot read the EasyInk token file {self.path}: {exc.strerror}",
                              provider=PROVIDER) from None
        try:
            data = json.loads(text)
        except ValueError:
            raise ConfigError(f"the EasyInk token file {self.path} is damaged; run `signport auth easyink`",
                              provider=PROVIDER) from None
        if not isinstance(data, Mapping):
            raise ConfigError(f"the EasyInk token file {self.path} is damaged", provider=PROVIDER)
        return Token.from_json(data)

    def save(self, token: Token) -> None:
        """Write the token readable by the owner only (0600), through a temp file."""
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(token.to_json(), fh)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        os.chmod(self.path, 0o600)


# --- PKCE and the authorize step -------------------------------------------------------------------
@attrs.frozen(slots=True)
class LoginRequest:
    """What one login needs to remember between the authorize URL and the code exchange."""

    url: str
    state: str = attrs.field(repr=False)
    verifier: str = attrs.field(repr=False)


def _require(settings: EasyInkSettings, name: str) -> str:
    value = getattr(settings, name)
    if not value:
        raise config.missing(PROVIDER, name, "needed to log in to EasyInk; ask your EasyInk administrator")
    return str(value)


def start_login(settings: EasyInkSettings) -> LoginRequest:
    """A fresh verifier, its S256 challenge and the authorize URL (§2 step 2)."""
    client_id = _require(settings, "client_id")
    verifier = generate_token(VERIFIER_LENGTH)
    state = generate_token(24)
    url = prepare_grant_uri(settings.authorize_url, client_id, "code", redirect_uri=settings.callback,
                            scope=settings.scope, state=state,
                            code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256")
    return LoginRequest(url=str(url), state=state, verifier=verifier)


def code_from(answer: str, state: str | None = None) -> str:
    """The code from a pasted redirect URL (``...?code=...&state=...``) or a bare code."""
    text = answer.strip()
    if not text:
        raise AuthError("no authorization code was given", provider=PROVIDER)
    if "code=" not in text and "error=" not in text and "://" not in text:
        return text
    query = parse_qs(urlsplit(text).query or text.split("?", 1)[-1])
    if "error" in query:
        detail = (query.get("error_description") or query["error"])[0]
        raise AuthError(f"EasyInk login failed: {detail}", provider=PROVIDER)
    codes = query.get("code")
    if not codes or not codes[0]:
        raise AuthError("the pasted URL carries no code", provider=PROVIDER)
    returned = query.get("state")
    if state is not None and returned and returned[0] != state:
        raise AuthError("the pasted URL belongs to another login attempt (state mismatch); start again",
                        provider=PROVIDER)
    return codes[0]


# --- token flows (sans-I/O) -----------------------------------------------------------------------
def _token_request(settings: EasyInkSettings, body: str) -> httpx.Request:
    return httpx.Request("POST", settings.token_url, content=body.encode(),
                         headers={"Content-Type": FORM, "Accept": "application/json"})


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
    return Token.from_response(json_body(response), now, previous)


def exchange_code(settings: EasyInkSettings, code: str, verifier: str,
                  now: Callable[[], float] = time.time) -> Flow[Token]:
    """§2 step 3: code + ``code_verifier`` + client credentials -> token."""
    body = prepare_token_request("authorization_code", redirect_uri=settings.callback, code=code,
                                 client_id=_require(settings, "client_id"),
                                 client_secret=_require(settings, "client_secret"), code_verifier=verifier)
    response = yield _token_request(settings, body)
    return _token_answer(response, now(), None, "login")


def refresh_token(settings: EasyInkSettings, token: Token,
                  now: Callable[[], float] = time.time) -> Flow[Token]:
    """``grant_type=refresh_token`` (not documented by EasyInk, §2: used only if a refresh token came back)."""
    if not token.refresh_token or not settings.client_id:
        raise AuthError(f"the EasyInk access token expired; {LOGIN_HINT}", provider=PROVIDER)
    body = prepare_token_request("refresh_token", refresh_token=token.refresh_token,
                                 client_id=settings.client_id, client_secret=settings.client_secret)
    response = yield _token_request(settings, body)
    return _token_answer(response, now(), token, "token refresh")


def _drive(flow: Flow[Any], transport: httpx.BaseTransport | None) -> Any:
    """Run a token flow for ``login`` (which runs outside any client)."""
    with httpx.Client(transport=transport, timeout=30.0) as http:
        try:
            request = next(flow)
            while True:
                try:
                    response = http.send(request)
                except httpx.TransportError as exc:
                    raise AuthError(f"cannot reach the EasyInk identity provider ({type(exc).__name__})",
                                    provider=PROVIDER) from None
                request = flow.send(response)
        except StopIteration as stop:
            return stop.value


def login(settings: EasyInkSettings, ask: Callable[[str], str], say: Callable[[str], None],
          transport: httpx.BaseTransport | None = None) -> Token:
    """Interactive login: print the authorize URL, read the redirect (or code), exchange, store (0600)."""
    _require(settings, "client_secret")
    attempt = start_login(settings)
    say("Open this address in a browser and log in to EasyInk:")
    say(attempt.url)
    say(f"You will be sent to {settings.callback}; copy the whole address from the browser "
        "(or only its code= value) and paste it here.")
    code = code_from(ask("Redirected address or code"), attempt.state)
    token: Token = _drive(exchange_code(settings, code, attempt.verifier), transport)
    store = TokenStore(settings.store_path)
    store.save(token)
    say(f"Logged in; the token is stored in {store.path} (readable by you only).")
    if token.refresh_token is None:
        say("EasyInk gave no refresh token: run `signport auth easyink` again when the token expires.")
    return token


# --- the httpx.Auth ----------------------------------------------------------------------------------
class EasyInkAuth(httpx.Auth):
    """Bearer auth that refreshes once (expiry or 401) when a refresh token exists.

    Concurrent requests share one refresh: whoever takes the lock first refreshes, the
    others find a newer token once they get the lock and use it. The refresh request is
    yielded through the same HTTP client (so tests, transports and recordings see it).
    """

    def __init__(self, settings: EasyInkSettings, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._clock = clock
        self._token: Token | None = None
        self._from_store = not settings.access_token
        self._state_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._async_lock = asyncio.Lock()
        #: How many refreshes were made (for diagnostics and tests).
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"<EasyInkAuth {self._settings.environment}>"

    # -- token state --
    def current(self) -> Token:
        """The token in use, read from the setting or the token store on first use."""
        with self._state_lock:
            if self._token is None:
                if self._settings.access_token:
                    self._token = Token.from_access_token(self._settings.access_token)
                else:
                    stored = TokenStore(self._settings.store_path).load()
                    if stored is None:
                        raise config.missing(PROVIDER, "access_token",
                                             "or log in once with `signport auth easyink`")
                    self._token = stored
            return self._token

    def _expired(self, token: Token) -> bool:
        return token.expired(self._clock(), self._settings.token_leeway)

    def _fresh_since(self, stale: Token) -> Token | None:
        with self._state_lock:
            token = self._token
        if token is not None and token is not stale and not self._expired(token):
            return token
        return None

    def _store(self, token: Token) -> None:
        with self._state_lock:
            self._token = token
            self.refreshes += 1
        if self._from_store:
            TokenStore(self._settings.store_path).save(token)

    def _check_refreshable(self, token: Token) -> None:
        if not token.refresh_token:
            raise AuthError(f"the EasyInk access token expired; {LOGIN_HINT}", provider=PROVIDER)

    @staticmethod
    def _authorize(request: httpx.Request, token: Token) -> None:
        request.headers["Authorization"] = f"Bearer {token.access_token}"

    # -- sync --
    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the bearer token; refresh at most once: before an expired token or after a 401."""
        token = self.current()
        refresh = self._expired(token)
        for attempt in range(2):
            if refresh:
                with self._sync_lock:
                    fresh = self._fresh_since(token)
                    if fresh is None:
                        self._check_refreshable(token)
                        flow = refresh_token(self._settings, token, self._clock)
                        step = next(flow)
                        while True:
                            reply = yield step
                            reply.read()
                            try:
                                step = flow.send(reply)
                            except StopIteration as stop:
                                fresh = stop.value
                                break
                        assert fresh is not None
                        self._store(fresh)
                token = fresh
            self._authorize(request, token)
            response = yield request
            if attempt or refresh or response.status_code != 401 or not token.refresh_token:
                return
            refresh = True

    # -- async (the same steps; a generator cannot delegate to an async one) --
    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Attach the bearer token; refresh at most once: before an expired token or after a 401."""
        token = self.current()
        refresh = self._expired(token)
        for attempt in range(2):
            if refresh:
                async with self._async_lock:
                    fresh = self._fresh_since(token)
                    if fresh is None:
                        self._check_refreshable(token)
                        flow = refresh_token(self._settings, token, self._clock)
                        step = next(flow)
                        while True:
                            reply = yield step
                            await reply.aread()
                            try:
                                step = flow.send(reply)
                            except StopIteration as stop:
                                fresh = stop.value
                                break
                        assert fresh is not None
                        self._store(fresh)
                token = fresh
            self._authorize(request, token)
            response = yield request
            if attempt or refresh or response.status_code != 401 or not token.refresh_token:
                return
            refresh = True
