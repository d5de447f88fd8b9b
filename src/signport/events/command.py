"""``signport watch``: poll a provider and report each change (printed, and to the handlers given)."""

from __future__ import annotations

import importlib
import json
import os
import signal
import threading
from typing import Any

import click

from ..model import Event
from .handlers import Handlers
from .stores import STORE_ENV, open_store
from .watcher import INTERVAL, REQUESTS_PER_MINUTE, Watcher


def _event_line(event: Event) -> str:
    when = event.occurred_at.isoformat() if event.occurred_at else "-"
    who = f" signer {event.signer_id}" if event.signer_id else ""
    return f"{when}  {event.kind.value:<20} {event.envelope_id}{who}  ({event.native_kind or '-'}, {event.id})"


def _event_json(event: Event) -> str:
    return json.dumps({"id": event.id, "kind": event.kind.value, "provider": event.provider,
                       "envelope_id": event.envelope_id, "signer_id": event.signer_id,
                       "native_kind": event.native_kind, "verification": event.verification.value,
                       "occurred_at": event.occurred_at.isoformat() if event.occurred_at else None})


def _load_handlers(specs: tuple[str, ...]) -> Handlers:
    """``module`` (its ``events.on`` handlers) or ``module:attribute`` (a ``Handlers`` or a function)."""
    from . import handlers as default

    chosen = Handlers()
    for spec in specs:
        module_name, _, attribute = spec.partition(":")
        try:
            module = importlib.import_module(module_name)
            target: Any = getattr(module, attribute) if attribute else default
        except (ImportError, AttributeError) as exc:
            raise click.BadParameter(f"cannot load {spec!r}: {exc}", param_hint="--handler") from None
        if isinstance(target, Handlers):
            for kinds, handler in target._entries:
                chosen._entries.append((kinds, handler))
        elif callable(target):
            chosen.add(target)
        else:
            raise click.BadParameter(f"{spec!r} is neither Handlers nor a function", param_hint="--handler")
    return chosen


@click.command(short_help="Poll a provider and report each envelope change once.")
@click.option("--provider", "-p", "provider_name", metavar="NAME",
              help="Provider to watch (default: as for the other commands).")
@click.option("--store", metavar="URL", help=f"Event store: a SQLite path or sqlite:///path, or postgresql://... "
              f"(default: {STORE_ENV}, else a SQLite file in the data folder).")
@click.option("--handler", "handler_specs", multiple=True, metavar="MODULE[:NAME]",
              help="Also call these handlers: a module's events.on handlers, or a Handlers object or function.")
@click.option("--requests-per-minute", type=click.FloatRange(min=0, min_open=True), default=REQUESTS_PER_MINUTE,
              show_default=True, help="Request budget towards the vendor.")
@click.option("--interval", type=click.FloatRange(min=0), default=INTERVAL, show_default=True,
              help="Seconds between sweeps.")
@click.option("--name", help="Name of this watcher's state in the store (default: the provider's name).")
@click.option("--backfill", is_flag=True, help="On the first sweep, report what already happened too.")
@click.option("--once", is_flag=True, help="One sweep, then exit.")
@click.option("--json", "as_json", is_flag=True, help="Print each event as a JSON line.")
@click.pass_context
def watch(ctx: click.Context, provider_name: str | None, store: str | None, handler_specs: tuple[str, ...],
          requests_per_minute: float, interval: float, name: str | None, backfill: bool, once: bool,
          as_json: bool) -> None:
    """Report each envelope change once, polling the provider.

    Polls list and get within a request budget. For providers without webhooks (EasyInk), or as a
    fallback. State lives in the event store, so a restart resumes where it stopped; several watchers
    sharing a store split the work.
    """
    import signport

    handlers = _load_handlers(handler_specs)
    show = _event_json if as_json else _event_line
    handlers.add(lambda event: click.echo(show(event)))
    chosen = provider_name or getattr(ctx.obj, "provider", None)
    with signport.connect(chosen) as client, open_store(store or os.environ.get(STORE_ENV)) as event_store:
        watcher = Watcher(client, handlers, event_store, name=name, requests_per_minute=requests_per_minute,
                          interval=interval, backfill=backfill)
        if once:
            watcher.poll()
            return
        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            watcher.run(stop)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
