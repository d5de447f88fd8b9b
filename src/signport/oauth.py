"""OAuth pieces the vendor plugins share: the token, its 0600 store, the pasted redirect, and a
bearer ``httpx.Auth`` that renews its token once (before expiry or after a 401).

Vendors differ in how a token is obtained or renewed (refresh token, a fresh JWT assertion);
they subclass ``RenewingBearerAuth`` and give ``renew`` as a sans-I/O flow, so the renewal
request goes through the same HTTP client as everything else (tests, transports, recordings).
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

from .errors import AuthError, ConfigError
from .provider import Flow


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
    def from_json(cls, data: Mapping[str, Any], *, provider: str | None = None) -> Token:
        """Read the stored form."""
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise ConfigError(f"the {provider or 'signport'} token file holds no access token; "
                              f"run `signport auth {provider}` again", provider=provider)
        expires = data.get("expires_at")
        return cls(access_token=access, refresh_token=data.get("refresh_token") or None,
                   expires_at=float(expires) if isinstance(expires, int | float) else None,
                   token_type=str(data.get("token_type") or "Bearer"), scope=data.get("scope"))

    @classmethod
    def from_access_token(cls, access_token: str) -> Token:
        """A token given as a setting: its expiry comes from the JWT ``exp`` when it is a JWT."""
        return cls(access_token=access_token, expires_at=jwt_exp(access_token))

    @classmethod
    def from_response(cls, body: Any, now: float, previous: Token | None = None, *,
                      provider: str | None = None) -> Token:
        """A token endpoint answer in the standard OAuth shape (RFC 6749 §5.1)."""
        if not isinstance(body, Mapping) or not isinstance(body.get("access_token"), str):
            raise AuthError("the token endpoint answered without an access token", provider=provider)
        access = body["access_token"]
        expires = jwt_exp(access)
        lifetime = body.get("expires_in")
        if expires is None and isinstance(lifetime, str) and lifetime.strip().isdigit():
            lifetime = int(lifetime)
        if expires is None and isinstance(lifetime, int | float) and not isinstance(lifetime, bool):
            expires = now + float(lifetime)
        refresh = body.get("refresh_token") or (previous.refresh_token if previous else None)
        return cls(access_token=access, refresh_token=refresh, expires_at=expires,
                   token_type=str(body.get("token_type") or "Bearer"), scope=body.get("scope"))


def jwt_exp(token: str) -> float | None:
    """The ``exp`` claim of a JWT, read without verifying the signature.

    The client only needs to know *when* to renew; the API verifies the token. authlib's
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


class TokenStore:
    """The token file written by ``signport auth <provider>``: JSON, mode 0600, replaced atomically."""

    def __init__(self, path: Path, provider: str | None = None) -> None:
        self.path = Path(path)
        self.provider = provider

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    def _damaged(self) -> ConfigError:
        return ConfigError(f"the {self.provider or 'signport'} token file {self.path} is damaged; "
                           f"run `signport auth {self.provider}`", provider=self.provider)

    def load(self) -> Token | None:
        """The stored token, or ``None`` when there is no file."""
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(f"cannot read the {self.provider or 'signport'} token file {self.path}: "
                              f"{exc.strerror}", provider=self.provider) from None
        try:
            data = json.loads(text)
        except ValueError:
            raise self._damaged() from None
        if not isinstance(data, Mapping):
            raise self._damaged()
        return Token.from_json(data, provider=self.provider)

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


def code_from(answer: str, state: str | None = None, *, provider: str | None = None) -> str:
    """The code from a pasted redirect URL (``...?code=...&state=...``) or a bare code."""
    text = answer.strip()
    if not text:
        raise AuthError("no authorization code was given", provider=provider)
    if "code=" not in text and "error=" not in text and "://" not in text:
        return text
    query = parse_qs(urlsplit(text).query or text.split("?", 1)[-1])
    if "error" in query:
        detail = (query.get("error_description") or query["error"])[0]
        raise AuthError(f"login failed: {detail}", provider=provider)
    codes = query.get("code")
    if not codes or not codes[0]:
        raise AuthError("the pasted URL carries no code", provider=provider)
    returned = query.get("state")
    if state is not None and returned and returned[0] != state:
        raise AuthError("the pasted URL belongs to another login attempt (state mismatch); start again",
                        provider=provider)
    return codes[0]


def drive(flow: Flow[Any], transport: httpx.BaseTransport | None, *, provider: str | None = None) -> Any:
    """Run a token flow outside any client (``signport auth``), with a plain HTTP client."""
    with httpx.Client(transport=transport, timeout=30.0) as http:
        try:
            request = next(flow)
            while True:
                try:
                    response = http.send(request)
                except httpx.TransportError as exc:
                    raise AuthError(f"cannot reach the identity provider ({type(exc).__name__})",
                                    provider=provider) from None
                request = flow.send(response)
        except StopIteration as stop:
            return stop.value


FORM = "application/x-www-form-urlencoded"
#: RFC 7636 §4.1: 43-128 characters of [A-Za-z0-9-._~].
VERIFIER_LENGTH = 64


@attrs.frozen(slots=True)
class LoginRequest:
    """What one login needs to remember between the authorize URL and the code exchange."""

    url: str
    state: str = attrs.field(repr=False)
    verifier: str = attrs.field(repr=False)


def start_pkce_login(authorize_url: str, client_id: str, redirect_uri: str, scope: str) -> LoginRequest:
    """A fresh verifier, its S256 challenge (RFC 7636) and the authorize URL."""
    from authlib.common.security import generate_token  # type: ignore[import-untyped]
    from authlib.oauth2.rfc6749.parameters import prepare_grant_uri  # type: ignore[import-untyped]
    from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]

    verifier = generate_token(VERIFIER_LENGTH)
    state = generate_token(24)
    url = prepare_grant_uri(authorize_url, client_id, "code", redirect_uri=redirect_uri, scope=scope, state=state,
                            code_challenge=create_s256_code_challenge(verifier), code_challenge_method="S256")
    return LoginRequest(url=str(url), state=state, verifier=verifier)


def token_request(url: str, body: str, headers: Mapping[str, str] | None = None) -> httpx.Request:
    """A form-encoded POST to a token endpoint."""
    return httpx.Request("POST", url, content=body.encode(),
                         headers={"Content-Type": FORM, "Accept": "application/json", **(headers or {})})


def token_file(provider: str, environment: str, configured: Path | None) -> Path:
    """Where ``signport auth <provider>`` keeps its token: ``configured``, else the user config folder."""
    if configured is not None:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("signport")) / f"{provider}-{environment}.json"


def interactive_login(attempt: LoginRequest, exchange: Callable[[str, str], Flow[Token]], store: TokenStore, *,
                      vendor: str, redirect: str | None, ask: Callable[[str], str], say: Callable[[str], None],
                      transport: httpx.BaseTransport | None = None,
                      code_reader: Callable[[str, str], str] | None = None) -> Token:
    """``signport auth``: print the authorize URL, read the pasted redirect (or code), run ``exchange(code,
    verifier)``, store the token (0600). ``code_reader(answer, state)`` replaces ``code_from``."""
    provider = store.provider
    say(f"Open this address in a browser and log in to {vendor}:")
    say(attempt.url)
    say(f"You will be sent to {redirect}; copy the whole address from the browser "
        "(or only its code= value) and paste it here.")
    answer = ask("Redirected address or code")
    code = code_reader(answer, attempt.state) if code_reader else code_from(answer, attempt.state, provider=provider)
    token: Token = drive(exchange(code, attempt.verifier), transport, provider=provider)
    store.save(token)
    say(f"Logged in; the token is stored in {store.path} (readable by you only).")
    if token.refresh_token is None:
        say(f"{vendor} gave no refresh token: run `signport auth {provider}` again when the token expires.")
    return token


class RenewingBearerAuth(httpx.Auth):
    """Bearer auth that renews once (expiry or 401) when ``renewable`` says it can.

    Subclasses give ``load`` (the first token), ``renewable``/``refuse`` (whether a token can be
    renewed, the error when not) and ``renew`` (a flow that yields the token request). Concurrent
    requests share one renewal: whoever takes the lock first renews, the others find the newer
    token once they get the lock.
    """

    def __init__(self, leeway: float, clock: Callable[[], float] = time.time) -> None:
        self._leeway = leeway
        self._clock = clock
        self._token: Token | None = None
        self._state_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._async_lock = asyncio.Lock()
        #: How many renewals were made (for diagnostics and tests).
        self.refreshes = 0

    # -- what subclasses give --
    def load(self) -> Token:
        """The token to start with."""
        raise NotImplementedError

    def renewable(self, token: Token) -> bool:
        """True when ``renew`` can replace ``token``."""
        return bool(token.refresh_token)

    def refuse(self, token: Token) -> Exception:
        """The error when ``token`` expired and cannot be renewed."""
        return AuthError("the access token expired")

    def renew(self, token: Token) -> Flow[Token]:
        """A flow that obtains a new token."""
        raise NotImplementedError

    def stored(self, token: Token) -> None:
        """Called after a renewal (e.g. to write the token file)."""

    # -- token state --
    def current(self) -> Token:
        """The token in use, loaded on first use."""
        with self._state_lock:
            if self._token is None:
                self._token = self.load()
            return self._token

    def _expired(self, token: Token) -> bool:
        return token.expired(self._clock(), self._leeway)

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
        self.stored(token)

    def _check(self, token: Token) -> None:
        if not self.renewable(token):
            raise self.refuse(token)

    def authorize(self, request: httpx.Request, token: Token) -> None:
        """Put the token on ``request``."""
        request.headers["Authorization"] = f"Bearer {token.access_token}"

    def seen(self, response: httpx.Response) -> None:
        """Called with every API response (rate-limit bookkeeping, for example)."""

    # -- sync --
    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Attach the bearer token; renew at most once: before an expired token or after a 401."""
        token = self.current()
        renew = self._expired(token)
        for attempt in range(2):
            if renew:
                with self._sync_lock:
                    fresh = self._fresh_since(token)
                    if fresh is None:
                        self._check(token)
                        flow = self.renew(token)
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
            self.authorize(request, token)
            response = yield request
            self.seen(response)
            if attempt or renew or response.status_code != 401 or not self.renewable(token):
                return
            renew = True

    # -- async (the same steps; a generator cannot delegate to an async one) --
    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Attach the bearer token; renew at most once: before an expired token or after a 401."""
        token = self.current()
        renew = self._expired(token)
        for attempt in range(2):
            if renew:
                async with self._async_lock:
                    fresh = self._fresh_since(token)
                    if fresh is None:
                        self._check(token)
                        flow = self.renew(token)
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
            self.authorize(request, token)
            response = yield request
            self.seen(response)
            if attempt or renew or response.status_code != 401 or not self.renewable(token):
                return
            renew = True
