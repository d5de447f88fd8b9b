"""The ``signport`` command line: send, inspect, wait for and download envelopes, and run a demo.

Every command talks to the provider chosen with ``--provider`` (else ``SIGNPORT_PROVIDER``, the
configuration file, or ``local``), with that provider's settings from the environment and the
configuration file. Exit codes: 0 success, 1 a signport error (one line on stderr), 2 bad usage;
``wait`` adds 3 (declined, voided or expired) and 4 (timed out).

A new command keeps its body in a module of its own and is registered here with ``main.add_command``;
give it a ``short_help`` that fits the command list of an 80-column terminal.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import click

from . import __version__, config, registry
from .capabilities import Capabilities
from .errors import SignportError, WaitTimeout
from .model import Document, Envelope, Field, Placement, Signer
from .states import DocumentKind, FieldType, SigningOrder, State

if TYPE_CHECKING:
    import httpx
    from rich.console import Console, RenderableType
    from rich.progress import Progress

    from .client import Client
    from .simulated import LocalOperations

#: Keys left out of ``--json`` output: vendor payloads and signing links are not for terminals or logs.
_PRIVATE_KEYS = frozenset({"raw", "signing_url"})


# --- errors and output ---------------------------------------------------------------------------


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


#: ``signport wait``: the envelope ended declined, voided or expired.
EXIT_NOT_COMPLETED = 3
#: ``signport wait``: the wait timed out.
EXIT_TIMED_OUT = 4


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


class _TimedOut(click.ClickException):
    """``wait`` ran out of time: one line on stderr, exit code 4."""

    exit_code = EXIT_TIMED_OUT


def _public(data: Any) -> Any:
    """``data`` without the keys that must not be printed."""
    if isinstance(data, Mapping):
        return {k: _public(v) for k, v in data.items() if k not in _PRIVATE_KEYS}
    if isinstance(data, list | tuple):
        return [_public(v) for v in data]
    return data


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(_public(data), indent=2, ensure_ascii=False, default=str))


def envelope_data(envelope: Envelope) -> dict[str, Any]:
    """An envelope as JSON-ready data for ``--json`` output (no vendor payload, no signing links)."""
    from .convert import converter

    data: dict[str, Any] = _public(converter.unstructure(envelope))
    return data


def capabilities_data(capabilities: Capabilities) -> dict[str, Any]:
    """Capabilities as JSON-ready data: booleans, and sorted lists of enum values."""
    out: dict[str, Any] = {}
    for a in attrs.fields(Capabilities):
        value = getattr(capabilities, a.name)
        out[a.name] = sorted(v.value for v in value) if isinstance(value, frozenset) else value
    return out


def capability_summary(capabilities: Capabilities) -> str:
    """One line naming what a provider supports."""
    parts: list[str] = []
    for name, value in capabilities_data(capabilities).items():
        label = name.replace("_", " ")
        if isinstance(value, list):
            if value:
                parts.append(f"{label}: {','.join(value)}")
        elif value:
            parts.append(label)
    return "; ".join(parts) or "nothing"


def _contact(signer: Signer) -> str:
    return signer.email or signer.phone or "-"


def _when(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else "-"


def _state(envelope: Envelope) -> str:
    native = envelope.native_state
    return envelope.state.value + (f" (native: {native})" if native and native != envelope.state.value else "")


def _signer_state(signer: Signer) -> str:
    native = signer.native_state
    return signer.state.value + (f" (native: {native})" if native and native != signer.state.value else "")


def _table(rows: Iterable[tuple[str, ...]], indent: str = "") -> list[str]:
    rows = list(rows)
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _signer_rows(envelope: Envelope, indent: str) -> list[str]:
    return _table(((f"{i}.", s.name, _contact(s), _signer_state(s), f"id={s.id or '-'}")
                   for i, s in enumerate(envelope.signers, 1)), indent)


def describe_envelope(envelope: Envelope) -> list[str]:
    """The lines ``signport status`` prints."""
    lines = _table([
        ("id", envelope.id or "-"),
        ("subject", envelope.subject),
        ("state", _state(envelope)),
        ("provider", envelope.provider or "-"),
        ("order", envelope.order.value),
        ("created", _when(envelope.created_at)),
        ("sign by", _when(envelope.sign_by)),
        ("completed", _when(envelope.completed_at)),
    ])
    if envelope.void_reason:
        lines.append(f"void reason  {envelope.void_reason}")
    lines.append("signers")
    lines += _signer_rows(envelope, "  ")
    for s in envelope.signers:
        if s.decline_reason:
            lines.append(f"  {s.name} declined: {s.decline_reason}")
    lines.append("documents")
    lines += _table(((f"{i}.", d.name, f"id={d.id or '-'}") for i, d in enumerate(envelope.documents, 1)), "  ")
    return lines


def _snapshot(envelope: Envelope) -> list[str]:
    """A short view of an envelope's state and each signer's state (for transitions)."""
    head = f"envelope {envelope.id}: {_state(envelope)}"
    rows = _table(((s.name, _contact(s), _signer_state(s)) for s in envelope.signers), "    ")
    return [head, *rows]


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


class _Activity:
    """A one-line progress display on stderr: what is happening, and a byte count where there is one.

    Shown only when stderr is an interactive terminal and the output is not ``--json``; otherwise
    every method does nothing, so scripts and pipes see only the command's own output.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.progress: Progress | None = None
        self.task: Any = None
        console = _stderr()
        if enabled and console.is_interactive:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                     TextColumn("{task.fields[detail]}"), console=console, transient=True)

    def __enter__(self) -> _Activity:
        if self.progress is not None:
            self.progress.start()
            self.task = self.progress.add_task("", total=None, detail="")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def step(self, text: str) -> None:
        """A new step with no byte count (yet)."""
        if self.progress is not None:
            self.progress.update(self.task, description=text, completed=0, total=None, detail="")

    def bytes(self, done: int, total: int | None) -> None:
        """Bytes moved so far in the current step."""
        if self.progress is not None:
            from rich.filesize import decimal

            detail = f"{decimal(done)} / {decimal(total)}" if total else decimal(done)
            self.progress.update(self.task, completed=done, total=total, detail=detail)

    def on_request(self, provider: str) -> Callable[[httpx.Request], Callable[[int, int | None], None] | None]:
        """A ``Client.on_request`` hook naming each step of a flow: uploads (with bytes), waits for processing."""
        from .provider import EXT_DELAY

        def hook(request: httpx.Request) -> Callable[[int, int | None], None] | None:
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if request.extensions.get(EXT_DELAY):
                self.step(f"waiting for {provider} to process the documents")
            elif content_type in _UPLOAD_TYPES:
                self.step(f"uploading to {provider}")
                return self.bytes
            else:
                self.step(f"talking to {provider}")
            return None
        return hook


_UPLOAD_TYPES = frozenset({"multipart/form-data", "application/pdf", "application/octet-stream"})


# --- parameter types -------------------------------------------------------------------------------


_SIGNER = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<\s*(?P<email>[^<>\s]+)\s*>\s*$")


def parse_signer(text: str) -> Signer:
    """``"First Last <email@example.com>"``: the first word is the first name, the rest the last name."""
    match = _SIGNER.match(text)
    if not match:
        raise click.BadParameter(f'expected "First Last <email@example.com>", got {text!r}')
    first, _, last = match["name"].strip().partition(" ")
    if not first or not last.strip():
        raise click.BadParameter(f"needs a first and a last name: {text!r}")
    return Signer(first_name=first, last_name=last.strip(), email=match["email"])


def parse_deadline(text: str) -> datetime:
    """``YYYY-MM-DD`` (the end of that day) or an ISO 8601 date-time; local time unless an offset is given."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            result = datetime.combine(date.fromisoformat(text), dtime(23, 59, 59))
        else:
            result = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"not a date (YYYY-MM-DD) or an ISO 8601 date-time: {text!r}") from None
    return result if result.tzinfo is not None else result.astimezone()


FIELD_SYNTAX = "SIGNER:PAGE:X:Y:W:H[:TYPE]"
_FIELD_TYPES = [t.value for t in FieldType]


@attrs.frozen
class FieldSpec:
    """A parsed ``--field``: ``signer`` as written (a 1-based position or an email), to resolve later."""

    signer: str
    placement: Placement
    type: FieldType


def parse_field(text: str) -> FieldSpec:
    """``SIGNER:PAGE:X:Y:W:H[:TYPE]``: PDF points from the bottom-left of the page, pages from 1."""
    parts = [p.strip() for p in text.split(":")]
    example = "e.g. 1:2:72:100:200:40:signature"
    if len(parts) not in (6, 7) or not parts[0]:
        raise click.BadParameter(f"expected {FIELD_SYNTAX} ({example}), got {text!r}")
    try:
        page = int(parts[1])
    except ValueError:
        raise click.BadParameter(f"PAGE must be a whole number from 1, got {parts[1]!r}") from None
    if page < 1:
        raise click.BadParameter(f"PAGE must be a whole number from 1, got {parts[1]!r}")
    numbers: list[float] = []
    for name, raw in zip(("X", "Y", "W", "H"), parts[2:6], strict=True):
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < 0 or (name in "WH" and number == 0):
            rule = "a number > 0" if name in "WH" else "a number >= 0"
            raise click.BadParameter(f"{name} must be {rule} (PDF points), got {raw!r}")
        numbers.append(number)
    kind = parts[6].lower() if len(parts) == 7 else FieldType.SIGNATURE.value
    if kind not in _FIELD_TYPES:
        raise click.BadParameter(f"TYPE must be one of {', '.join(_FIELD_TYPES)}, got {parts[6]!r}")
    x, y, width, height = numbers
    return FieldSpec(parts[0], Placement(page=page, x=x, y=y, width=width, height=height), FieldType(kind))


def resolve_fields(specs: Iterable[FieldSpec], signers: tuple[Signer, ...]) -> list[Field]:
    """Turn each ``FieldSpec``'s SIGNER (a 1-based position or an email) into the signer's index."""
    fields: list[Field] = []
    for spec in specs:
        ref = spec.signer
        if ref.isdigit():
            index = int(ref) - 1
            if not 0 <= index < len(signers):
                raise click.BadParameter(f"SIGNER {ref} is not between 1 and {len(signers)} "
                                         "(the position of a --signer)", param_hint="'--field'")
        else:
            matches = [i for i, s in enumerate(signers) if (s.email or "").casefold() == ref.casefold()]
            if not matches:
                raise click.BadParameter(f"SIGNER {ref!r} is not the email of a --signer", param_hint="'--field'")
            index = matches[0]
        fields.append(Field(type=spec.type, signer=index, placement=spec.placement))
    return fields


def _fields_option(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[FieldSpec, ...]:
    return tuple(parse_field(v) for v in value)


def _signers_option(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[Signer, ...]:
    return tuple(parse_signer(v) for v in value)


def _deadline_option(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    return None if value is None else parse_deadline(value)

_STATES = [s.value for s in State if s is not State.UNKNOWN]
_KINDS = [k.value for k in DocumentKind]


def _json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(f)


# --- the group ----------------------------------------------------------------------------------------


@attrs.define
class _Options:
    provider: str | None


@contextmanager
def _client(opts: _Options, **settings: Any) -> Iterator[Client]:
    import signport

    with signport.connect(opts.provider, **settings) as client:
        yield client


class _EchoHandler(logging.Handler):
    """Log records as lines on stderr, through click (so a live progress display stays intact)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # pragma: no cover - logging must never break a command
            self.handleError(record)


def _configure_logging(level: int | None) -> None:
    """Show signport's own log records (never httpx's, whose lines carry full URLs) from ``level`` up."""
    logger = logging.getLogger("signport")
    for handler in [h for h in logger.handlers if isinstance(h, _EchoHandler)]:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    if level is None:
        return
    handler = _EchoHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


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
    _configure_logging(logging.DEBUG if debug else logging.INFO if verbose else None)
    ctx.obj = _Options(provider=provider)


# --- providers ------------------------------------------------------------------------------------------


@main.command(short_help="List the installed providers and what each supports.")
@_json_option
def providers(as_json: bool) -> None:
    """List the installed providers and what each supports."""
    rows: list[dict[str, Any]] = []
    for name in registry.providers():
        try:
            cls = registry.provider_class(name)
        except Exception as exc:  # one broken plugin must not hide the others
            rows.append({"name": name, "error": _one_line(f"{type(exc).__name__}: {exc}")})
        else:
            rows.append({"name": name, "capabilities": cls.capabilities})
    if as_json:
        _echo_json([{**r, "capabilities": capabilities_data(r["capabilities"])} if "capabilities" in r else r
                    for r in rows])
        return
    width = max((len(r["name"]) for r in rows), default=0)
    for r in rows:
        text = capability_summary(r["capabilities"]) if "capabilities" in r else f"unavailable ({r['error']})"
        click.echo(f"{r['name'].ljust(width)}  {text}")


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
    documents = [Document.from_path(f) for f in files]
    envelope = Envelope(
        subject=subject if subject is not None else files[0].stem,
        documents=documents,
        signers=signers,
        fields=resolve_fields(fields, signers),
        order=SigningOrder.SEQUENTIAL if sequential else SigningOrder.PARALLEL,
        sign_by=sign_by,
        message=message,
    )
    with _client(opts) as client, _Activity(enabled=not as_json) as activity:
        activity.step(f"{'creating a draft' if draft else 'sending'} on {client.provider.name}")
        client.on_request = activity.on_request(client.provider.name)
        result = client.create_draft(envelope) if draft else client.send(envelope)
    if as_json:
        _echo_json(envelope_data(result))
    else:
        for line in describe_envelope(result):
            click.echo(line)


@main.command(short_help="Show an envelope, its signers and documents.")
@click.argument("envelope_id")
@_json_option
@click.pass_obj
def status(opts: _Options, envelope_id: str, as_json: bool) -> None:
    """Show an envelope: its state, each signer's state, its documents."""
    with _client(opts) as client:
        envelope = client.get(envelope_id)
    if as_json:
        _echo_json(envelope_data(envelope))
    else:
        for line in describe_envelope(envelope):
            click.echo(line)


@main.command("list", short_help="List envelopes (every page, or the first --limit).")
@click.option("--state", "states", multiple=True, type=click.Choice(_STATES, case_sensitive=False),
              help="Only envelopes in this state (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after this many envelopes.")
@_json_option
@click.pass_obj
def list_(opts: _Options, states: tuple[str, ...], limit: int | None, as_json: bool) -> None:
    """List envelopes (every page, or the first --limit)."""
    wanted = frozenset(State(s.lower()) for s in states) or None
    with _client(opts) as client:
        envelopes = list(itertools.islice(client.list(states=wanted), limit))
    if as_json:
        _echo_json([envelope_data(e) for e in envelopes])
        return
    rows = [(e.id or "-", e.state.value, _when(e.created_at), e.subject) for e in envelopes]
    for line in _table([("ID", "STATE", "CREATED", "SUBJECT"), *rows]) if rows else []:
        click.echo(line)
    if not rows:
        click.echo("no envelopes", err=True)


# --- wait and download -----------------------------------------------------------------------------------


class _Waiting:
    """The live line shown while waiting: the last state seen and the time elapsed."""

    def __init__(self, envelope_id: str) -> None:
        self.envelope_id = envelope_id
        self.state = "checking"
        self.started = time.monotonic()

    def __rich__(self) -> RenderableType:
        from rich.spinner import Spinner

        elapsed = int(time.monotonic() - self.started)
        return Spinner("dots", f"waiting for {self.envelope_id}: {self.state} ({elapsed}s)")


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
    err = _stderr()
    waiting = _Waiting(envelope_id)
    with _client(opts) as client, _live(waiting, err) as say:
        def on_change(envelope: Envelope) -> None:
            waiting.state = _state(envelope)
            for line in _snapshot(envelope):
                say(line)

        try:
            envelope = client.wait(envelope_id, timeout=timeout, poll=poll, on_change=on_change)
        except WaitTimeout as exc:
            raise _TimedOut(_one_line(str(exc))) from None
    for line in describe_envelope(envelope):
        click.echo(line)
    if envelope.state is not State.COMPLETED:
        click.get_current_context().exit(EXIT_NOT_COMPLETED)


@contextmanager
def _live(waiting: _Waiting, console: Console) -> Iterator[Callable[[str], None]]:
    """A spinner with the last state on an interactive terminal; yields how to print a line above it."""
    if not console.is_interactive:
        yield lambda line: click.echo(line, err=True)
        return
    from rich.live import Live

    with Live(waiting, console=console, transient=True, refresh_per_second=8) as live:
        yield lambda line: live.console.print(line, markup=False, highlight=False)


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
    doc_kind = DocumentKind(kind.lower())
    with _client(opts) as client, _Activity() as activity:
        label = f"downloading {doc_kind.value} {envelope_id}"
        activity.step(label)
        files = {"count": 0, "last": -1}

        def progress(done: int, total: int | None) -> None:
            if done <= files["last"] or files["count"] == 0:  # the driver started the next file
                files["count"] += 1
                activity.step(f"{label}, file {files['count']}")
            files["last"] = done
            activity.bytes(done, total)

        paths = client.download(envelope_id, to=to, kind=doc_kind, progress=progress, overwrite=overwrite)
    for path in paths:
        click.echo(str(path))


# --- changes -----------------------------------------------------------------------------------------------


@main.command(short_help="Withdraw a sent envelope.")
@click.argument("envelope_id")
@click.option("--reason", required=True, help="Why the envelope is withdrawn (signers may see it).")
@click.pass_obj
def void(opts: _Options, envelope_id: str, reason: str) -> None:
    """Withdraw a sent envelope."""
    with _client(opts) as client:
        envelope = client.void(envelope_id, reason=reason)
    for line in _snapshot(envelope):
        click.echo(line)


def _find_signer(envelope: Envelope, ref: str) -> Signer | None:
    matchers: tuple[Callable[[Signer], bool], ...] = (
        lambda s: s.id == ref, lambda s: s.key == ref, lambda s: (s.email or "").casefold() == ref.casefold())
    for match in matchers:
        found = [s for s in envelope.signers if match(s)]
        if len(found) == 1:
            return found[0]
    return None


def _act(opts: _Options, envelope_id: str, signer_ref: str,
         action: Callable[[LocalOperations, str], object], verb: str) -> None:
    with _client(opts) as client:
        local = client.local
        signer = _find_signer(client.get(envelope_id), signer_ref)
        action(local, signer.id if signer is not None and signer.id else signer_ref)
        envelope = client.get(envelope_id)
    click.echo(f"{signer.name if signer else signer_ref} {verb}")
    for line in _snapshot(envelope):
        click.echo(line)


@main.command(short_help="Sign as a signer (providers with simulated signers).")
@click.argument("envelope_id")
@click.argument("signer_id")
@click.pass_obj
def sign(opts: _Options, envelope_id: str, signer_id: str) -> None:
    """Sign as SIGNER_ID (a signer id, key or email) on a provider with simulated signers."""
    _act(opts, envelope_id, signer_id, lambda p, sid: p.sign(envelope_id, sid), "signed")


@main.command(short_help="Decline as a signer (providers with simulated signers).")
@click.argument("envelope_id")
@click.argument("signer_id")
@click.option("--reason", help="Why the signer declines.")
@click.pass_obj
def decline(opts: _Options, envelope_id: str, signer_id: str, reason: str | None) -> None:
    """Decline as SIGNER_ID (a signer id, key or email) on a provider with simulated signers."""
    _act(opts, envelope_id, signer_id, lambda p, sid: p.decline(envelope_id, sid, reason), "declined")


# --- auth ---------------------------------------------------------------------------------------------------


@main.command(short_help="Log in to a provider that acts for a user (OAuth).")
@click.argument("provider_name", metavar="[PROVIDER]", required=False)
@click.pass_obj
def auth(opts: _Options, provider_name: str | None) -> None:
    """Log in to PROVIDER (default: the configured one) for providers with user-delegated access."""
    file = config.load_file()
    name = provider_name or config.provider_name(opts.provider, file)
    cls = registry.provider_class(name)
    settings = config.resolve_settings(name, cls.settings_class, {}, file)

    def ask(prompt: str) -> str:
        answer: str = click.prompt(prompt, type=str, err=True)
        return answer.strip()

    def say(text: str) -> None:
        click.echo(text)

    cls.login(settings, ask, say)


# --- demo ---------------------------------------------------------------------------------------------------


DEMO_SIGNERS = (
    Signer(first_name="Ada", last_name="Lovelace", email="ada@example.com", key="ada"),
    Signer(first_name="Alan", last_name="Turing", email="alan@example.com", key="alan"),
)
_PAGE_WIDTH, _PAGE_HEIGHT = 612.0, 792.0  # US Letter, points


def demo_fields(signers: Iterable[Signer] = DEMO_SIGNERS) -> list[Field]:
    """A signature and a date field per signer, on page 2 of the sample PDF."""
    fields: list[Field] = []
    for i, signer in enumerate(signers):
        y = 520.0 - i * 170.0
        ref: int | str = signer.key if signer.key is not None else i
        fields.append(Field(type=FieldType.SIGNATURE, signer=ref,
                            placement=Placement(page=2, x=72, y=y, width=250, height=50)))
        fields.append(Field(type=FieldType.DATE, signer=ref,
                            placement=Placement(page=2, x=360, y=y, width=160, height=30)))
    return fields


def sample_pdf(parties: int = 2) -> bytes:
    """A two-page agreement with signature and date lines for ``parties`` signers (no names on it)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(_PAGE_WIDTH, _PAGE_HEIGHT), invariant=True)
    pdf.setTitle("Sample agreement")
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(72, 720, "Sample Services Agreement")
    pdf.setFont("Helvetica", 11)
    text = pdf.beginText(72, 690)
    for line in (
        "This sample agreement was generated by 'signport demo'. It has no legal effect.",
        "",
        "1. Services. The provider performs the services described in the schedule.",
        "2. Fees. The client pays the fees in the schedule within 30 days of each invoice.",
        "3. Confidentiality. Each party keeps the other's confidential information secret.",
        "4. Term. This agreement starts on the date of the last signature and runs one year.",
        "",
        "The signatures follow on page 2.",
    ):
        text.textLine(line)
    pdf.drawText(text)
    pdf.showPage()
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(72, 720, "Signatures")
    pdf.setFont("Helvetica", 10)
    for i, field in enumerate(demo_fields([Signer(first_name="x", last_name="y")] * parties)):
        box = field.placement
        if field.type is FieldType.SIGNATURE:
            pdf.drawString(72, box.y + box.height + 20, f"Party {i // 2 + 1}")
        pdf.line(box.x, box.y, box.x + box.width, box.y)
        pdf.drawString(box.x, box.y - 14, "Signature" if field.type is FieldType.SIGNATURE else "Date")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def default_demo_folder() -> Path:
    """Where ``signport demo`` keeps its store and output unless ``--path`` is given."""
    import platformdirs

    return platformdirs.user_data_path("signport", appauthor=False) / "demo"


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
    name = opts.provider or "local"
    if path is not None and name != "local":
        raise click.UsageError("--path applies to the local provider only")
    folder = (path or default_demo_folder()).expanduser()
    if serve:
        if name != "local":
            raise click.UsageError("--serve runs on the local provider only")
        from signport_local.server.command import serve_demo

        return serve_demo(folder)
    settings: dict[str, Any] = {}
    if name == "local":
        folder.mkdir(parents=True, exist_ok=True)
        settings["path"] = folder
    step = itertools.count(1)

    def show(title: str, envelope: Envelope) -> None:
        click.echo(f"[{next(step)}] {title}")
        for line in _snapshot(envelope):
            click.echo(f"    {line}")

    envelope = Envelope(
        subject="Sample services agreement",
        documents=[Document(name="sample-agreement.pdf", content=sample_pdf(len(DEMO_SIGNERS)))],
        signers=DEMO_SIGNERS,
        fields=demo_fields(),
        order=SigningOrder.SEQUENTIAL,
        message="Please sign the sample agreement.",
    )
    with _client(_Options(name), **settings) as client:
        local = client.local
        click.echo(f"provider {client.provider.name}" + (f", store {folder}" if name == "local" else ""))
        if client.capabilities.drafts:
            draft = client.create_draft(envelope)
            show("draft created", draft)
            current = client.send_draft(draft)
        else:
            current = client.send(envelope)
        show("sent", current)
        envelope_id = current.id
        for i, demo_signer in enumerate(DEMO_SIGNERS):
            signer = _find_signer(current, demo_signer.email or "") or current.signers[i]
            local.sign(current, signer)
            current = client.get(current)
            show(f"{signer.name} signed", current)
        target = out if out is not None else folder / "executed" / envelope_id
        target.mkdir(parents=True, exist_ok=True)
        executed = client.download(envelope_id, to=target, kind=DocumentKind.EXECUTED)
        audit = (client.download(envelope_id, to=target, kind=DocumentKind.AUDIT)
                 if DocumentKind.AUDIT in client.capabilities.download_kinds else [])
    for p in audit:
        click.echo(f"Audit trail: {p}")
    for p in executed:
        click.echo(f"Executed PDF: {p}")


# --- commands whose bodies live in their own modules, imported when run --------------------------------
_LazyGroup.lazy = {
    # ``signport watch``: the event stream (issue 12)
    "watch": ("signport.events.command:watch", "Poll a provider and report each envelope change once."),
    # the local signing server (issue 11)
    "serve": ("signport_local.server.command:serve",
              "Run the local signing server: inbox, signing pages, webhooks."),
}

if __name__ == "__main__":  # pragma: no cover
    main()
