"""The ``signport serve`` command and ``signport demo --serve`` (registered in ``signport.cli``)."""

from __future__ import annotations

import contextlib
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any

import click

SERVER_EXTRA = 'the signing server needs the server extra: pip install "signport[server]"'


def _check_extra() -> None:
    try:
        import jinja2  # noqa: F401
        import pypdfium2  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(f"{SERVER_EXTRA} ({exc.name} is missing)") from None


def _connect(path: Path | None, server_url: str) -> Any:
    import signport

    settings: dict[str, Any] = {"server_url": server_url}
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        settings["path"] = path
    return signport.connect("local", **settings)


@click.command(short_help="Run the local signing server: inbox, signing pages, webhooks.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (anything but loopback lets other machines sign).")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--path", type=click.Path(file_okay=False, path_type=Path),
              help="The local store's folder (default: SIGNPORT_LOCAL_PATH, the configuration, or user data).")
@click.option("--open", "open_browser", is_flag=True, help="Open the inbox in a web browser.")
def serve(host: str, port: int, path: Path | None, open_browser: bool) -> None:
    """Run the local signing server: an inbox of the local store, signing pages, webhooks posted for real.

    Point the library at it with SIGNPORT_LOCAL_SERVER_URL=http://HOST:PORT so that
    client.signing_url(...) returns links to its signing pages.
    """
    _check_extra()
    import uvicorn

    from .app import create_app
    from .run import allowed_hosts

    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    client = _connect(path, url)
    try:
        provider = client.provider
        app = create_app(provider, allowed_hosts=allowed_hosts(host))
        click.echo(f"signport local server on {url}  (store {provider.folder})")
        click.echo(f"  signing links: export SIGNPORT_LOCAL_SERVER_URL={url}")
        if provider.settings.webhook_urls:
            click.echo(f"  webhooks to: {', '.join(sorted(provider.settings.webhook_urls))}")
        if allowed_hosts(host) is not None:
            click.echo("  warning: listening beyond this machine; anyone who can reach it sees the inbox", err=True)
        if open_browser:
            threading.Timer(1.0, webbrowser.open, args=(url,)).start()
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                    timeout_graceful_shutdown=2)
    finally:
        client.close()


def serve_demo(folder: Path, *, host: str = "127.0.0.1", port: int = 8025, poll: float = 1.0) -> None:
    """``signport demo --serve``: send the demo envelope, print both signing links, wait for the people.

    Serves on ``port`` (any free port when that one is taken) until the envelope is finished or Ctrl+C.
    """
    _check_extra()
    import signport
    from signport import Document, DocumentKind, Envelope, SigningOrder, State
    from signport.cli import DEMO_SIGNERS, demo_fields, sample_pdf

    from ..provider import LocalProvider
    from .run import running

    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        provider = stack.enter_context(signport.connect("local", path=folder)).provider
        assert isinstance(provider, LocalProvider)
        try:
            url = stack.enter_context(running(provider, host=host, port=port))
        except OSError:  # the port is taken (another server): any free one will do
            url = stack.enter_context(running(provider, host=host, port=0))
        client = stack.enter_context(signport.connect("local", path=folder, server_url=url))
        sent = client.send(Envelope(
            subject="Sample services agreement",
            documents=[Document(name="sample-agreement.pdf", content=sample_pdf(len(DEMO_SIGNERS)))],
            signers=DEMO_SIGNERS, fields=demo_fields(), order=SigningOrder.SEQUENTIAL,
            message="Please sign the sample agreement."))
        assert sent.id is not None
        click.echo(f"provider local, store {folder}")
        click.echo(f"Inbox: {url}/")
        for signer in sent.signers:
            assert signer.id is not None
            click.echo(f"Signing link for {signer.name}: {client.signing_url(sent.id, signer.id)}")
        click.echo("Sign in your browser, Ada first, then Alan; this waits until the envelope is finished "
                   "(Ctrl+C stops).")
        try:
            done = client.wait(sent.id, timeout=24 * 3600, poll=poll)
        except KeyboardInterrupt:
            click.echo("Stopped.")
            return
        click.echo(f"Envelope {done.state.value}.")
        if done.state is State.COMPLETED:
            target = folder / "executed" / sent.id
            target.mkdir(parents=True, exist_ok=True)
            for p in client.download(sent.id, to=target, kind=DocumentKind.EXECUTED):
                click.echo(f"Executed PDF: {p}")
            time.sleep(poll)  # the signer's page shows its download link for a moment longer
