"""The httpx clients a signport client opens for itself: httpx's own, with cookies read only when set.

httpx reads every response into the client's cookie jar, through the standard library's
``http.cookiejar`` and urllib request and response stand-ins built for it: about 35 µs of CPU per
response on the development machine, and about 130 µs between requests (caches cold), as much as
parsing the vendor's envelope. A response that sets no cookie gives the jar nothing to store, so
these clients skip that work for it; a response with ``Set-Cookie`` (or the obsolete
``Set-Cookie2``) is read exactly as httpx reads it, and cookies go out with later requests as
before. The vendors' APIs authenticate with a header and set no cookie (docs/vendors).

An ``http=`` client given by the application is used as it is.
"""

from __future__ import annotations

from http.cookiejar import CookieJar
from typing import Any

import httpx

#: What httpx accepts as cookies (its own alias is private).
Cookies = httpx.Cookies | CookieJar | dict[str, str] | list[tuple[str, str]] | None


class ResponseCookies(httpx.Cookies):
    """``httpx.Cookies`` that do not read a response setting none (see the module docstring)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        """Store the cookies ``response`` sets, if it sets any."""
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


class _ResponseCookiesAttribute:
    """The ``cookies`` property of both clients: set to anything httpx takes, read as ``ResponseCookies``."""

    _signport_cookies: httpx.Cookies

    @property
    def cookies(self) -> httpx.Cookies:
        """Cookie values to include when sending requests."""
        return self._signport_cookies

    @cookies.setter
    def cookies(self, cookies: Cookies) -> None:
        self._signport_cookies = ResponseCookies(cookies)


class HttpClient(_ResponseCookiesAttribute, httpx.Client):
    """``httpx.Client`` whose ``cookies`` are ``ResponseCookies``."""

    def __init__(self, *, cookies: Cookies = None, **options: Any) -> None:
        super().__init__(cookies=cookies, **options)
        self.cookies = cookies  # httpx's __init__ keeps its own; they are replaced here


class AsyncHttpClient(_ResponseCookiesAttribute, httpx.AsyncClient):
    """``httpx.AsyncClient`` whose ``cookies`` are ``ResponseCookies``."""

    def __init__(self, *, cookies: Cookies = None, **options: Any) -> None:
        super().__init__(cookies=cookies, **options)
        self.cookies = cookies  # httpx's __init__ keeps its own; they are replaced here
