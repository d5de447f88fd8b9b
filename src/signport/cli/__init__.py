"""The ``signport`` command line: send, inspect, wait for and download envelopes, and run a demo.

Every command talks to the provider chosen with ``--provider`` (else ``SIGNPORT_PROVIDER``, the
configuration file, or ``local``), with that provider's settings from the environment and the
configuration file. Exit codes: 0 success, 1 a signport error (one line on stderr), 2 bad usage;
``wait`` adds 3 (declined, voided or expired) and 4 (timed out).

This module declares the group and each command's arguments, options and help; a command's body
lives in ``signport.cli.commands`` and is imported when the command runs, so ``signport --help``
and ``signport <command> --help`` load click and little else (no attrs, httpx or plugin).
A command with a module of its own is registered in ``_LazyGroup.lazy`` at the end of this file;
give it a ``short_help`` that fits the command list of an 80-column terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import click

from .. import __version__
from ..errors import SignportError
from ..lazy import lazy_attributes
from ..states import DocumentKind, FieldType, State

if TYPE_CHECKING:
    from datetime import datetime

    from ..model import Signer
    from .output import capabilities_data, capability_summary, describe_envelope, envelope_data
    from .params import FieldSpec, parse_deadline, parse_field, parse_signer, resolve_fields
    from .sample import DEMO_SIGNERS, default_demo_folder, demo_fields, sample_pdf

#: ``signport wait``: the envelope ended declined, voided or expired.
EXIT_NOT_COMPLETED = 3
#: ``signport wait``: the wait timed out.
EXIT_TIMED_OUT = 4


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Group(click.Group):
    """A group that turns signport errors into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SignportError as exc:
            raise click.ClickException(_one_line(str(exc))) from None
        except BrokenPipeError:
            raise
        except OSError as exc:  # a folder that cannot be written, a file that cannot be read
            raise click.ClickException(_one_line(str(exc))) from None


class _LazyGroup(_Group):
    """A group whose commands living in other modules are imported only when run (click's LazyGroup).

    ``signport --help`` lists them from the short help kept here, so building the help imports
    neither httpx nor a plugin.
    """

    #: command name -> ("module:attribute", short help)
    lazy: ClassVar[dict[str, tuple[str, str]]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            import importlib

            target, _ = self.lazy[cmd_name]
            module, attribute = target.split(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):  # pragma: no cover - a wiring mistake
                raise TypeError(f"{target} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: list[tuple[str, str]] = []
        limit = formatter.width - 6 - max((len(name) for name in self.list_commands(ctx)), default=0)
        for name in self.list_commands(ctx):
            if name in self.lazy and name not in self.commands:
                rows.append((name, self.lazy[name][1]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class _Options:
    """What the group's options hand to every command."""

    def __init__(self, provider: str | None) -> None:
        self.provider = provider


# --- parameters (parsed by signport.cli.params, imported when a command runs) ---------------------


FIELD_SYNTAX = "SIGNER:PAGE:X:Y:W:H[:TYPE]"
_FIELD_TYPES = [t.value for t in FieldType]
_STATES = [s.value for s in State if s is not State.UNKNOWN]
_KINDS = [k.value for k in DocumentKind]


def _fields_option(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[FieldSpec, ...]:
    from .params import parse_field

    return tuple(parse_field(v) for v in value)


def _signers_option(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[Signer, ...]:
    from .params import parse_signer

    return tuple(parse_signer(v) for v in value)


def _deadline_option(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    from .params import parse_deadline

    return None if value is None else parse_deadline(value)


def _json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(f)


# --- the group ----------------------------------------------------------------------------------------


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--provider", "-p", metavar="NAME",
              help="Provider to use (default: SIGNPORT_PROVIDER, the configuration file, or 'local').")
@click.option("-v", "--verbose", is_flag=True, help="Log what signport does (retries included) on stderr.")
@click.option("--debug", is_flag=True, help="Also log each HTTP request (method, host, path, status, time).")
@click.version_option(version=__version__, prog_name="signport", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, provider: str | None, verbose: bool, debug: bool) -> None:
    """Send documents for e-signature through one neutral API.

    Provider settings come from the environment (SIGNPORT_<PROVIDER>_<SETTING>) and from
    signport.toml or [tool.signport] in pyproject.toml.

    Exit codes: 0 success, 1 an error (one line on stderr), 2 a usage mistake; 'signport wait'
    adds 3 (declined, voided or expired) and 4 (timed out).
    """
    if verbose or debug:
        from .logs import show_logs

        show_logs(ctx, debug)
    ctx.obj = _Options(provider=provider)


# --- providers ------------------------------------------------------------------------------------------


@main.command(short_help="List the installed providers and what each supports.")
@_json_option
def providers(as_json: bool) -> None:
    """List the installed providers and what each supports."""
    from . import commands

    commands.providers(as_json)


# --- send and read ---------------------------------------------------------------------------------------


@main.command(short_help="Send PDFs to signers (or create a draft).")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--signer", "signers", multiple=True, required=True, callback=_signers_option,
              metavar='"NAME <EMAIL>"', help='"First Last <email>"; repeat for each signer, in signing order.')
@click.option("--field", "fields", multiple=True, callback=_fields_option, metavar=FIELD_SYNTAX,
              help="A field on the first file: SIGNER is a --signer's position (1, 2...) or email; PAGE from 1; "
                   "X, Y, W, H in PDF points from the page's bottom-left; TYPE one of "
                   f"{', '.join(_FIELD_TYPES)} (default signature). Repeatable.")
@click.option("--sequential", is_flag=True, help="Signers sign one after another (default: all at once).")
@click.option("--draft", is_flag=True, help="Create a draft instead of sending.")
@click.option("--sign-by", metavar="DATE", callback=_deadline_option,
              help="Deadline: YYYY-MM-DD (end of that day) or an ISO 8601 date-time; local time by default.")
@click.option("--subject", help="Subject (default: the first file's name).")
@click.option("--message", help="A message to the signers.")
@_json_option
@click.pass_obj
def send(opts: _Options, files: tuple[Path, ...], signers: tuple[Signer, ...], fields: tuple[FieldSpec, ...],
         sequential: bool, draft: bool, sign_by: datetime | None, subject: str | None, message: str | None,
         as_json: bool) -> None:
    """Send FILES (PDFs) to the signers, or create a draft with --draft.

    Shows what is happening (uploads, waiting for the provider to process the documents) when
    stderr is a terminal.
    """
    from . import commands

    commands.send(opts, files, signers, fields, sequential, draft, sign_by, subject, message, as_json)


@main.command(short_help="Show an envelope, its signers and documents.")
@click.argument("envelope_id")
@_json_option
@click.pass_obj
def status(opts: _Options, envelope_id: str, as_json: bool) -> None:
    """Show an envelope: its state, each signer's state, its documents."""
    from . import commands

    commands.status(opts, envelope_id, as_json)


@main.command("list", short_help="List envelopes (every page, or the first --limit).")
@click.option("--state", "states", multiple=True, type=click.Choice(_STATES, case_sensitive=False),
              help="Only envelopes in this state (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many envelopes.")
@_json_option
@click.pass_obj
def list_(opts: _Options, states: tuple[str, ...], limit: int | None, as_json: bool) -> None:
    """List envelopes (every page, or the first --limit)."""
    from . import commands

    commands.list_(opts, states, limit, as_json)


# --- wait and download -----------------------------------------------------------------------------------


@main.command(short_help="Wait until an envelope is finished; exit 0, 3 or 4.")
@click.argument("envelope_id")
@click.option("--timeout", type=click.FloatRange(min=0), default=600.0, show_default=True,
              help="Seconds to wait before giving up.")
@click.option("--poll", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds between the first checks (it backs off from there); default: the provider's "
                   "(5 s, DocuSign 20 min).")
@click.pass_obj
def wait(opts: _Options, envelope_id: str, timeout: float, poll: float | None) -> None:
    """Wait until an envelope is completed, declined, voided or expired.

    Each change is shown on stderr; the envelope, once finished, on stdout.

    \b
    Exit codes:
      0  completed
      3  declined, voided or expired
      4  timed out (the last state seen is on stderr)
      1  another error; 2  a usage mistake
    """
    from . import commands

    commands.wait(opts, envelope_id, timeout, poll)


@main.command(short_help="Download an envelope's documents; print each path.")
@click.argument("envelope_id")
@click.option("-o", "--output", "to", default=".", show_default="the current folder",
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the documents into (created if missing, removed again if the download fails).")
@click.option("--kind", type=click.Choice(_KINDS, case_sensitive=False), default=DocumentKind.EXECUTED.value,
              show_default=True, help="Which rendition to download.")
@click.option("--overwrite", is_flag=True, help="Replace files already in the folder (refused otherwise).")
@click.pass_obj
def download(opts: _Options, envelope_id: str, to: Path, kind: str, overwrite: bool) -> None:
    """Download an envelope's documents into a folder and print each file's path.

    Shows the bytes received when stderr is a terminal.
    """
    from . import commands

    commands.download(opts, envelope_id, to, kind, overwrite)


# --- changes -----------------------------------------------------------------------------------------------


@main.command(short_help="Withdraw a sent envelope.")
@click.argument("envelope_id")
@click.option("--reason", required=True, help="Why the envelope is withdrawn (signers may see it).")
@click.pass_obj
def void(opts: _Options, envelope_id: str, reason: str) -> None:
    """Withdraw a sent envelope."""
    from . import commands

    commands.void(opts, envelope_id, reason)


@main.command(short_help="Sign as a signer (providers with simulated signers).")
@click.argument("envelope_id")
@click.argument("signer_id")
@click.pass_obj
def sign(opts: _Options, envelope_id: str, signer_id: str) -> None:
    """Sign as SIGNER_ID (a signer id, key or email) on a provider with simulated signers."""
    from . import commands

    commands.sign(opts, envelope_id, signer_id)


@main.command(short_help="Decline as a signer (providers with simulated signers).")
@click.argument("envelope_id")
@click.argument("signer_id")
@click.option("--reason", help="Why the signer declines.")
@click.pass_obj
def decline(opts: _Options, envelope_id: str, signer_id: str, reason: str | None) -> None:
    """Decline as SIGNER_ID (a signer id, key or email) on a provider with simulated signers."""
    from . import commands

    commands.decline(opts, envelope_id, signer_id, reason)


# --- auth ---------------------------------------------------------------------------------------------------


@main.command(short_help="Log in to a provider that acts for a user (OAuth).")
@click.argument("provider_name", metavar="[PROVIDER]", required=False)
@click.pass_obj
def auth(opts: _Options, provider_name: str | None) -> None:
    """Log in to PROVIDER (default: the configured one) for providers with user-delegated access."""
    from . import commands

    commands.auth(opts, provider_name)


# --- demo ---------------------------------------------------------------------------------------------------


@main.command(short_help="Send a sample PDF, sign it as two signers, download it.")
@click.option("--path", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the demo's local store (default: 'demo' in the user data folder).")
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the executed PDF (default: executed/<envelope id> in the store folder).")
@click.option("--serve", is_flag=True, help="Leave signing to you: start the signing server, print the links, wait.")
@click.pass_obj
def demo(opts: _Options, path: Path | None, out: Path | None, serve: bool) -> None:
    """Send a generated 2-page PDF to two sequential signers, sign as each, download the result.

    Runs on the local provider unless --provider names another one with simulated signers.
    """
    from . import commands

    commands.demo(opts, path, out, serve)


# --- commands whose bodies live in their own modules, imported when run --------------------------------
_LazyGroup.lazy = {
    # ``signport watch``: the event stream (issue 12)
    "watch": ("signport.events.command:watch", "Poll a provider and report each envelope change once."),
    # the local signing server (issue 11)
    "serve": ("signport_local.server.command:serve",
              "Run the local signing server: inbox, signing pages, webhooks."),
}


# --- helpers importable from here, loaded on first use ----------------------------------------------------

#: name -> the submodule of ``signport.cli`` that holds it
_HELPERS = {
    "capabilities_data": "output",
    "capability_summary": "output",
    "describe_envelope": "output",
    "envelope_data": "output",
    "FieldSpec": "params",
    "parse_deadline": "params",
    "parse_field": "params",
    "parse_signer": "params",
    "resolve_fields": "params",
    "DEMO_SIGNERS": "sample",
    "default_demo_folder": "sample",
    "demo_fields": "sample",
    "sample_pdf": "sample",
}


__getattr__ = lazy_attributes(__name__, _HELPERS)


__all__ = [
    "DEMO_SIGNERS",
    "EXIT_NOT_COMPLETED",
    "EXIT_TIMED_OUT",
    "FIELD_SYNTAX",
    "FieldSpec",
    "capabilities_data",
    "capability_summary",
    "default_demo_folder",
    "demo_fields",
    "describe_envelope",
    "envelope_data",
    "main",
    "parse_deadline",
    "parse_field",
    "parse_signer",
    "resolve_fields",
    "sample_pdf",
]
