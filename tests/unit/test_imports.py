"""Import cost: ``import signport`` and ``signport --help`` leave the heavy libraries and plugins unloaded."""

from __future__ import annotations

import json
import subprocess
import sys

import click

from signport import cli

#: Loaded only when used: PDF reading and writing, terminal output, OAuth, the signing server, plugins.
HEAVY = ("pypdf", "reportlab", "PIL", "cryptography", "rich", "authlib", "starlette", "uvicorn", "jinja2",
         "signport_iinked", "signport_easyink", "signport_local")


def _loaded_after(code: str) -> set[str]:
    """Module names present in a fresh interpreter after running ``code``."""
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,  # noqa: S603
                         text=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_import_signport_loads_no_heavy_library() -> None:
    loaded = _loaded_after("import signport")
    # httpx itself may load rich (its own command line) when rich is installed; signport adds nothing.
    assert _heavy(loaded - _loaded_after("import httpx")) == []
    assert _heavy(loaded) == []
    assert "signport.model" not in loaded  # attrs and the model load when a model class is first used


def test_public_names_still_resolve_on_first_use() -> None:
    loaded = _loaded_after("import signport\nsignport.Client, signport.connect, signport.hookimpl")
    assert "signport.client" in loaded
    assert "signport.registry" in loaded
    assert not any(m.split(".")[0] in ("pypdf", "reportlab") for m in loaded)
    model = _loaded_after("from signport import Capabilities, Envelope, model\nassert Envelope is model.Envelope")
    assert "signport.capabilities" in model


#: All that building the help takes from signport: the command declarations, the errors, the state enums.
HELP_NEEDS = {"signport", "signport.cli", "signport.errors", "signport.lazy", "signport.states"}
#: Libraries the commands use and their help does not.
NOT_FOR_HELP = ("httpx", "httpcore", "attr", "attrs", "cattrs", "pluggy", "stamina", "platformdirs", "tomllib")


def _loaded_after_help(*commands: str) -> set[str]:
    """Modules present in a fresh interpreter after ``signport --help`` and ``signport COMMAND --help``."""
    calls = "".join(f"try:\n    main([*{args!r}, '--help'], prog_name='signport')\nexcept SystemExit:\n    pass\n"
                    for args in ([], *([c] for c in commands)))
    return _loaded_after("from signport.cli import main\n" + calls)


def test_cli_help_loads_neither_httpx_nor_a_plugin() -> None:
    loaded = _loaded_after_help()
    assert "httpx" not in loaded
    assert _heavy(loaded) == []


def test_help_of_the_cli_and_its_commands_loads_no_model_client_or_registry() -> None:
    # Every command declared in signport.cli (those in modules of their own load them to show their help).
    commands = sorted(set(cli.main.commands) - set(cli._LazyGroup.lazy))
    assert "send" in commands
    for loaded in (_loaded_after_help(), _loaded_after_help("send"), _loaded_after_help(*commands)):
        assert sorted(m for m in loaded if m.split(".")[0] == "signport" and m not in HELP_NEEDS) == []
        assert sorted(m for m in loaded if m.split(".")[0] in NOT_FOR_HELP) == []
        assert _heavy(loaded) == []


def test_lazy_commands_short_help_matches_the_commands() -> None:
    ctx = click.Context(cli.main)
    for name, (_, short_help) in cli._LazyGroup.lazy.items():
        command = cli.main.get_command(ctx, name)
        assert isinstance(command, click.Command)
        assert command.short_help == short_help, name
