"""The plugin registry: pluggy hookspecs and the plugin manager.

Every provider, the built-in ones included, comes in through the ``signport``
entry-point group. A plugin registers a *loader* (``"module:Class"`` or a
callable returning the class), so the provider module is imported only when
the provider is used.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import pluggy

from .errors import ConfigError

if TYPE_CHECKING:
    from .provider import Provider

hookspec = pluggy.HookspecMarker("signport")
hookimpl = pluggy.HookimplMarker("signport")


class Register(Protocol):
    """The callback handed to ``register_providers``."""

    def __call__(self, name: str, loader: str | Callable[[], type[Provider]]) -> None: ...


class Hookspecs:
    """Hooks a signport plugin may implement."""

    @hookspec
    def register_providers(self, register: Register) -> None:
        """Register providers: ``register("name", "package.module:ProviderClass")``."""


_lock = threading.Lock()
_pm: pluggy.PluginManager | None = None
_loaders: dict[str, str | Callable[[], type[Provider]]] = {}


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, with entry points loaded."""
    global _pm
    with _lock:
        if _pm is None:
            pm = pluggy.PluginManager("signport")
            pm.add_hookspecs(Hookspecs)
            pm.load_setuptools_entrypoints("signport")
            _pm = pm
            _collect(pm)
        return _pm


def _collect(pm: pluggy.PluginManager) -> None:
    found: dict[str, str | Callable[[], type[Provider]]] = {}

    def register(name: str, loader: str | Callable[[], type[Provider]]) -> None:
        found[name] = loader

    pm.hook.register_providers(register=register)
    _loaders.clear()
    _loaders.update(found)


def register_plugin(plugin: object, name: str | None = None) -> None:
    """Register a plugin object (a module or class with hookimpls) at run time."""
    pm = plugin_manager()
    with _lock:
        pm.register(plugin, name=name)
        _collect(pm)


def unregister_plugin(plugin: object) -> None:
    """Remove a plugin registered with ``register_plugin``."""
    pm = plugin_manager()
    with _lock:
        pm.unregister(plugin)
        _collect(pm)


def providers() -> list[str]:
    """Names of every registered provider, sorted."""
    plugin_manager()
    return sorted(_loaders)


def provider_class(name: str) -> type[Provider]:
    """The provider class registered as ``name`` (imported now); ``ConfigError`` if unknown."""
    plugin_manager()
    loader = _loaders.get(name)
    if loader is None:
        from .config import did_you_mean

        known = ", ".join(sorted(_loaders)) or "none"
        raise ConfigError(f"unknown provider {name!r}{did_you_mean(name, _loaders)}; installed providers: {known}")
    try:
        if isinstance(loader, str):
            module_name, _, attr = loader.partition(":")
            cls: type[Provider] = getattr(importlib.import_module(module_name), attr)
            return cls
        return loader()
    except (ImportError, AttributeError) as exc:  # a broken or half-installed plugin
        raise ConfigError(f"provider {name!r} cannot be loaded: {type(exc).__name__}: {exc}") from exc
