"""Serving the signing server: in a background thread (tests, ``demo --serve``) or in the foreground."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..provider import LocalProvider

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def allowed_hosts(host: str) -> list[str] | None:
    """``Host`` names to answer: loopback names when bound to loopback (``None``), any otherwise."""
    return None if host in LOOPBACK else ["*"]


@contextlib.contextmanager
def running(provider: LocalProvider, *, host: str = "127.0.0.1", port: int = 0,
            deliver_webhooks: bool = True) -> Iterator[str]:
    """Serve the app over ``provider`` until the block exits; yields its base URL (``http://host:port``)."""
    import uvicorn

    from .app import create_app

    app = create_app(provider, allowed_hosts=allowed_hosts(host), deliver_webhooks=deliver_webhooks)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    server: Any = None
    thread: threading.Thread | None = None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        actual = sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False,
                                timeout_graceful_shutdown=2)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                                  name="signport-serve")
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the signing server did not start")
            time.sleep(0.01)
        shown = f"[{host}]" if ":" in host else host
        yield f"http://{shown}:{actual}"
    finally:
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=10)
        sock.close()
