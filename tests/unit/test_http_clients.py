"""The httpx clients signport opens: cookies read only from responses that set them, kept as httpx keeps them."""

from __future__ import annotations

import asyncio
from http.cookiejar import CookieJar
from typing import Any

import httpx
import pytest

from signport.http_clients import AsyncHttpClient, HttpClient, ResponseCookies

from .toy import ToyProvider, ToySettings


def _app(seen: list[str | None]) -> httpx.MockTransport:
    """``/login`` sets a cookie; every request's ``Cookie`` header is noted."""
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        if request.url.path == "/login":
            return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"}, json={})
        return httpx.Response(200, json={})
    return httpx.MockTransport(handle)


class CountingJar(CookieJar):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def extract_cookies(self, response: Any, request: Any) -> None:
        self.reads += 1
        super().extract_cookies(response, request)


def test_a_response_without_cookies_is_not_read_and_one_with_them_is() -> None:
    seen: list[str | None] = []
    jar = CountingJar()
    with HttpClient(transport=_app(seen), cookies=jar) as http:
        assert isinstance(http.cookies, ResponseCookies)
        assert http.cookies.jar is jar
        http.get("https://vendor.invalid/a")
        assert jar.reads == 0
        http.get("https://vendor.invalid/login")
        assert jar.reads == 1
        http.get("https://vendor.invalid/b")
    assert seen == [None, None, "session=abc"]
    assert http.cookies["session"] == "abc"


def test_the_same_cookies_as_a_plain_httpx_client() -> None:
    """Side by side with ``httpx.Client``: the same ``Cookie`` headers go out, the same jar results."""
    ours: list[str | None] = []
    theirs: list[str | None] = []
    paths = ["/a", "/login", "/b", "/login", "/c"]
    with HttpClient(transport=_app(ours), cookies={"pref": "1"}) as a, \
            httpx.Client(transport=_app(theirs), cookies={"pref": "1"}) as b:
        for path in paths:
            a.get(f"https://vendor.invalid{path}")
            b.get(f"https://vendor.invalid{path}")
        assert dict(a.cookies) == dict(b.cookies) == {"pref": "1", "session": "abc"}
    assert ours == theirs
    assert ours[0] == "pref=1"


def test_cookies_set_after_construction_are_response_cookies() -> None:
    seen: list[str | None] = []
    with HttpClient(transport=_app(seen)) as http:
        http.cookies = {"x": "y"}
        assert isinstance(http.cookies, ResponseCookies)
        http.get("https://vendor.invalid/a")
    assert seen == ["x=y"]


def test_the_async_client_reads_cookies_the_same_way() -> None:
    seen: list[str | None] = []
    jar = CountingJar()

    async def main() -> None:
        async with AsyncHttpClient(transport=_app(seen), cookies=jar) as http:
            await http.get("https://vendor.invalid/a")
            assert jar.reads == 0
            await http.get("https://vendor.invalid/login")
            await http.get("https://vendor.invalid/b")
            assert jar.reads == 1

    asyncio.run(main())
    assert seen == [None, None, "session=abc"]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_signport_clients_open_these(mode: str) -> None:
    import signport

    mock = httpx.MockTransport(lambda r: httpx.Response(200, json={}))
    if mode == "sync":
        with signport.Client(ToyProvider(ToySettings(token="t")), transport_=mock) as client:
            assert isinstance(client._http, HttpClient)
    else:
        async def main() -> None:
            async with signport.AsyncClient(ToyProvider(ToySettings(token="t")), transport_=mock) as client:
                assert isinstance(client._http, AsyncHttpClient)
        asyncio.run(main())
