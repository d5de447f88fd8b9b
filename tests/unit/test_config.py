"""Configuration precedence: keyword arguments > environment > TOML > defaults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import signport
from signport import config, registry

from . import toy


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for var in ("SIGNPORT_CONFIG", "SIGNPORT_PROVIDER", "SIGNPORT_TOY_TOKEN", "SIGNPORT_TOY_BASE_URL",
                "SIGNPORT_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    registry.register_plugin(toy, name="toy-config")
    yield
    registry.unregister_plugin(toy)


def settings(**kw: object) -> toy.ToySettings:
    cls = registry.provider_class("toy")
    result: toy.ToySettings = config.resolve_settings("toy", cls.settings_class, kw)
    return result


def test_defaults() -> None:
    assert settings().base_url == "https://toy.invalid/api"


def test_toml_in_working_directory(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text('provider = "toy"\n[toy]\nbase_url = "https://file.example"\n')
    assert settings().base_url == "https://file.example"
    assert config.provider_name(None, config.load_file()) == "toy"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.signport]\nprovider = "toy"\n[tool.signport.toy]\ntoken = "x"\n')
    assert settings().token == "x"


def test_signport_config_path_wins_over_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "signport.toml").write_text('[toy]\nbase_url = "https://cwd.example"\n')
    other = tmp_path / "elsewhere.toml"
    other.write_text('[toy]\nbase_url = "https://explicit.example"\n')
    monkeypatch.setenv("SIGNPORT_CONFIG", str(other))
    assert settings().base_url == "https://explicit.example"


def test_environment_beats_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "signport.toml").write_text('[toy]\nbase_url = "https://file.example"\n')
    monkeypatch.setenv("SIGNPORT_TOY_BASE_URL", "https://env.example")
    assert settings().base_url == "https://env.example"


def test_keyword_beats_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPORT_TOY_BASE_URL", "https://env.example")
    assert settings(base_url="https://kw.example").base_url == "https://kw.example"


def test_provider_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPORT_PROVIDER", "toy")
    with signport.connect() as client:
        assert client.provider.name == "toy"


def test_default_provider_is_local(tmp_path: Path) -> None:
    with signport.connect(path=tmp_path / "store") as client:
        assert client.provider.name == "local"


def test_unknown_key_in_provider_table(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text('[toy]\nbase_uri = "typo"\n')
    with pytest.raises(signport.ConfigError) as info:
        settings()
    assert "base_uri" in str(info.value)


def test_unknown_keyword_setting() -> None:
    with pytest.raises(signport.ConfigError) as info:
        settings(colour="blue")
    assert "colour" in str(info.value)


def test_missing_setting_names_the_variable() -> None:
    error = config.missing("iinked", "api_key")
    assert "SIGNPORT_IINKED_API_KEY" in str(error)


def test_invalid_value_does_not_echo_it(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text('[toy]\nbase_url = ["sekrit-value"]\n')
    with pytest.raises(signport.ConfigError) as info:
        settings()
    assert "sekrit-value" not in str(info.value)


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text("provider = \n")
    with pytest.raises(signport.ConfigError):
        settings()


def test_client_options_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPORT_TIMEOUT", "12.5")
    with signport.connect("toy") as client:
        assert client.timeout == 12.5


def test_a_validator_message_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(signport.ConfigError) as info:
        signport.connect("local", path=tmp_path, page_size=0)
    assert "page_size" in str(info.value)


def test_a_validator_that_quotes_a_secret_is_redacted() -> None:
    import attrs

    @attrs.frozen
    class Strict:
        token: str = attrs.field(repr=False, metadata={"secret": True})

        @token.validator
        def _check(self, _: object, value: str) -> None:
            if not value.startswith("tk_"):
                raise ValueError(f"token {value!r} must start with tk_")

    with pytest.raises(signport.ConfigError) as info:
        config.resolve_settings("strict", Strict, {"token": "sekrit-value"}, config.ConfigFile(None, {}), {})
    assert "must start with tk_" in str(info.value)
    assert "sekrit-value" not in str(info.value)


def test_client_options_of_the_wrong_type_are_config_errors(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text("timeout = [1]\n")
    with pytest.raises(signport.ConfigError):
        config.client_options()


def test_ignore_unsupported_may_be_a_comma_separated_string_in_toml(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text('ignore_unsupported = "sms, fields"\n')
    assert config.client_options()["ignore_unsupported"] == ["sms", "fields"]


def test_an_unreadable_config_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_bytes(b'provider = "\xff"\n')
    with pytest.raises(signport.ConfigError):
        config.load_file()
