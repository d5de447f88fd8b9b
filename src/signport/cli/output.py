"""What the commands print: envelopes as text lines or JSON, capabilities, and progress on stderr."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
import click

from ..capabilities import Capabilities
from ..model import Envelope, Signer

if TYPE_CHECKING:
    import httpx
    from rich.console import Console
    from rich.progress import Progress

#: Keys left out of ``--json`` output: vendor payloads and signing links are not for terminals or logs.
_PRIVATE_KEYS = frozenset({"raw", "signing_url"})


def _public(data: Any) -> Any:
    """``data`` without the keys that must not be printed."""
    if isinstance(data, Mapping):
        return {k: _public(v) for k, v in data.items() if k not in _PRIVATE_KEYS}
    if isinstance(data, list | tuple):
        return [_public(v) for v in data]
    return data


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON, without vendor payloads or signing links."""
    click.echo(json.dumps(_public(data), indent=2, ensure_ascii=False, default=str))


def envelope_data(envelope: Envelope) -> dict[str, Any]:
    """An envelope as JSON-ready data for ``--json`` output (no vendor payload, no signing links)."""
    from ..convert import converter

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


def when(value: datetime | None) -> str:
    """A date-time to the second, or ``-``."""
    return value.isoformat(timespec="seconds") if value else "-"


def state(envelope: Envelope) -> str:
    """The envelope's state, with the vendor's own name for it when that differs."""
    native = envelope.native_state
    return envelope.state.value + (f" (native: {native})" if native and native != envelope.state.value else "")


def _signer_state(signer: Signer) -> str:
    native = signer.native_state
    return signer.state.value + (f" (native: {native})" if native and native != signer.state.value else "")


def table(rows: Iterable[tuple[str, ...]], indent: str = "") -> list[str]:
    """Rows as lines with aligned columns."""
    rows = list(rows)
    if not rows:
        return []
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _signer_rows(envelope: Envelope, indent: str) -> list[str]:
    return table(((f"{i}.", s.name, _contact(s), _signer_state(s), f"id={s.id or '-'}")
                  for i, s in enumerate(envelope.signers, 1)), indent)


def describe_envelope(envelope: Envelope) -> list[str]:
    """The lines ``signport status`` prints."""
    lines = table([
        ("id", envelope.id or "-"),
        ("subject", envelope.subject),
        ("state", state(envelope)),
        ("provider", envelope.provider or "-"),
        ("order", envelope.order.value),
        ("created", when(envelope.created_at)),
        ("sign by", when(envelope.sign_by)),
        ("completed", when(envelope.completed_at)),
    ])
    if envelope.void_reason:
        lines.append(f"void reason  {envelope.void_reason}")
    lines.append("signers")
    lines += _signer_rows(envelope, "  ")
    for s in envelope.signers:
        if s.decline_reason:
            lines.append(f"  {s.name} declined: {s.decline_reason}")
    lines.append("documents")
    lines += table(((f"{i}.", d.name, f"id={d.id or '-'}") for i, d in enumerate(envelope.documents, 1)), "  ")
    return lines


def snapshot(envelope: Envelope) -> list[str]:
    """A short view of an envelope's state and each signer's state (for transitions)."""
    head = f"envelope {envelope.id}: {state(envelope)}"
    rows = table(((s.name, _contact(s), _signer_state(s)) for s in envelope.signers), "    ")
    return [head, *rows]


def stderr() -> Console:
    """A rich console on stderr."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


class Activity:
    """A one-line progress display on stderr: what is happening, and a byte count where there is one.

    Shown only when stderr is an interactive terminal and the output is not ``--json``; otherwise
    every method does nothing, so scripts and pipes see only the command's own output.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.progress: Progress | None = None
        self.task: Any = None
        console = stderr()
        if enabled and console.is_interactive:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                     TextColumn("{task.fields[detail]}"), console=console, transient=True)

    def __enter__(self) -> Activity:
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
        from ..provider import EXT_DELAY

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
