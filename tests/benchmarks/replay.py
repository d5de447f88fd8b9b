"""The raw httpx baseline: the requests signport sent, recorded once, sent again by plain httpx.

``Recording`` is a transport that keeps every exchange of a signport client (the final requests,
with authentication, as they went out). ``Script`` sends them again with a bare ``httpx.Client`` or
``httpx.AsyncClient``, as a hand-written script would: same methods, URLs, headers and bodies,
each JSON answer decoded, each PDF streamed to a file. Where a request carries an id the vendor
handed out earlier in the flow (a file, package, session, participant...), the script takes the id
from this run's answer at the same place in the JSON, as a script picking ``data["packageId"]``
would; which places to read is worked out once, from the recording, not while timed. Replaying
checks that every answer has the status signport got.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx

#: The ids the vendors hand out (iinked and EasyInk both use UUIDs).
ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PathKey = tuple[str | int, ...]


@attrs.frozen
class Exchange:
    """One request as signport sent it and what came back (the body read whole)."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes
    status: int
    content_type: str
    answer: bytes


class Recording(httpx.BaseTransport):
    """A transport over real HTTP that keeps every exchange (for recording a flow once, never timed)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        response = self.inner.handle_request(request)
        answer = b"".join(response.iter_raw())
        response.close()
        self.exchanges.append(Exchange(request.method, str(request.url), list(request.headers.multi_items()), body,
                                       response.status_code, response.headers.get("content-type", ""), answer))
        return httpx.Response(response.status_code, headers=response.headers, content=answer,
                              extensions=response.extensions)

    def close(self) -> None:
        self.inner.close()

    def take(self) -> list[Exchange]:
        """The exchanges recorded so far; the record starts again empty."""
        out, self.exchanges = self.exchanges, []
        return out


@attrs.frozen
class Step:
    """One request of the script, with what it needs from earlier answers and what later ones need."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes
    status: int
    download: bool
    is_json: bool
    #: Recorded ids in this request's URL or body, replaced by this run's.
    uses: tuple[str, ...]
    #: Where this answer holds ids that later requests use: (place in the JSON, recorded value).
    picks: tuple[tuple[PathKey, str], ...]


class Script:
    """Recorded exchanges as a raw httpx script (see the module docstring)."""

    def __init__(self, exchanges: list[Exchange]) -> None:
        if not exchanges:
            raise ValueError("nothing recorded")
        texts = [ex.url + "\n" + ex.body.decode("latin-1") for ex in exchanges]
        owned: set[str] = set()
        steps = []
        for i, ex in enumerate(exchanges):
            is_json = ex.content_type.startswith("application/json") and bool(ex.answer)
            picks: list[tuple[PathKey, str]] = []
            if is_json:
                for place, value in _strings(json.loads(ex.answer)):
                    if value in owned or not ID.fullmatch(value) or any(value in t for t in texts[:i + 1]):
                        continue  # not an id, or one the script already knows
                    if any(value in t for t in texts[i + 1:]):
                        owned.add(value)
                        picks.append((place, value))
            uses = tuple(sorted({m for m in ID.findall(texts[i]) if m in owned}))
            steps.append(Step(ex.method, ex.url, ex.headers, ex.body, ex.status,
                              ex.content_type.startswith("application/pdf"), is_json, uses, tuple(picks)))
        self.steps = steps

    @property
    def paths(self) -> list[tuple[str, str]]:
        """Method and URL path of each request."""
        return [(s.method, httpx.URL(s.url).path) for s in self.steps]

    @staticmethod
    def _request(step: Step, ids: dict[str, str]) -> httpx.Request:
        url, body = step.url, step.body
        for old in step.uses:
            new = ids.get(old, old)
            url, body = url.replace(old, new), body.replace(old.encode(), new.encode())
        return httpx.Request(step.method, url, headers=step.headers, content=body)

    @staticmethod
    def _learn(step: Step, answer: Any, ids: dict[str, str]) -> None:
        for place, old in step.picks:
            value = answer
            for key in place:
                value = value[key]
            ids[old] = value

    def run(self, http: httpx.Client, folder: Path) -> list[int]:
        """Send every request with ``http``; PDFs go to files in ``folder``. The statuses answered."""
        ids: dict[str, str] = {}
        statuses = []
        for n, step in enumerate(self.steps):
            response = http.send(self._request(step, ids), stream=step.download)
            if step.download:
                with (folder / f"{n}.pdf").open("wb") as fh:
                    for chunk in response.iter_bytes():
                        fh.write(chunk)
                response.close()
            elif step.is_json:
                self._learn(step, response.json(), ids)
            statuses.append(response.status_code)
        return statuses

    async def arun(self, http: httpx.AsyncClient, folder: Path) -> list[int]:
        """``run`` with an ``httpx.AsyncClient`` (the file writes stay plain, as a simple script's would)."""
        ids: dict[str, str] = {}
        statuses = []
        for n, step in enumerate(self.steps):
            response = await http.send(self._request(step, ids), stream=step.download)
            if step.download:
                with (folder / f"{n}.pdf").open("wb") as fh:
                    async for chunk in response.aiter_bytes():
                        fh.write(chunk)
                await response.aclose()
            else:
                await response.aread()
                if step.is_json:
                    self._learn(step, response.json(), ids)
            statuses.append(response.status_code)
        return statuses

    def check(self, statuses: list[int]) -> None:
        """Every answer of a replay had the status signport got (so the ids were carried over right)."""
        expected = [s.status for s in self.steps]
        if statuses != expected:
            raise AssertionError(f"the raw httpx replay got {statuses}, signport got {expected}: {self.paths}")


def _strings(value: Any, place: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    """Every string in a decoded JSON value, with its place (keys and indexes), depth first."""
    if isinstance(value, str):
        yield place, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*place, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*place, index))
