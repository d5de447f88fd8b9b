"""The two drivers: the same flow on sync and async, retries, streaming downloads, cleanup on failure."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina

import signport
from signport.client import AsyncClient, Client

from ..samples import envelope
from .toy import ToyProvider, ToySettings

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


def sync_client(handler: Handler, **kw: Any) -> Client:
    return Client(ToyProvider(ToySettings(token="s3cr3t-token")), transport_=httpx.MockTransport(handler), **kw)


def async_client(handler: Handler, **kw: Any) -> AsyncClient:
    return AsyncClient(ToyProvider(ToySettings(token="s3cr3t-token")), transport_=httpx.MockTransport(handler), **kw)


def envelope_json(ident: str = "e1") -> httpx.Response:
    return httpx.Response(200, json={"id": ident, "subject": "NDA"})


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_same_flow_on_both_drivers(mode: str) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        assert request.headers["X-Token"] == "s3cr3t-token"
        return envelope_json()

    if mode == "sync":
        with sync_client(handler) as client:
            env = client.get("e1")
    else:
        async with async_client(handler) as aclient:
            env = await aclient.get("e1")
    assert env.id == "e1"
    assert env.provider == "toy"
    assert seen == ["GET /api/envelopes/e1"]


def test_get_retries_503_then_succeeds() -> None:
    calls = iter([httpx.Response(503), httpx.Response(503), envelope_json()])
    with sync_client(lambda r: next(calls)) as client:
        assert client.get("e1").id == "e1"


def test_retry_gives_up_and_flow_maps_the_last_response() -> None:
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        return httpx.Response(503)

    with sync_client(handler) as client, pytest.raises(signport.ProviderError) as info:
        client.get("e1")
    assert count == 3
    assert info.value.status == 503


def test_non_idempotent_post_is_not_retried_on_503() -> None:
    posts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal posts
        if request.method == "POST" and request.url.path.endswith("/envelopes"):
            posts += 1
            return httpx.Response(503)
        return envelope_json()

    with sync_client(handler) as client, pytest.raises(signport.ProviderError):
        client.send(envelope(client.capabilities))
    assert posts == 1


def test_post_retried_when_it_never_reached_the_server() -> None:
    posts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal posts
        if request.url.path.endswith("/envelopes") and request.method == "POST":
            posts += 1
            if posts == 1:
                raise httpx.ConnectError("refused", request=request)
            return envelope_json()
        return envelope_json() if request.method == "GET" else httpx.Response(200, json={})

    with sync_client(handler) as client:
        assert client.send(envelope(client.capabilities)).id == "e1"
    assert posts == 2


def test_post_not_retried_on_read_timeout() -> None:
    posts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal posts
        posts += 1
        raise httpx.ReadTimeout("slow", request=request)

    with sync_client(handler) as client, pytest.raises(signport.TransportError) as info:
        client.send(envelope(client.capabilities))
    assert posts == 1
    assert info.value.provider == "toy"


def test_429_honours_retry_after_and_is_retried_for_post() -> None:
    calls = iter([httpx.Response(429, headers={"Retry-After": "0"}),
                  httpx.Response(200, json={"items": [{"id": "a", "subject": "s"}], "next": None})])
    with sync_client(lambda r: next(calls)) as client:
        assert [e.id for e in client.list(states={signport.State.SENT})] == ["a"]


def test_list_is_lazy_across_pages() -> None:
    pages: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page = json.loads(request.content)["page"]
        pages.append(page)
        nxt = page + 1 if page < 2 else None
        return httpx.Response(200, json={"items": [{"id": f"e{page}", "subject": "s"}], "next": nxt})

    with sync_client(handler) as client:
        it = client.list()
        assert next(it).id == "e0"
        assert pages == [0]
        assert [e.id for e in it] == ["e1", "e2"]
    assert pages == [0, 1, 2]


def test_list_filter_not_supported_raises_before_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with sync_client(handler) as client, pytest.raises(signport.UnsupportedFeature):
        client.list(states={signport.State.DRAFT})


def test_flow_cleans_up_when_a_later_step_fails() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/send"):
            return httpx.Response(400, json={"error": "bad"})
        if request.method == "DELETE":
            return httpx.Response(204)
        return envelope_json("new")

    with sync_client(handler) as client, pytest.raises(signport.ProviderError):
        client.send(envelope(client.capabilities))
    assert seen[-1] == "DELETE /api/envelopes/new"


def test_flow_sees_transport_errors_and_cleans_up() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/send"):
            raise httpx.ReadError("reset", request=request)
        if request.method == "DELETE":
            return httpx.Response(204)
        return envelope_json("new")

    with sync_client(handler) as client, pytest.raises(signport.TransportError):
        client.send(envelope(client.capabilities))
    assert seen[-1] == "DELETE /api/envelopes/new"


PDF = b"%PDF-1.4\n" + b"x" * 300_000 + b"\n%%EOF\n"


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("disposition", "expected"), [
    ('attachment; filename="../../etc/passwd"', "passwd.pdf"),
    ("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", "résumé.pdf"),
    ('attachment; filename="..\\\\evil.pdf"', "evil.pdf"),
    (None, "document.pdf"),
])
async def test_download_streams_to_a_safe_name(mode: str, disposition: str | None, expected: str,
                                               tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Disposition": disposition} if disposition else {}
        return httpx.Response(200, headers=headers, content=PDF)

    progress: list[tuple[int, int | None]] = []
    out = tmp_path / "out"
    if mode == "sync":
        with sync_client(handler) as client:
            paths = client.download("e1", to=out, progress=lambda d, t: progress.append((d, t)))
    else:
        async with async_client(handler) as aclient:
            paths = await aclient.download("e1", to=out, progress=lambda d, t: progress.append((d, t)))
    assert [p.name for p in paths] == [expected]
    assert paths[0].parent == out.resolve()
    assert paths[0].read_bytes() == PDF
    assert len(progress) > 1
    assert progress[-1][0] == len(PDF)
    assert sorted(p.name for p in out.iterdir()) == [expected]


def test_broken_download_leaves_no_file(tmp_path: Path) -> None:
    class Broken(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b"%PDF-1.4 partial"
            raise httpx.ReadError("connection reset")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Broken())

    with sync_client(handler) as client, pytest.raises(signport.TransportError):
        client.download("e1", to=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_error_download_is_not_written(tmp_path: Path) -> None:
    with sync_client(lambda r: httpx.Response(404, json={})) as client, pytest.raises(signport.NotFound):
        client.download("e1", to=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_failed_download_removes_the_folders_it_made(mode: str, tmp_path: Path) -> None:
    (tmp_path / "kept").mkdir()
    target = tmp_path / "kept" / "new" / "deeper"
    if mode == "sync":
        with sync_client(lambda r: httpx.Response(404, json={})) as client, pytest.raises(signport.NotFound):
            client.download("e1", to=target)
    else:
        async with async_client(lambda r: httpx.Response(404, json={})) as aclient:
            with pytest.raises(signport.NotFound):
                await aclient.download("e1", to=target)
    assert sorted(os.listdir(tmp_path)) == ["kept"]  # made by the caller: kept
    assert os.listdir(tmp_path / "kept") == []


def test_a_failed_download_keeps_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    calls = iter([httpx.Response(200, content=PDF, headers={"Content-Disposition": 'attachment; filename="a.pdf"'}),
                  httpx.Response(404, json={})])
    target = tmp_path / "new"
    with sync_client(lambda r: next(calls)) as client:
        client.download("e1", to=target)
        with pytest.raises(signport.NotFound):
            client.download("e1", to=target / "inner")
    assert [p.name for p in target.iterdir()] == ["a.pdf"]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_on_request_sees_each_request_and_counts_the_body_sent(mode: str) -> None:
    bodies: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        bodies.append(sum(len(chunk) for chunk in request.stream))  # as a network transport sends it
        if request.method == "POST" and request.url.path.endswith("/envelopes"):
            return httpx.Response(200, json={"id": "e1"})
        return envelope_json() if request.method == "GET" else httpx.Response(200, json={})

    seen: list[str] = []
    sent: list[tuple[int, int | None]] = []

    def on_request(request: httpx.Request) -> Callable[[int, int | None], None] | None:
        seen.append(f"{request.method} {request.url.path}")
        return (lambda done, total: sent.append((done, total))) if request.method == "POST" else None

    if mode == "sync":
        with sync_client(handler) as client:
            client.on_request = on_request
            client.send(envelope(client.capabilities))
    else:
        async with async_client(handler) as aclient:
            aclient.on_request = on_request
            await aclient.send(envelope(aclient.capabilities))
    assert seen == ["POST /api/envelopes", "POST /api/envelopes/e1/send", "GET /api/envelopes/e1"]
    assert sent[-1] == (bodies[0], bodies[0])  # the create body, sent whole
    assert sent[0][1] == bodies[0]


def test_bad_ids_refused_before_any_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with sync_client(handler) as client:
        for bad in ["", "../secret", "a/b", " "]:
            with pytest.raises(signport.ValidationError):
                client.get(bad)


def test_no_secret_in_repr_or_errors() -> None:
    with sync_client(lambda r: httpx.Response(500)) as client:
        assert "s3cr3t" not in repr(client)
        assert "s3cr3t" not in repr(client.provider)
        assert "s3cr3t" not in repr(client.provider.settings)
        with pytest.raises(signport.ProviderError) as info:
            client.get("e1")
        assert "s3cr3t" not in str(info.value)
        assert "s3cr3t" not in repr(info.value)


def test_wait_times_out_with_the_last_envelope() -> None:
    with sync_client(lambda r: envelope_json()) as client, pytest.raises(signport.WaitTimeout) as info:
        client.wait("e1", timeout=0.05, poll=0.01)
    assert info.value.envelope.id == "e1"
    assert isinstance(info.value, TimeoutError)


class _BearerToy(ToyProvider):
    """The toy provider with an ``httpx.Auth``, like the vendor plugins."""

    @property
    def auth(self) -> httpx.Auth:
        class Bearer(httpx.Auth):
            def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:  # type: ignore[override]
                request.headers["Authorization"] = "Bearer s3cr3t-token"
                yield request

        return Bearer()


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_caller_supplied_http_client_still_authenticates(mode: str) -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return envelope_json()

    provider = _BearerToy(ToySettings())
    if mode == "sync":
        with httpx.Client(transport=httpx.MockTransport(handler)) as http:
            Client(provider, http=http).get("e1")
    else:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as ahttp:
            await AsyncClient(provider, http=ahttp).get("e1")
    assert seen == ["Bearer s3cr3t-token"]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_download_that_cannot_be_written_is_a_signport_error(mode: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "document.pdf").mkdir(parents=True)     # a folder where the file should go
    (out / "document.pdf" / "keep").write_text("x")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=PDF)

    if mode == "sync":
        with sync_client(handler) as client, pytest.raises(signport.ValidationError) as info:
            client.download("e1", to=out)
    else:
        async with async_client(handler) as aclient:
            with pytest.raises(signport.ValidationError) as info:
                await aclient.download("e1", to=out)
    assert info.value.path == "to"
    assert info.value.provider == "toy"
    assert sorted(p.name for p in out.iterdir()) == ["document.pdf"]   # no temp file left behind


def test_a_long_multibyte_server_file_name_is_shortened_to_fit(tmp_path: Path) -> None:
    from urllib.parse import quote

    name = "\u5408\u540c" * 90 + ".pdf"   # 180 characters, 544 bytes in UTF-8
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    with sync_client(lambda r: httpx.Response(200, headers={"Content-Disposition": disposition},
                                              content=PDF)) as client:
        [path] = client.download("e1", to=tmp_path)
    assert path.name.endswith(".pdf")
    assert path.name.startswith("\u5408\u540c")
    assert len(path.name.encode("utf-8")) <= 200
    assert path.read_bytes() == PDF


def test_bad_state_kind_and_poll_are_validation_errors(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with sync_client(handler) as client:
        with pytest.raises(signport.ValidationError) as info:
            client.list(states="bogus")
        assert info.value.path == "states"
        with pytest.raises(signport.ValidationError) as info:
            client.download("e1", to=tmp_path / "out", kind="bogus")
        assert info.value.path == "kind"
        with pytest.raises(signport.ValidationError):
            client.download("../e1", to=tmp_path / "out")
        assert not (tmp_path / "out").exists()      # refused before the folder was made
        with pytest.raises(signport.ValidationError):
            client.wait("e1", poll=float("nan"))


def test_every_error_carries_the_provider() -> None:
    with sync_client(lambda r: httpx.Response(200, content=b"not json")) as client:
        with pytest.raises(signport.ValidationError) as info:
            client.get("")                       # the neutral rules
        assert info.value.provider == "toy"
        with pytest.raises(signport.ProviderError) as perr:
            client.get("e1")                     # json_body, a shared helper
        assert perr.value.provider == "toy"
        with pytest.raises(signport.ValidationError) as info:
            client.wait("e1", poll=0)
        assert info.value.provider == "toy"


# --- every httpx failure is a SignportError -------------------------------------------------------------------
def _gzip_lie(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, stream=httpx.ByteStream(b"not gzip"), headers={"content-encoding": "gzip"})


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("failure", "expected", "retried"), [
    (httpx.DecodingError("bad gzip"), signport.ProviderError, True),
    (httpx.RemoteProtocolError("peer closed"), signport.TransportError, True),
    (httpx.TooManyRedirects("loop"), signport.ProviderError, False),
    (httpx.ReadTimeout("slow"), signport.TransportError, True),
    (httpx.UnsupportedProtocol("ftp"), signport.TransportError, True),
])
async def test_every_httpx_error_is_mapped(mode: str, failure: httpx.HTTPError, expected: type[Exception],
                                           retried: bool) -> None:
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        raise failure

    if mode == "sync":
        with sync_client(handler) as client, pytest.raises(expected) as info:
            client.get("e1")
    else:
        async with async_client(handler) as aclient:
            with pytest.raises(expected) as info:
                await aclient.get("e1")
    assert info.value.provider == "toy"
    assert count == (3 if retried else 1)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_an_undecodable_body_is_a_provider_error_with_its_status(mode: str) -> None:
    if mode == "sync":
        with sync_client(_gzip_lie) as client, pytest.raises(signport.ProviderError) as info:
            client.get("e1")
    else:
        async with async_client(_gzip_lie) as aclient:
            with pytest.raises(signport.ProviderError) as info:
                await aclient.get("e1")
    assert info.value.status == 200
    assert "could not be decoded" in info.value.message


def test_a_post_whose_answer_is_lost_is_not_replayed_and_says_it_was_sent() -> None:
    count = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal count
        count += 1
        raise httpx.ReadError("reset")

    with sync_client(handler) as client, pytest.raises(signport.TransportError) as info:
        client.send(envelope(client.capabilities))
    assert count == 1
    assert info.value.sent is True


def test_a_refused_connection_says_nothing_was_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with sync_client(handler) as client, pytest.raises(signport.TransportError) as info:
        client.get("e1")
    assert info.value.sent is False


def test_a_wrong_shape_answer_is_a_provider_error_not_a_crash() -> None:
    # ToyProvider.parse_envelope indexes the payload: a list there would raise TypeError.
    with sync_client(lambda r: httpx.Response(200, json=[1, 2])) as client, \
            pytest.raises(signport.ProviderError, match="unexpected answer"):
        client.get("e1")
