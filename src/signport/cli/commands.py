"""The bodies of the ``signport`` commands (their arguments, options and help are in ``signport.cli``)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import config, registry
from ..errors import WaitTimeout
from ..model import Document, Envelope, Signer
from ..states import DocumentKind, SigningOrder, State
from . import EXIT_NOT_COMPLETED, EXIT_TIMED_OUT, _one_line, _Options
from .output import (
    Activity,
    capabilities_data,
    capability_summary,
    describe_envelope,
    echo_json,
    envelope_data,
    snapshot,
    state,
    stderr,
    table,
    when,
)
from .params import FieldSpec, resolve_fields
from .sample import DEMO_SIGNERS, default_demo_folder, demo_fields, sample_pdf

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from ..client import Client
    from ..simulated import LocalOperations


class _TimedOut(click.ClickException):
    """``wait`` ran out of time: one line on stderr, exit code 4."""

    exit_code = EXIT_TIMED_OUT


@contextmanager
def _client(opts: _Options, **settings: Any) -> Iterator[Client]:
    import signport

    with signport.connect(opts.provider, **settings) as client:
        yield client


# --- providers ------------------------------------------------------------------------------------------


def providers(as_json: bool) -> None:
    """``signport providers``."""
    rows: list[dict[str, Any]] = []
    for name in registry.providers():
        try:
            cls = registry.provider_class(name)
        except Exception as exc:  # one broken plugin must not hide the others
            rows.append({"name": name, "error": _one_line(f"{type(exc).__name__}: {exc}")})
        else:
            rows.append({"name": name, "capabilities": cls.capabilities})
    if as_json:
        echo_json([{**r, "capabilities": capabilities_data(r["capabilities"])} if "capabilities" in r else r
                   for r in rows])
        return
    width = max((len(r["name"]) for r in rows), default=0)
    for r in rows:
        text = capability_summary(r["capabilities"]) if "capabilities" in r else f"unavailable ({r['error']})"
        click.echo(f"{r['name'].ljust(width)}  {text}")


# --- send and read ---------------------------------------------------------------------------------------


def send(opts: _Options, files: tuple[Path, ...], signers: tuple[Signer, ...], fields: tuple[FieldSpec, ...],
         sequential: bool, draft: bool, sign_by: datetime | None, subject: str | None, message: str | None,
         as_json: bool) -> None:
    """``signport send``."""
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
    with _client(opts) as client, Activity(enabled=not as_json) as activity:
        activity.step(f"{'creating a draft' if draft else 'sending'} on {client.provider.name}")
        client.on_request = activity.on_request(client.provider.name)
        result = client.create_draft(envelope) if draft else client.send(envelope)
    if as_json:
        echo_json(envelope_data(result))
    else:
        for line in describe_envelope(result):
            click.echo(line)


def status(opts: _Options, envelope_id: str, as_json: bool) -> None:
    """``signport status``."""
    with _client(opts) as client:
        envelope = client.get(envelope_id)
    if as_json:
        echo_json(envelope_data(envelope))
    else:
        for line in describe_envelope(envelope):
            click.echo(line)


def list_(opts: _Options, states: tuple[str, ...], limit: int | None, as_json: bool) -> None:
    """``signport list``."""
    wanted = frozenset(State(s.lower()) for s in states) or None
    with _client(opts) as client:
        envelopes = list(itertools.islice(client.list(states=wanted), limit))
    if as_json:
        echo_json([envelope_data(e) for e in envelopes])
        return
    rows = [(e.id or "-", e.state.value, when(e.created_at), e.subject) for e in envelopes]
    for line in table([("ID", "STATE", "CREATED", "SUBJECT"), *rows]) if rows else []:
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


def wait(opts: _Options, envelope_id: str, timeout: float, poll: float | None) -> None:
    """``signport wait``."""
    err = stderr()
    waiting = _Waiting(envelope_id)
    with _client(opts) as client, _live(waiting, err) as say:
        def on_change(envelope: Envelope) -> None:
            waiting.state = state(envelope)
            for line in snapshot(envelope):
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


def download(opts: _Options, envelope_id: str, to: Path, kind: str, overwrite: bool) -> None:
    """``signport download``."""
    doc_kind = DocumentKind(kind.lower())
    with _client(opts) as client, Activity() as activity:
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


def void(opts: _Options, envelope_id: str, reason: str) -> None:
    """``signport void``."""
    with _client(opts) as client:
        envelope = client.void(envelope_id, reason=reason)
    for line in snapshot(envelope):
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
    for line in snapshot(envelope):
        click.echo(line)


def sign(opts: _Options, envelope_id: str, signer_id: str) -> None:
    """``signport sign``."""
    _act(opts, envelope_id, signer_id, lambda p, sid: p.sign(envelope_id, sid), "signed")


def decline(opts: _Options, envelope_id: str, signer_id: str, reason: str | None) -> None:
    """``signport decline``."""
    _act(opts, envelope_id, signer_id, lambda p, sid: p.decline(envelope_id, sid, reason), "declined")


# --- auth ---------------------------------------------------------------------------------------------------


def auth(opts: _Options, provider_name: str | None) -> None:
    """``signport auth``."""
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


def demo(opts: _Options, path: Path | None, out: Path | None, serve: bool) -> None:
    """``signport demo``."""
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
        for line in snapshot(envelope):
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
