"""Login (authorization code + PKCE), the 0600 token store, and one refresh for concurrent requests."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import signport
from signport_easyink.auth import Token, TokenStore, code_from, jwt_exp, start_login
from signport_easyink.fake import FakeEasyInk
from signport_easyink.provider import EasyInkProvider
from signport_easyink.settings import EasyInkSettings

from .conftest import FAST

CLIENT = {"client_id": "signport-test", "client_secret": "test-secret"}


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


def browser(url: str) -> str:
    """What the user's browser ends on: the authorize redirect's Location (the fake logs in at once)."""
    response = httpx.get(url, follow_redirects=False)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def login_settings(fake_url: str, tmp_path: Path, **extra: Any) -> EasyInkSettings:
    return EasyInkSettings(base_url=fake_url, identity_url=fake_url, token_store=tmp_path / "store" / "tok.json",
                           **CLIENT, **FAST, **extra)


def log_in(fake_url: str, tmp_path: Path) -> tuple[EasyInkSettings, list[str]]:
    settings = login_settings(fake_url, tmp_path)
    said: list[str] = []
    EasyInkProvider.login(settings, lambda prompt: browser(next(s for s in said if "/connect/authorize" in s)),
                          said.append)
    return settings, said


def test_authorize_url_carries_pkce_s256() -> None:
    settings = EasyInkSettings(**CLIENT)
    attempt = start_login(settings)
    query = parse_qs(urlsplit(attempt.url).query)
    assert attempt.url.startswith("https://identity-staging.easyink.io/connect/authorize?")
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["signport-test"]
    assert query["redirect_uri"] == ["https://staging.easyink.io"]
    assert query["scope"] == ["openid hermes_api hermes_idp profile"]
    assert query["code_challenge_method"] == ["S256"]
    from authlib.oauth2.rfc7636.challenge import create_s256_code_challenge

    assert query["code_challenge"] == [create_s256_code_challenge(attempt.verifier)]
    assert 43 <= len(attempt.verifier) <= 128
    assert attempt.verifier not in repr(attempt)
    prod = EasyInkSettings(environment="production", **CLIENT)
    assert prod.authorize_url == "https://identity.easyink.io/connect/authorize"
    assert prod.token_url == "https://identity.easyink.io/connect/token"
    assert prod.callback == "https://easyink.io"
    assert prod.api_url == "https://api.easyink.io"


def test_pasted_code_or_url() -> None:
    assert code_from("  abc123 ") == "abc123"
    assert code_from("https://easyink.io/?code=xyz&state=s1", "s1") == "xyz"
    with pytest.raises(signport.AuthError, match="state mismatch"):
        code_from("https://easyink.io/?code=xyz&state=other", "s1")
    with pytest.raises(signport.AuthError, match="access_denied"):
        code_from("https://easyink.io/?error=access_denied")
    with pytest.raises(signport.AuthError):
        code_from("")


def test_login_needs_client_credentials(tmp_path: Path) -> None:
    with pytest.raises(signport.ConfigError, match="SIGNPORT_EASYINK_CLIENT_SECRET"):
        EasyInkProvider.login(EasyInkSettings(client_id="x"), lambda p: "", lambda t: None)


def test_login_exchanges_the_code_and_stores_the_token_0600(fake_url: str, fake: FakeEasyInk,
                                                            tmp_path: Path) -> None:
    settings, said = log_in(fake_url, tmp_path)
    path = settings.store_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored["refresh_token"]
    assert jwt_exp(stored["access_token"]) == stored["expires_at"]
    assert fake.token_requests == ["authorization_code"]
    assert not any(stored["access_token"] in line or stored["refresh_token"] in line for line in said)
    with signport.connect("easyink", base_url=fake_url, identity_url=fake_url, token_store=str(path)) as c:
        assert list(c.list()) == []


def test_wrong_secret_is_an_auth_error_without_secrets(fake_url: str, tmp_path: Path) -> None:
    settings = login_settings(fake_url, tmp_path, redirect_uri="http://localhost/cb")
    settings = EasyInkSettings(**{**{a: getattr(settings, a) for a in ("base_url", "identity_url", "token_store",
                                                                        "redirect_uri", "client_id")},
                                  "client_secret": "wrong-secret"})
    said: list[str] = []
    with pytest.raises(signport.AuthError) as info:
        EasyInkProvider.login(settings, lambda p: browser(said[1]), said.append)
    assert "invalid_client" in str(info.value)
    assert "wrong-secret" not in str(info.value)
    assert not settings.store_path.exists()


def test_cli_auth_completes_with_the_code_pasted_on_stdin(fake_url: str, tmp_path: Path) -> None:
    store = tmp_path / "cli-token.json"
    env = {**os.environ, "SIGNPORT_EASYINK_BASE_URL": fake_url, "SIGNPORT_EASYINK_IDENTITY_URL": fake_url,
           "SIGNPORT_EASYINK_CLIENT_ID": "signport-test", "SIGNPORT_EASYINK_CLIENT_SECRET": "test-secret",
           "SIGNPORT_EASYINK_TOKEN_STORE": str(store)}
    proc = subprocess.Popen([sys.executable, "-c", "from signport.cli import main; main()", "auth", "easyink"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path, env=env)
    assert proc.stdout is not None
    url = ""
    while "/connect/authorize" not in url:
        url = proc.stdout.readline()
        assert url, proc.stderr.read() if proc.stderr else "no output"
    code = parse_qs(urlsplit(browser(url.strip())).query)["code"][0]
    out, err = proc.communicate(code + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert "Logged in" in out
    token = json.loads(store.read_text())
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert token["access_token"] not in out + err
    assert "test-secret" not in out + err


def test_concurrent_401s_share_one_refresh(fake_url: str, fake: FakeEasyInk, control: httpx.Client,
                                           tmp_path: Path) -> None:
    settings, _ = log_in(fake_url, tmp_path)
    before = json.loads(settings.store_path.read_text())
    with signport.connect("easyink", base_url=fake_url, identity_url=fake_url, token_store=str(settings.store_path),
                          **CLIENT) as c:
        assert list(c.list()) == []
        control.post("/_control/revoke").raise_for_status()
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: list(c.list()), range(8)))
        assert results == [[]] * 8
    assert fake.token_requests == ["authorization_code", "refresh_token"]
    after = json.loads(settings.store_path.read_text())
    assert after["access_token"] != before["access_token"]
    assert stat.S_IMODE(settings.store_path.stat().st_mode) == 0o600


async def test_concurrent_expired_async_requests_share_one_refresh(fake_url: str, fake: FakeEasyInk,
                                                                   tmp_path: Path) -> None:
    settings, _ = log_in(fake_url, tmp_path)
    stored = json.loads(settings.store_path.read_text())
    TokenStore(settings.store_path).save(Token.from_json({**stored, "expires_at": time.time() - 10}))
    async with signport.connect_async("easyink", base_url=fake_url, identity_url=fake_url,
                                      token_store=str(settings.store_path), **CLIENT) as c:
        async def listing() -> list[Any]:
            return [e async for e in c.list()]
        assert await asyncio.gather(*(listing() for _ in range(8))) == [[]] * 8
    assert fake.token_requests == ["authorization_code", "refresh_token"]


def test_expired_token_without_refresh_asks_for_login(fake_url: str, fake: FakeEasyInk) -> None:
    expired = jwt({"exp": int(time.time()) - 60})
    with (signport.connect("easyink", base_url=fake_url, identity_url=fake_url, access_token=expired) as c,
          pytest.raises(signport.AuthError, match="signport auth easyink") as info):
        c.get("3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert expired not in str(info.value)
    assert fake.api_requests == []


def test_rejected_token_without_refresh_is_an_auth_error(client: signport.Client,
                                                        control: httpx.Client) -> None:
    control.post("/_control/revoke").raise_for_status()
    with pytest.raises(signport.AuthError, match="signport auth easyink"):
        client.get("3fa85f64-5717-4562-b3fc-2c963f66afa6")


def test_no_token_at_all_names_the_setting(fake_url: str, tmp_path: Path) -> None:
    with (signport.connect("easyink", base_url=fake_url, token_store=str(tmp_path / "none.json")) as c,
          pytest.raises(signport.ConfigError, match="SIGNPORT_EASYINK_ACCESS_TOKEN")):
        c.get("3fa85f64-5717-4562-b3fc-2c963f66afa6")


def test_tokens_stay_out_of_reprs() -> None:
    token = Token(access_token="secret-access", refresh_token="secret-refresh", expires_at=1.0)
    assert "secret" not in repr(token)
    assert jwt_exp(jwt({"exp": 1700000000})) == 1700000000.0
    assert jwt_exp("opaque-token") is None
    assert Token.from_access_token(jwt({"exp": 5})).expired(now=10)
