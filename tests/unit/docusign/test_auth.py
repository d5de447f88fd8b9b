"""DocuSign credentials on the fake: the JWT grant (minted, re-minted), consent, the PKCE login, refresh."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import signport
from signport.fakeserver import serve
from signport_docusign.auth import JWT_GRANT, jwt_assertion
from signport_docusign.fake import ACCOUNT_ID, USER_ID, FakeDocuSign, create_app
from signport_docusign.provider import DocuSignProvider
from signport_docusign.settings import DocuSignSettings

from ...samples import envelope

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
PUBLIC_PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
INTEGRATION_KEY = "unit-integration-key"
REDIRECT = "https://app.example.com/callback"


def served(**options: Any) -> Any:
    app = create_app(integration_key=INTEGRATION_KEY, public_key=PUBLIC_PEM, **options)
    return app, serve(app)


def test_jwt_grant_mints_then_remints_after_expiry(tmp_path: Path) -> None:
    app, server = served()
    fake: FakeDocuSign = app.state.fake
    key_file = tmp_path / "key.pem"
    key_file.write_text(PRIVATE_PEM)
    with server as url, signport.connect("docusign", integration_key=INTEGRATION_KEY, user_id=USER_ID,
                                         private_key=str(key_file), oauth_base_url=url) as client:
        sent = client.send(envelope(client.capabilities))
        assert fake.token_requests == [JWT_GRANT]
        assert fake.userinfo_calls == 1
        httpx.post(f"{url}/_control/expire-tokens").raise_for_status()
        assert client.get(sent.id).id == sent.id  # 401, a new assertion, the request again
        assert fake.token_requests == [JWT_GRANT, JWT_GRANT]


async def test_jwt_grant_async_with_pem_text() -> None:
    app, server = served()
    with server as url:
        async with signport.connect_async("docusign", integration_key=INTEGRATION_KEY, user_id=USER_ID,
                                          private_key=PRIVATE_PEM, oauth_base_url=url) as client:
            sent = await client.send(envelope(client.capabilities))
            assert (await client.get(sent.id)).id == sent.id
    assert app.state.fake.token_requests == [JWT_GRANT]


def test_assertion_claims() -> None:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    settings = DocuSignSettings(integration_key=INTEGRATION_KEY, user_id=USER_ID, private_key=PRIVATE_PEM)
    token = jwt.decode(jwt_assertion(settings, 1_000_000), RSAKey.import_key(PUBLIC_PEM), algorithms=["RS256"])
    assert token.header["alg"] == "RS256"
    claims = token.claims
    assert claims["iss"] == INTEGRATION_KEY
    assert claims["sub"] == USER_ID
    assert claims["aud"] == "account-d.docusign.com"  # the demo OAuth host, no scheme
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["scope"] == "signature impersonation"


def test_consent_required_is_explained() -> None:
    _app, server = served(consented=False)
    with (server as url,
          signport.connect("docusign", integration_key=INTEGRATION_KEY, user_id=USER_ID, private_key=PRIVATE_PEM,
                           oauth_base_url=url) as client,
          pytest.raises(signport.AuthError, match="consent") as info):
        client.get("00000000-0000-4000-8000-000000000000")
    assert info.value.code == "consent_required"
    assert PRIVATE_PEM not in str(info.value)


def test_a_bad_private_key_is_a_config_error_that_shows_nothing() -> None:
    with (signport.connect("docusign", integration_key=INTEGRATION_KEY, user_id=USER_ID,
                           private_key="not-a-key-and-not-a-file", oauth_base_url="http://127.0.0.1:9") as client,
          pytest.raises(signport.ConfigError) as info):
        client.get("00000000-0000-4000-8000-000000000000")
    assert "not-a-key" not in str(info.value)


def test_no_credentials_names_the_settings(tmp_path: Path) -> None:
    with (signport.connect("docusign", token_store=str(tmp_path / "none.json")) as client,
          pytest.raises(signport.ConfigError, match="SIGNPORT_DOCUSIGN_ACCESS_TOKEN")):
        client.get("00000000-0000-4000-8000-000000000000")


def test_secrets_stay_out_of_repr() -> None:
    settings = DocuSignSettings(access_token="tok-secret", private_key=PRIVATE_PEM, webhook_secrets="k-secret")
    text = repr(settings)
    assert "tok-secret" not in text
    assert "PRIVATE KEY" not in text
    assert "k-secret" not in text
    assert settings.webhook_secrets == frozenset({"k-secret"})


def _browser(url: str) -> str:
    """Follow the authorize URL like a browser and return where it lands (the pasted address)."""
    response = httpx.get(url, follow_redirects=False)
    assert response.status_code == 302
    return response.headers["location"]


def test_pkce_login_stores_the_token_and_refreshes(tmp_path: Path) -> None:
    app, server = served()
    fake: FakeDocuSign = app.state.fake
    store = tmp_path / "tokens" / "docusign.json"
    with server as url:
        settings = DocuSignSettings(integration_key=INTEGRATION_KEY, redirect_uri=REDIRECT, oauth_base_url=url,
                                    token_store=store)
        said: list[str] = []
        DocuSignProvider.login(settings, lambda prompt: _browser(next(s for s in said if "/oauth/auth" in s)),
                               said.append)
        query = parse_qs(urlsplit(next(s for s in said if "/oauth/auth" in s)).query)
        assert query["code_challenge_method"] == ["S256"]
        assert query["client_id"] == [INTEGRATION_KEY]
        assert query["redirect_uri"] == [REDIRECT]
        assert stat.S_IMODE(store.stat().st_mode) == 0o600
        assert fake.token_requests == ["authorization_code"]
        with signport.connect("docusign", integration_key=INTEGRATION_KEY, oauth_base_url=url,
                              token_store=str(store), account_id=ACCOUNT_ID, base_uri=url) as client:
            sent = client.send(envelope(client.capabilities))
            httpx.post(f"{url}/_control/expire-tokens").raise_for_status()
            assert client.get(sent.id).id == sent.id
        assert fake.token_requests == ["authorization_code", "refresh_token"]
        before = store.read_text()
        assert "fake-refresh-" in before  # the new refresh token was written back


def test_login_needs_a_redirect_uri() -> None:
    with pytest.raises(signport.ConfigError, match="SIGNPORT_DOCUSIGN_REDIRECT_URI"):
        DocuSignProvider.login(DocuSignSettings(integration_key=INTEGRATION_KEY), lambda p: "", lambda t: None)


def test_a_pasted_redirect_from_another_attempt_is_refused(tmp_path: Path) -> None:
    settings = DocuSignSettings(integration_key=INTEGRATION_KEY, redirect_uri=REDIRECT,
                                oauth_base_url="http://127.0.0.1:9", token_store=tmp_path / "t.json")
    with pytest.raises(signport.AuthError, match="state mismatch"):
        DocuSignProvider.login(settings, lambda p: f"{REDIRECT}?code=abc&state=other", lambda t: None)


def test_cli_auth_docusign_with_the_redirect_pasted_on_stdin(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    _app, server = served()
    store = tmp_path / "cli-token.json"
    with server as url:
        env = {**os.environ, "SIGNPORT_DOCUSIGN_OAUTH_BASE_URL": url,
               "SIGNPORT_DOCUSIGN_INTEGRATION_KEY": INTEGRATION_KEY, "SIGNPORT_DOCUSIGN_REDIRECT_URI": REDIRECT,
               "SIGNPORT_DOCUSIGN_TOKEN_STORE": str(store)}
        proc = subprocess.Popen([sys.executable, "-c", "from signport.cli import main; main()", "auth", "docusign"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=tmp_path, env=env)
        assert proc.stdout is not None
        line = ""
        while "/oauth/auth" not in line:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "no output"
        landed = _browser(line.strip())
        out, err = proc.communicate(landed + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert "Logged in" in out
    token = json.loads(store.read_text())
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert token["access_token"] not in out + err
    assert token["refresh_token"] not in out + err
