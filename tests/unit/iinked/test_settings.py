"""Settings: credentials, region presets, base URL resolution, secrets kept out of every repr."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import signport
from signport.config import ConfigFile, resolve_settings
from signport.errors import ConfigError
from signport_iinked.provider import IinkedProvider
from signport_iinked.settings import ENVIRONMENTS, IinkedAuth, IinkedSettings

from .conftest import API_KEY


@pytest.mark.parametrize(("environment", "url"), [
    ("sandbox", "https://sandbox.syngrafii.com/api/v1"),
    ("sandbox-eu", "https://sandbox.syngrafii.eu/api/v1"),
    ("production", "https://sign.syngrafii.com/api/v1"),
    ("production-ca", "https://sign.syngrafii.ca/api/v1"),
    ("production-eu", "https://sign.syngrafii.eu/api/v1"),
])
def test_environment_presets(environment: str, url: str) -> None:
    provider = IinkedProvider(IinkedSettings(api_key=API_KEY, environment=environment))
    assert provider.base_url == url
    assert provider.routes.url("status", packageId="p") == f"{url}/packages/p/status"


def test_default_is_the_us_sandbox() -> None:
    assert IinkedSettings(api_key=API_KEY).resolved_base_url() == ENVIRONMENTS["sandbox"]


def test_instance_and_base_url_override() -> None:
    assert IinkedSettings(instance="acme").resolved_base_url() == "https://acme.syngrafii.com/api/v1"
    assert IinkedSettings(instance="sign.acme.example").resolved_base_url() == "https://sign.acme.example/api/v1"
    assert IinkedSettings(instance="acme", base_url="http://127.0.0.1:9/api/v1/").resolved_base_url() == \
        "http://127.0.0.1:9/api/v1"
    with pytest.raises(ConfigError):
        IinkedSettings(instance="https://acme.example/path").resolved_base_url()


def test_unknown_environment_is_a_config_error() -> None:
    settings = resolve_settings("iinked", IinkedSettings, {"api_key": "k", "environment": "staging"},
                                ConfigFile(None, {}), {})
    with pytest.raises(ConfigError, match="environment must be one of sandbox, sandbox-eu, production"):
        IinkedProvider(settings)
    with pytest.raises(ConfigError, match="page_size"):
        IinkedProvider(IinkedSettings(api_key="k", page_size=0))


def test_missing_key_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("SIGNPORT_IINKED_API_KEY", "SIGNPORT_IINKED_ACCESS_TOKEN", "SIGNPORT_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigError, match="SIGNPORT_IINKED_API_KEY") as info:
        signport.connect("iinked")
    assert "SIGNPORT_IINKED_ACCESS_TOKEN" in str(info.value)


def test_key_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIGNPORT_IINKED_API_KEY", API_KEY)
    monkeypatch.setenv("SIGNPORT_IINKED_ENVIRONMENT", "production-eu")
    monkeypatch.setenv("SIGNPORT_IINKED_PAGE_SIZE", "7")
    monkeypatch.setenv("SIGNPORT_IINKED_GENERATE_SIGNER_LINKS", "true")
    with signport.connect("iinked") as client:
        provider = client.provider
        assert isinstance(provider, IinkedProvider)
        assert provider.base_url == "https://sign.syngrafii.eu/api/v1"
        assert provider.settings.page_size == 7
        assert provider.settings.generate_signer_links is True
        assert API_KEY not in repr(client)


def test_both_credentials_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not both"):
        IinkedProvider(IinkedSettings(api_key="a", access_token="b"))


def test_api_key_header_is_exactly_api_key() -> None:
    auth = IinkedSettings(api_key=API_KEY).make_auth()
    request = next(auth.auth_flow(httpx.Request("GET", "https://x.test/")))
    assert request.headers.raw == [(b"Host", b"x.test"), (b"api_key", API_KEY.encode())]
    assert "authorization" not in request.headers


def test_access_token_is_a_bearer() -> None:
    auth = IinkedSettings(access_token="tok-123").make_auth()
    request = next(auth.auth_flow(httpx.Request("GET", "https://x.test/")))
    assert request.headers["authorization"] == "Bearer tok-123"
    assert "api_key" not in request.headers


def test_secrets_never_in_a_repr() -> None:
    settings = IinkedSettings(api_key=API_KEY, webhook_secret="whsec-9")
    provider = IinkedProvider(settings)
    for text in (repr(settings), repr(provider), repr(provider.auth), str(provider.auth)):
        assert API_KEY not in text
        assert "whsec-9" not in text
    assert repr(IinkedAuth("Authorization", "Bearer tok")) == "IinkedAuth(header='Authorization', value=<redacted>)"
