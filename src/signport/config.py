"""Configuration: keyword arguments > environment > TOML file > defaults.

* provider name: ``connect(name)`` > ``SIGNPORT_PROVIDER`` > ``provider = "..."`` in TOML > ``"local"``.
* provider settings: keyword arguments > ``SIGNPORT_<PROVIDER>_<SETTING>`` > the ``[<provider>]`` table
  of the TOML file > the settings class's defaults.
* TOML file: ``SIGNPORT_CONFIG`` (a path), else ``signport.toml`` in the working directory, else
  ``[tool.signport]`` in ``pyproject.toml`` there.

A provider declares its settings as an attrs class (``Provider.settings_class``);
fields without a default are required, fields made with ``secret()`` never show
in a ``repr``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs
import cattrs.v

from .errors import ConfigError

DEFAULT_PROVIDER = "local"
#: Client-level options (not provider settings) that may also come from config.
CLIENT_OPTIONS = ("timeout", "retries", "ignore_unsupported")


def secret(*, default: Any = None) -> Any:
    """An attrs field for a secret setting: optional, never in ``repr``."""
    return attrs.field(default=default, repr=False, metadata={"secret": True})


def env_var(provider: str, setting: str) -> str:
    """The environment variable that sets ``setting`` for ``provider``."""
    return f"SIGNPORT_{provider}_{setting}".upper().replace("-", "_")


def missing(provider: str, setting: str, hint: str = "") -> ConfigError:
    """The error for a required setting that is not set anywhere."""
    text = (f"{provider}: missing setting {setting!r}; set the environment variable "
            f"{env_var(provider, setting)} or pass {setting}=... to connect()")
    return ConfigError(text + (f" ({hint})" if hint else ""), provider=provider)


def secret_names(settings_class: type[Any]) -> frozenset[str]:
    """Names of the settings marked secret."""
    return frozenset(a.name for a in attrs.fields(settings_class) if a.metadata.get("secret"))


@attrs.frozen
class ConfigFile:
    """The TOML configuration found on disk (possibly none)."""

    path: Path | None
    data: Mapping[str, Any]

    @property
    def provider(self) -> str | None:
        value = self.data.get("provider")
        return str(value) if value is not None else None

    def table(self, provider: str) -> Mapping[str, Any]:
        value = self.data.get(provider, {})
        if not isinstance(value, Mapping):
            raise ConfigError(f"[{provider}] in {self.path} must be a table")
        return value


def load_file(cwd: Path | None = None) -> ConfigFile:
    """Find and read the TOML configuration."""
    cwd = cwd or Path.cwd()
    explicit = os.environ.get("SIGNPORT_CONFIG")
    try:
        if explicit:
            path = Path(explicit).expanduser()
            if not path.is_file():
                raise ConfigError(f"SIGNPORT_CONFIG points at {path}, which is not a file")
            return ConfigFile(path, tomllib.loads(path.read_text("utf-8")))
        local = cwd / "signport.toml"
        if local.is_file():
            return ConfigFile(local, tomllib.loads(local.read_text("utf-8")))
        pyproject = cwd / "pyproject.toml"
        if pyproject.is_file():
            data = tomllib.loads(pyproject.read_text("utf-8")).get("tool", {}).get("signport")
            if data is not None:
                return ConfigFile(pyproject, data)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read the configuration file: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"cannot read the configuration file: {text}") from None
    return ConfigFile(None, {})


def provider_name(explicit: str | None, file: ConfigFile) -> str:
    """Which provider to use."""
    return explicit or os.environ.get("SIGNPORT_PROVIDER") or file.provider or DEFAULT_PROVIDER


_settings_converter = cattrs.Converter()


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return str(value)


_settings_converter.register_structure_hook(bool, _structure_bool)
_settings_converter.register_structure_hook(str, _structure_str)
_settings_converter.register_structure_hook(Path, lambda v, _: Path(v).expanduser())
_settings_converter.register_structure_hook_func(
    lambda t: t == frozenset[str], lambda v, _: frozenset(v.split(",") if isinstance(v, str) else v))


def resolve_settings(provider: str, settings_class: type[Any], kwargs: Mapping[str, Any],
                     file: ConfigFile | None = None, environ: Mapping[str, str] | None = None) -> Any:
    """Build ``settings_class`` from keyword arguments, environment, TOML and defaults."""
    file = file if file is not None else load_file()
    environ = environ if environ is not None else os.environ
    fields = {a.name: a for a in attrs.fields(settings_class)}
    unknown = sorted(set(kwargs) - set(fields))
    if unknown:
        raise ConfigError(f"{provider}: unknown setting(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(fields))}", provider=provider)
    table = file.table(provider)
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigError(f"{provider}: unknown key(s) {', '.join(unknown)} in [{provider}] of {file.path}; "
                          f"known: {', '.join(sorted(fields))}", provider=provider)
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name in kwargs and kwargs[name] is not None:
            values[name] = kwargs[name]
        elif env_var(provider, name) in environ:
            values[name] = environ[env_var(provider, name)]
        elif name in table:
            values[name] = table[name]
        elif field.default is attrs.NOTHING:
            raise missing(provider, name)
    try:
        return _settings_converter.structure(values, settings_class)
    except Exception as exc:
        errors = (cattrs.transform_error(exc, format_exception=_describe)
                  if isinstance(exc, cattrs.BaseValidationError) else [str(exc)])
        # The message names the setting; a secret value never shows, even if a validator quoted it.
        text = _redact("; ".join(errors), [values[n] for n in secret_names(settings_class) if n in values])
        raise ConfigError(f"{provider}: invalid settings: {text}", provider=provider) from None


def _describe(exc: BaseException, type_: Any) -> str:
    # A validator's own message (``page_size must be between 1 and 1000``) says more than cattrs'
    # "invalid value"; type conversions keep cattrs' wording, which never quotes the value.
    if type_ is None and isinstance(exc, ValueError) and str(exc):
        return str(exc)
    return cattrs.v.format_exception(exc, type_)


def _redact(text: str, secrets: Iterable[Any]) -> str:
    for value in secrets:
        if isinstance(value, str) and value:
            text = text.replace(value, "<redacted>")
    return text


def client_options(file: ConfigFile | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Client-level options (timeout, retries, ignore_unsupported) from environment and TOML."""
    file = file if file is not None else load_file()
    environ = environ if environ is not None else os.environ
    out: dict[str, Any] = {}
    for name in CLIENT_OPTIONS:
        var = f"SIGNPORT_{name.upper()}"
        if var in environ:
            raw: Any = environ[var]
            out[name] = raw
        elif name in file.data:
            out[name] = file.data[name]
    if isinstance(out.get("ignore_unsupported"), str):  # comma-separated, in TOML as in the environment
        out["ignore_unsupported"] = [s.strip() for s in out["ignore_unsupported"].split(",") if s.strip()]
    try:
        if "timeout" in out:
            out["timeout"] = float(out["timeout"])
        if "retries" in out:
            out["retries"] = int(out["retries"])
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid client option: {exc}") from None
    return out
