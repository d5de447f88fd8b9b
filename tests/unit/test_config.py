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
                "SIGNPORT_TIMEOUT", "SIGNPORT_RETRIES", "SIGNPORT_IGNORE_UNSUPPORTED",
                "SIGNPORT_DURABLE_DOWNLOADS"):
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
    assert config.client_options()["ignore_unsupported"] == {"sms", "fields"}


def test_an_unreadable_config_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_bytes(b'provider = "\xff"\n')
    with pytest.raises(signport.ConfigError):
        config.load_file()


# --- mistakes caught: every bad value is a ConfigError naming the setting, never echoing the value -------

BAD_CLIENT_OPTIONS = [
    ("timeout", "abc"), ("timeout", -1), ("timeout", 0), ("timeout", float("nan")), ("timeout", float("inf")),
    ("timeout", True), ("timeout", [1]), ("retries", -5), ("retries", 2.5), ("retries", "many"),
    ("retries", float("nan")), ("retries", False), ("ignore_unsupported", "fields"),
    ("ignore_unsupported", ["feilds"]), ("ignore_unsupported", [3]), ("ignore_unsupported", 7),
    ("durable_downloads", "yes"), ("durable_downloads", 1), ("durable_downloads", [True]),
]


@pytest.mark.parametrize(("name", "value"), BAD_CLIENT_OPTIONS)
def test_a_bad_client_option_is_refused_by_name(name: str, value: object, tmp_path: Path) -> None:
    with pytest.raises(signport.ConfigError) as info:
        signport.connect("local", path=tmp_path, **{name: value})
    text = str(info.value)
    assert text.startswith(f"{name}")
    assert info.value.provider == "local"
    if isinstance(value, str) and value != "fields":  # "fields" is also the name of a known feature
        assert value not in text


@pytest.mark.parametrize(("name", "value"), BAD_CLIENT_OPTIONS[:3])
def test_the_client_constructor_checks_too(name: str, value: object) -> None:
    from signport.client import Client

    with pytest.raises(signport.ConfigError, match=name):
        Client(toy.ToyProvider(toy.ToySettings()), **{name: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(("var", "value"), [
    ("SIGNPORT_RETRIES", "-2"), ("SIGNPORT_RETRIES", "two"), ("SIGNPORT_TIMEOUT", "nan"),
    ("SIGNPORT_TIMEOUT", "-1"), ("SIGNPORT_TIMEOUT", "slow"), ("SIGNPORT_IGNORE_UNSUPPORTED", "fields,colour"),
    ("SIGNPORT_DURABLE_DOWNLOADS", "maybe"), ("SIGNPORT_DURABLE_DOWNLOADS", "2"),
])
def test_a_bad_client_option_in_the_environment_names_the_variable(
        var: str, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(signport.ConfigError) as info:
        signport.connect("toy")
    assert var in str(info.value)
    assert value not in str(info.value)


@pytest.mark.parametrize(("line", "name"), [
    ("timeout = -3", "timeout"), ('timeout = "soon"', "timeout"), ("retries = -1", "retries"),
    ("retries = 1.5", "retries"), ("timeout = nan", "timeout"), ('ignore_unsupported = ["nope"]', "ignore_unsupported"),
    ("durable_downloads = 1", "durable_downloads"), ('durable_downloads = "sometimes"', "durable_downloads"),
])
def test_a_bad_client_option_in_the_file_names_the_key_and_the_file(line: str, name: str, tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text(line + "\n")
    with pytest.raises(signport.ConfigError) as info:
        signport.connect("toy")
    assert f"{name} in {tmp_path / 'signport.toml'}" in str(info.value)


def test_durable_downloads_is_off_by_default() -> None:
    with signport.connect("toy") as client:
        assert client.durable_downloads is False


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), (" Yes ", True), ("on", True),
                                                 ("0", False), ("false", False), ("no", False), ("OFF", False)])
def test_durable_downloads_from_the_environment(value: str, expected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPORT_DURABLE_DOWNLOADS", value)
    with signport.connect("toy") as client:
        assert client.durable_downloads is expected


@pytest.mark.parametrize(("line", "expected"), [("durable_downloads = true", True),
                                                ("durable_downloads = false", False),
                                                ('durable_downloads = "yes"', True)])
def test_durable_downloads_from_the_file(line: str, expected: bool, tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text(line + "\n")
    with signport.connect("toy") as client:
        assert client.durable_downloads is expected


async def test_durable_downloads_keyword_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPORT_DURABLE_DOWNLOADS", "true")
    with signport.connect("toy", durable_downloads=False) as client:
        assert client.durable_downloads is False
    async with signport.connect_async("toy") as aclient:
        assert aclient.durable_downloads is True


def test_good_client_options_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPORT_RETRIES", "0")
    monkeypatch.setenv("SIGNPORT_IGNORE_UNSUPPORTED", "sms, message")
    with signport.connect("toy") as client:
        assert client.retry.attempts == 1
        assert client._ops.ignore == {"sms", "message"}


@pytest.mark.parametrize(("provider", "setting", "value", "rule"), [
    ("local", "busy_timeout", float("nan"), "finite"),
    ("local", "busy_timeout", "abc", "finite"),
    ("local", "busy_timeout", -1, ">= 0"),
    ("local", "page_size", 2.5, "whole"),
    ("local", "page_size", True, "whole"),
    ("easyink", "poll_interval", float("nan"), "finite"),
    ("easyink", "poll_interval", "inf", "finite"),
    ("easyink", "page_size", "lots", "whole"),
])
def test_a_bad_provider_setting_is_refused_by_name(provider: str, setting: str, value: object, rule: str,
                                                   tmp_path: Path) -> None:
    settings = {"path": tmp_path} if provider == "local" else {"client_id": "cid"}
    with pytest.raises(signport.ConfigError) as info:
        signport.connect(provider, **settings, **{setting: value})
    text = str(info.value)
    assert setting in text
    assert rule in text
    if isinstance(value, str):
        assert value not in text


def test_a_bad_provider_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SIGNPORT_LOCAL_BUSY_TIMEOUT", "nan")
    with pytest.raises(signport.ConfigError, match="busy_timeout: must be a finite number"):
        signport.connect("local", path=tmp_path)


def test_unknown_keys_at_the_top_of_the_file_are_refused(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text('provider = "toy"\ntimout = 5\n')
    with pytest.raises(signport.ConfigError) as info:
        config.load_file()
    text = str(info.value)
    assert "'timout'" in text
    assert "did you mean 'timeout'?" in text
    assert str(tmp_path / "signport.toml") in text


def test_a_table_for_no_installed_provider_is_refused(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text('[lcoal]\npath = "x"\n')
    with pytest.raises(signport.ConfigError) as info:
        config.load_file()
    assert "[lcoal]" in str(info.value)
    assert "did you mean 'local'?" in str(info.value)


def test_unknown_keys_under_tool_signport_are_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.signport]\nprovidr = "toy"\n')
    with pytest.raises(signport.ConfigError, match="did you mean 'provider'"):
        config.load_file()


def test_a_provider_that_is_not_a_string_is_refused(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text("provider = 3\n")
    with pytest.raises(signport.ConfigError, match=r"provider in .*must be a string"):
        config.load_file()


def test_a_toml_syntax_error_names_the_file_and_the_line(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text('provider = "toy"\n\n[toy]\ntoken = sekrit-value\n')
    with pytest.raises(signport.ConfigError) as info:
        config.load_file()
    text = str(info.value)
    assert str(tmp_path / "signport.toml") in text
    assert "line 4" in text
    assert "sekrit" not in text


def test_an_unknown_setting_lists_the_client_options_and_suggests(tmp_path: Path) -> None:
    with pytest.raises(signport.ConfigError) as info:
        signport.connect("local", path=tmp_path, timeuot=3)
    text = str(info.value)
    assert "did you mean 'timeout'?" in text
    assert "client options: timeout, retries, ignore_unsupported, durable_downloads" in text
    assert "local settings: busy_timeout, " in text


def test_an_unknown_setting_in_the_provider_table_suggests(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text('[toy]\nbase_uri = "https://x.example"\n')
    with pytest.raises(signport.ConfigError, match="did you mean 'base_url'"):
        settings()


def test_an_unknown_provider_suggests_the_closest() -> None:
    with pytest.raises(signport.ConfigError) as info:
        signport.connect("iinkd")
    assert "did you mean 'iinked'?" in str(info.value)


def test_a_typo_in_the_table_of_a_provider_not_in_use_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "signport.toml").write_text('provider = "toy"\n[local]\nbusy_timout = 3\n')
    with pytest.raises(signport.ConfigError) as info:
        signport.connect()
    assert "did you mean 'busy_timeout'?" in str(info.value)
    assert "[local]" in str(info.value)
