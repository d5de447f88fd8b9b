"""``signport.fakeserver.serve``: starts, serves, and releases its socket whatever happens."""

from __future__ import annotations

import gc
import socket
import warnings

import httpx
import pytest

from signport.fakeserver import serve


async def _hello(scope: dict[str, object], receive: object, send: object) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": b"hello"})  # type: ignore[operator]


def test_serves_then_stops() -> None:
    with serve(_hello) as url:
        assert httpx.get(url).text == "hello"


def test_a_failed_start_leaks_no_socket() -> None:
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            with pytest.raises(OSError, match="in use"), serve(_hello, port=port):
                pass
            gc.collect()
    finally:
        busy.close()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
