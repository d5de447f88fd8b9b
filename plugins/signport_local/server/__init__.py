"""``signport serve``: the local signing server (Starlette + Jinja2, pages rendered with PDFium).

Install it with the ``server`` extra: ``pip install "signport[server]"``. ``create_app`` gives the
ASGI app over a ``LocalProvider`` (to embed in tests); ``running`` serves it in a background thread.
"""

from __future__ import annotations

from .run import running

__all__ = ["create_app", "running"]


def __getattr__(name: str) -> object:
    if name == "create_app":  # imported on use: needs the server extra
        from .app import create_app

        return create_app
    raise AttributeError(name)
