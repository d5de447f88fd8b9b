"""signport's own log records as lines on stderr, for ``--verbose`` and ``--debug``."""

from __future__ import annotations

import logging

import click


class _EchoHandler(logging.Handler):
    """Log records as lines on stderr, through click (so a live progress display stays intact)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:  # pragma: no cover - logging must never break a command
            self.handleError(record)


def show_logs(ctx: click.Context, debug: bool) -> None:
    """Show signport's own log records (never httpx's, whose lines carry full URLs) while ``ctx`` runs.

    ``INFO`` and up, or ``DEBUG`` and up with ``debug``; the logger is as before once ``ctx`` closes.
    """
    logger = logging.getLogger("signport")
    handler = _EchoHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.INFO)

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    ctx.call_on_close(restore)
