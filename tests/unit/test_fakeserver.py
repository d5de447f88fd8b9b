"""``signport.fakeserver.serve``: starts, serves, and releases its socket whatever happens."""

from __future__ import annotations

import gc
import json
import socket
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from signport.fakeserver import Faults, serve


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


# --- Faults ------------------------------------------------------------------------------------------------------
async def _counter(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A tiny "vendor": every request commits (counts) and answers the count as JSON."""
    _counter.commits += 1  # type: ignore[attr-defined]
    body = json.dumps({"n": _counter.commits}).encode()  # type: ignore[attr-defined]
    await send({"type": "http.response.start", "status": 201,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def faulty() -> Iterator[tuple[httpx.Client, httpx.Client]]:
    _counter.commits = 0  # type: ignore[attr-defined]
    with serve(Faults(_counter)) as url, httpx.Client(base_url=url, timeout=0.5) as api, \
            httpx.Client(base_url=url) as control:
        yield api, control


def commits() -> int:
    return int(_counter.commits)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("kind", "error"), [("reset", httpx.RemoteProtocolError), ("timeout", httpx.ReadTimeout),
                                             ("gzip", httpx.DecodingError)])
def test_faults_after_commit_break_the_answer(faulty: tuple[httpx.Client, httpx.Client], kind: str,
                                              error: type[Exception]) -> None:
    api, control = faulty
    control.post("/_faults", json={"path": "/x", "kind": kind, "after": True, "delay": 1.0})
    with pytest.raises(error):
        api.post("/x")
    assert commits() == 1  # the vendor did it
    assert api.post("/x").json() == {"n": 2}


@pytest.mark.parametrize(("kind", "body"), [("html", b"<html>"), ("invalid_json", b'{"packageId": "a'),
                                            ("empty", b""), ("wrong_shape", b'[{"unexpected": null}]')])
def test_bad_bodies_keep_the_status(faulty: tuple[httpx.Client, httpx.Client], kind: str, body: bytes) -> None:
    api, control = faulty
    control.post("/_faults", json={"path": "/x", "kind": kind, "after": True})
    response = api.post("/x")
    assert response.status_code == 201
    assert response.content.startswith(body)
    assert commits() == 1


def test_status_before_or_after_commit(faulty: tuple[httpx.Client, httpx.Client]) -> None:
    api, control = faulty
    control.post("/_faults", json={"path": "/x", "status": 500})
    assert api.post("/x").status_code == 500
    assert commits() == 0
    control.post("/_faults", json={"path": "/x", "status": 502, "after": True})
    assert api.post("/x").status_code == 502
    assert commits() == 1


def test_at_picks_a_step_and_persist_keeps_failing_it(faulty: tuple[httpx.Client, httpx.Client]) -> None:
    api, control = faulty
    control.delete("/_faults")
    control.post("/_faults", json={"at": 1, "status": 503, "persist": True})
    assert api.get("/a").status_code == 201
    assert api.get("/b").status_code == 503
    assert api.get("/c").status_code == 201
    assert api.get("/b").status_code == 503  # the same step, again
    state = control.get("/_faults").json()
    assert state["seen"] == ["GET /a", "GET /b", "GET /c", "GET /b"]
    assert state["hits"] == ["GET /b", "GET /b"]
    assert control.post("/_faults", json={"kind": "bogus"}).status_code == 400
