"""The plugin registry: built-ins through entry points, a third-party provider through pluggy."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib.metadata import entry_points

import httpx
import pytest

import signport
from signport import registry

from . import toy


@pytest.fixture
def toy_registered() -> Iterator[None]:
    registry.register_plugin(toy, name="toy-test")
    try:
        yield
    finally:
        registry.unregister_plugin(toy)


def test_builtins_come_through_the_entry_point_group() -> None:
    names = {ep.name for ep in entry_points(group="signport")}
    assert {"local", "iinked", "easyink"} <= names
    assert {"local", "iinked", "easyink"} <= set(signport.providers())


def test_provider_modules_are_imported_only_when_used() -> None:
    signport.providers()
    for name in ("signport_iinked.provider", "signport_easyink.provider"):
        sys.modules.pop(name, None)
    signport.providers()
    assert "signport_iinked.provider" not in sys.modules
    assert "signport_easyink.provider" not in sys.modules


def test_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(signport.ConfigError) as info:
        signport.connect("nope")
    assert "nope" in str(info.value)
    assert "local" in str(info.value)
    assert "iinked" in str(info.value)


def test_third_party_provider_used_through_connect(toy_registered: None) -> None:
    assert "toy" in signport.providers()

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "toy.example"
        return httpx.Response(200, json={"id": "t1", "subject": "From a plugin"})

    with signport.connect("toy", base_url="https://toy.example/api", token="t",
                          transport=httpx.MockTransport(handler)) as client:
        env = client.get("t1")
    assert env.subject == "From a plugin"
    assert env.provider == "toy"


def test_third_party_provider_unregisters(toy_registered: None) -> None:
    registry.unregister_plugin(toy)
    assert "toy" not in signport.providers()
    registry.register_plugin(toy, name="toy-test")  # so the fixture can unregister


class _Broken:
    """A plugin whose provider module is not installed."""

    @signport.hookimpl
    def register_providers(self, register: registry.Register) -> None:
        register("broken", "signport_no_such_module:Provider")
        register("missing-class", "signport_local.provider:NoSuchProvider")


def test_a_provider_that_cannot_be_imported_is_a_config_error() -> None:
    plugin = _Broken()
    registry.register_plugin(plugin, name="broken-test")
    try:
        for name in ("broken", "missing-class"):
            with pytest.raises(signport.ConfigError, match=f"provider '{name}' cannot be loaded"):
                signport.connect(name)
    finally:
        registry.unregister_plugin(plugin)
    assert "broken" not in signport.providers()
