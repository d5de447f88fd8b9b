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

import difflib
import functools
import math
import os
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs
import cattrs.v

from .errors import ConfigError

DEFAULT_PROVIDER = "local"
#: Client-level options (not provider settings) that may also come from config.
CLIENT_OPTIONS = ("timeout", "retries", "ignore_unsupported", "durable_downloads")
#: Keys allowed at the top level of the TOML file, besides one table per installed provider.
TOP_LEVEL_KEYS = ("provider", *CLIENT_OPTIONS)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``candidates``, else ``""``."""
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
    """Find, read and check the TOML configuration (unknown keys are refused)."""
    cwd = cwd or Path.cwd()
    explicit = os.environ.get("SIGNPORT_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"SIGNPORT_CONFIG points at {path}, which is not a file")
        return _checked(ConfigFile(path, _read_toml(path)))
    local = cwd / "signport.toml"
    if local.is_file():
        return _checked(ConfigFile(local, _read_toml(local)))
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        tool = _read_toml(pyproject).get("tool", {})
        data = tool.get("signport") if isinstance(tool, Mapping) else None
        if data is not None:
            if not isinstance(data, Mapping):
                raise ConfigError(f"[tool.signport] in {pyproject} must be a table")
            return _checked(ConfigFile(pyproject, data))
    return ConfigFile(None, {})


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse ``path``; a syntax error names the file and the line (never the text found there)."""
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_POSITION.search(message)
        if where is None:
            raise ConfigError(f"{path}: invalid TOML: {message}") from None
        reason = message[:where.start()]
        raise ConfigError(f"{path}, line {where[1]}, column {where[2]}: invalid TOML: {reason}") from None
    except (OSError, UnicodeDecodeError) as exc:
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise ConfigError(f"cannot read the configuration file {path}: {text}") from None


def _checked(file: ConfigFile) -> ConfigFile:
    """Refuse unknown top-level keys: only ``TOP_LEVEL_KEYS`` and one table per installed provider."""
    from .registry import providers

    installed = providers()
    for key, value in file.data.items():
        if isinstance(value, Mapping):
            if key in installed:
                _check_table(file, key, value)
                continue
            hint = did_you_mean(key, installed) or (f" (did you mean {key!r} = ...?)" if key in TOP_LEVEL_KEYS else "")
            raise ConfigError(f"unknown table [{key}] in {file.path}{hint}: no provider of that name is installed; "
                              f"installed providers: {', '.join(installed) or 'none'}")
        if key not in TOP_LEVEL_KEYS:
            hint = did_you_mean(key, [*TOP_LEVEL_KEYS, *installed])
            raise ConfigError(f"unknown key {key!r} in {file.path}{hint}; known keys: {', '.join(TOP_LEVEL_KEYS)}, "
                              f"and a table per provider ({', '.join(f'[{p}]' for p in installed)})")
    provider = file.data.get("provider")
    if provider is not None and not isinstance(provider, str):
        raise ConfigError(f"provider in {file.path}: must be a string (a provider name)")
    return file


def _check_table(file: ConfigFile, provider: str, table: Mapping[str, Any]) -> None:
    """Refuse keys in ``[provider]`` that are not among its settings (even when another provider is in use)."""
    from .registry import provider_class

    try:
        known = [a.name for a in attrs.fields(provider_class(provider).settings_class)]
    except ConfigError:  # a plugin that cannot be loaded: reported when it is used
        return
    for name in sorted(set(table) - set(known)):
        raise unknown_setting(provider, name, known, f" in [{provider}] of {file.path}")


def provider_name(explicit: str | None, file: ConfigFile) -> str:
    """Which provider to use."""
    return explicit or os.environ.get("SIGNPORT_PROVIDER") or file.provider or DEFAULT_PROVIDER


_settings_converter = cattrs.Converter()


class _BadValue(ValueError):
    """A settings value of the wrong kind; the message describes the rule, never the value."""


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _BadValue("must be true or false")


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _BadValue(f"must be a string, not {type(value).__name__}")
    return str(value)


def _structure_float(value: Any, _: type) -> float:
    number = _number(value)
    if number is None:
        raise _BadValue("must be a finite number")
    return number


def _structure_int(value: Any, _: type) -> int:
    number = _whole(value)
    if number is None:
        raise _BadValue("must be a whole number")
    return number


def _number(value: Any) -> float | None:
    """``value`` as a finite float (from a number or its text), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _whole(value: Any) -> int | None:
    """``value`` as an int (from an int, an integral float or its text), else ``None``."""
    number = _number(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


_settings_converter.register_structure_hook(bool, _structure_bool)
_settings_converter.register_structure_hook(str, _structure_str)
_settings_converter.register_structure_hook(float, _structure_float)
_settings_converter.register_structure_hook(int, _structure_int)
_settings_converter.register_structure_hook(Path, lambda v, _: Path(v).expanduser())
_settings_converter.register_structure_hook_func(
    lambda t: t == frozenset[str], lambda v, _: frozenset(v.split(",") if isinstance(v, str) else v))


def unknown_setting(provider: str, name: str, known: Collection[str], where: str = "") -> ConfigError:
    """The error for a setting nobody declares: a "did you mean", the provider's settings and the client options."""
    hint = did_you_mean(name, [*known, *CLIENT_OPTIONS])
    return ConfigError(f"{provider}: unknown setting {name!r}{where}{hint}; "
                       f"{provider} settings: {', '.join(sorted(known)) or 'none'}; "
                       f"client options: {', '.join(CLIENT_OPTIONS)}", provider=provider)


def resolve_settings(provider: str, settings_class: type[Any], kwargs: Mapping[str, Any],
                     file: ConfigFile | None = None, environ: Mapping[str, str] | None = None) -> Any:
    """Build ``settings_class`` from keyword arguments, environment, TOML and defaults."""
    file = file if file is not None else load_file()
    environ = environ if environ is not None else os.environ
    fields = {a.name: a for a in attrs.fields(settings_class)}
    for name in sorted(set(kwargs) - set(fields)):
        raise unknown_setting(provider, name, fields)
    table = file.table(provider)
    for name in sorted(set(table) - set(fields)):
        raise unknown_setting(provider, name, fields, f" in [{provider}] of {file.path}")
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
        text = _redact("; ".join(_path_first(e) for e in errors),
                       [values[n] for n in secret_names(settings_class) if n in values])
        raise ConfigError(f"{provider}: invalid settings: {text}", provider=provider) from None


def _path_first(error: str) -> str:
    """cattrs' ``"must be ... @ $.busy_timeout"`` as ``"busy_timeout: must be ..."``."""
    if error.endswith(" @ $"):  # a validator on the whole class; its message names the setting
        return error[:-4]
    message, at, path = error.rpartition(" @ $.")
    if not at:
        return error
    return message if message.startswith(f"{path} ") else f"{path}: {message}"


def _describe(exc: BaseException, type_: Any) -> str:
    # A validator's own message (``page_size must be between 1 and 1000``) says more than cattrs'
    # "invalid value"; type conversions keep cattrs' wording, which never quotes the value.
    if isinstance(exc, _BadValue) or (type_ is None and isinstance(exc, ValueError) and str(exc)):
        return str(exc)
    return cattrs.v.format_exception(exc, type_)


def _redact(text: str, secrets: Iterable[Any]) -> str:
    for value in secrets:
        if isinstance(value, str) and value:
            text = text.replace(value, "<redacted>")
    return text


def client_options(file: ConfigFile | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Client-level options (``CLIENT_OPTIONS``) from environment and TOML, checked."""
    file = file if file is not None else load_file()
    environ = environ if environ is not None else os.environ
    out: dict[str, Any] = {}
    for name in CLIENT_OPTIONS:
        var = f"SIGNPORT_{name.upper()}"
        if var in environ:
            out[name] = _CHECKS[name](environ[var], var)
        elif name in file.data:
            out[name] = _CHECKS[name](file.data[name], f"{name} in {file.path}")
    return out


def check_timeout(value: Any, where: str = "timeout") -> float:
    """A request timeout: a finite number of seconds > 0."""
    number = _number(value)
    if number is None or number <= 0:
        raise ConfigError(f"{where}: must be a finite number of seconds > 0")
    return number


def check_retries(value: Any, where: str = "retries") -> int:
    """How many times a failed request is tried again: a whole number >= 0."""
    number = _whole(value)
    if number is None or number < 0:
        raise ConfigError(f"{where}: must be a whole number >= 0")
    return number


def check_ignore_unsupported(value: Any, where: str = "ignore_unsupported", *, text: bool = False) -> frozenset[str]:
    """Features to drop instead of refusing: a collection of names, or with ``text`` (environment,
    TOML) also comma-separated names in one string."""
    from .capabilities import IGNORABLE

    known = ", ".join(sorted(IGNORABLE))
    if isinstance(value, str):
        if not text:  # a keyword: a bare string is a mistake ({"fields"} was meant)
            raise ConfigError(f"{where}: must be a collection of feature names such as "
                              f"{{'fields'}}, not a string; known: {known}")
        value = [s.strip() for s in value.split(",") if s.strip()]
    if isinstance(value, Mapping) or not isinstance(value, Collection):
        raise ConfigError(f"{where}: must be a collection of feature names; known: {known}")
    names = list(value)
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise ConfigError(f"{where}[{i}]: must be a feature name; known: {known}")
        if name not in IGNORABLE:
            raise ConfigError(f"{where}[{i}]: unknown feature{did_you_mean(name, IGNORABLE)}; known: {known}")
    return frozenset(names)


def check_durable_downloads(value: Any, where: str = "durable_downloads", *, text: bool = False) -> bool:
    """Whether every download is synced to disk: ``True`` or ``False``, and with ``text`` (environment,
    TOML) also the words settings accept (``1``/``true``/``yes``/``on``, ``0``/``false``/``no``/``off``)."""
    if isinstance(value, bool):
        return value
    if text and isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE | _FALSE:
            return word in _TRUE
    raise ConfigError(f"{where}: must be true or false")


_CHECKS: dict[str, Any] = {
    "timeout": check_timeout, "retries": check_retries,
    "ignore_unsupported": functools.partial(check_ignore_unsupported, text=True),
    "durable_downloads": functools.partial(check_durable_downloads, text=True)}
