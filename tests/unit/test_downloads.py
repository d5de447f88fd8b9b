"""Downloads: only complete PDFs land under their names, nothing is silently replaced, a failed download
leaves the folder as it was, and vendor file names cannot mislead or escape."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina

import signport
from signport import transport
from signport.client import AsyncClient, Client
from signport.provider import Flow, save_to, saved_path
from signport.states import DocumentKind

from ..samples import envelope
from .toy import ToyProvider, ToySettings

PDF = b"%PDF-1.7\n" + b"0" * 5000 + b"\n%%EOF\n"
NAMES = ("a.pdf", "b.pdf", "c.pdf")


class ThreeFiles(ToyProvider):
    """A provider whose download is three files, one request each."""

    def download(self, envelope_id: str, kind: DocumentKind, to: Path) -> Flow[list[Path]]:
        paths = []
        for name in NAMES:
            request = httpx.Request("GET", f"{self.base_url}/envelopes/{envelope_id}/{name}")
            paths.append(saved_path(self.check((yield save_to(request, to, name)))))
        return paths


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


class Server:
    """Answers from a per-path script of response factories (a list is consumed in order); counts requests."""

    def __init__(self, **script: Any) -> None:
        self.script = script
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        self.requests.append(name)
        answer = self.script.get(name, self.script.get("default"))
        if isinstance(answer, list):
            answer = answer.pop(0)
        response = answer()
        assert isinstance(response, httpx.Response)
        return response


Answer = Callable[[], httpx.Response]


def pdf(content: bytes = PDF, **headers: str) -> Answer:
    return lambda: httpx.Response(200, content=content, headers={"Content-Type": "application/pdf", **headers})


def answer(*args: Any, **kwargs: Any) -> Answer:
    return lambda: httpx.Response(*args, **kwargs)


def sync(server: Server, cls: type[ToyProvider] = ToyProvider) -> Client:
    return Client(cls(ToySettings(token="t")), transport_=httpx.MockTransport(server))


def async_(server: Server, cls: type[ToyProvider] = ToyProvider) -> AsyncClient:
    return AsyncClient(cls(ToySettings(token="t")), transport_=httpx.MockTransport(server))


async def download(mode: str, server: Server, to: Any, cls: type[ToyProvider] = ToyProvider,
                   **kw: Any) -> list[Path]:
    if mode == "sync":
        with sync(server, cls) as client:
            return client.download("e1", to=to, **kw)
    async with async_(server, cls) as aclient:
        return await aclient.download("e1", to=to, **kw)


def listing(folder: Path) -> list[str]:
    """Every entry, hidden temp files included."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


class Short(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that stops before its Content-Length (a transport that does not notice)."""

    def __iter__(self) -> Iterator[bytes]:
        yield PDF[:1000]

    async def __aiter__(self) -> Any:
        yield PDF[:1000]


def short() -> httpx.Response:  # used as a factory
    return httpx.Response(200, stream=Short(),
                          headers={"Content-Type": "application/pdf", "Content-Length": str(len(PDF))})


# --- only a PDF is saved ----------------------------------------------------------------------------------
NOT_A_PDF: dict[str, Answer] = {
    "html": answer(200, html="<html><body>Sign in</body></html>"),
    "json": answer(200, json={"error": "processing"}),
    "html-labelled-pdf": pdf(b"<!DOCTYPE html><html>" + b" " * 2000 + b"</html>"),
    "json-labelled-pdf": pdf(b'{"status": "ok"}'),
    "empty": pdf(b""),
    "empty-no-type": answer(200, content=b""),
    "text-type": answer(200, content=PDF, headers={"Content-Type": "text/plain"}),
    "problem-json-type": answer(200, content=PDF, headers={"Content-Type": "application/problem+json"}),
    "junk-no-type": answer(200, content=b"\x00" * 3000),
    "longer-than-announced": answer(200, content=PDF, headers={"Content-Length": "100"}),
}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", sorted(NOT_A_PDF))
async def test_a_body_that_is_not_a_pdf_is_never_saved(mode: str, case: str, tmp_path: Path) -> None:
    server = Server(default=NOT_A_PDF[case])
    with pytest.raises(signport.ProviderError, match="not a PDF") as info:
        await download(mode, server, tmp_path)
    assert info.value.provider == "toy"
    assert info.value.status == 200
    assert listing(tmp_path) == []
    assert server.requests == ["pdf"]  # a wrong body is not transient: no retry


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_body_shorter_than_its_length_is_retried_then_saved(mode: str, tmp_path: Path) -> None:
    server = Server(default=[short, pdf()])
    paths = await download(mode, server, tmp_path)
    assert [p.read_bytes() for p in paths] == [PDF]
    assert server.requests == ["pdf", "pdf"]
    assert listing(tmp_path) == ["document.pdf"]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_body_always_short_is_a_transport_error_and_nothing_is_saved(mode: str, tmp_path: Path) -> None:
    server = Server(default=[short, short, short])
    with pytest.raises(signport.TransportError):
        await download(mode, server, tmp_path)
    assert len(server.requests) == 3
    assert listing(tmp_path) == []


@pytest.mark.parametrize("content_type", ["application/pdf", "application/octet-stream", "binary/octet-stream",
                                          "application/PDF; name=x.pdf", None])
def test_pdf_content_types_are_accepted(content_type: str | None, tmp_path: Path) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    with sync(Server(default=answer(200, content=PDF, headers=headers))) as client:
        assert client.download("e1", to=tmp_path)[0].read_bytes() == PDF


def test_a_pdf_header_after_leading_junk_is_accepted(tmp_path: Path) -> None:
    body = b"\r\n" * 100 + PDF  # readers accept junk before %PDF- within the first KiB
    with sync(Server(default=pdf(body))) as client:
        assert client.download("e1", to=tmp_path)[0].read_bytes() == body


def test_a_gzip_body_is_checked_after_decoding(tmp_path: Path) -> None:
    import gzip

    packed = gzip.compress(PDF)
    response = answer(200, content=packed, headers={
        "Content-Type": "application/pdf", "Content-Encoding": "gzip", "Content-Length": str(len(packed))})
    with sync(Server(default=response)) as client:
        assert client.download("e1", to=tmp_path)[0].read_bytes() == PDF


# --- the overwrite rule -------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_an_existing_file_is_not_replaced(mode: str, tmp_path: Path) -> None:
    (tmp_path / "document.pdf").write_bytes(b"mine")
    with pytest.raises(signport.ValidationError, match=r"already exists.*overwrite=True") as info:
        await download(mode, Server(default=pdf()), tmp_path)
    assert info.value.path == "to"
    assert (tmp_path / "document.pdf").read_bytes() == b"mine"
    assert listing(tmp_path) == ["document.pdf"]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_overwrite_true_replaces(mode: str, tmp_path: Path) -> None:
    (tmp_path / "document.pdf").write_bytes(b"mine")
    paths = await download(mode, Server(default=pdf()), tmp_path, overwrite=True)
    assert paths[0].read_bytes() == PDF
    assert listing(tmp_path) == ["document.pdf"]


def test_a_folder_in_the_way_is_refused_even_with_overwrite(tmp_path: Path) -> None:
    (tmp_path / "document.pdf").mkdir()
    with sync(Server(default=pdf())) as client, pytest.raises(signport.ValidationError, match="is a folder"):
        client.download("e1", to=tmp_path, overwrite=True)
    assert (tmp_path / "document.pdf").is_dir()


@pytest.mark.parametrize("bad", [None, 123, 1.5, b"bytes", ["a"], "", "   "])
def test_download_to_must_be_a_path(bad: Any) -> None:
    server = Server(default=pdf())
    with sync(server) as client, pytest.raises(signport.ValidationError) as info:
        client.download("e1", to=bad)
    assert info.value.path == "to"
    assert server.requests == []


@pytest.mark.parametrize("bad", [None, 1, "yes"])
def test_overwrite_must_be_a_bool(bad: Any, tmp_path: Path) -> None:
    server = Server(default=pdf())
    with sync(server) as client, pytest.raises(signport.ValidationError) as info:
        client.download("e1", to=tmp_path, overwrite=bad)
    assert info.value.path == "overwrite"
    assert server.requests == []


# --- all or nothing -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("failure", ["html", "404", "reset"])
async def test_a_download_failing_part_way_removes_what_it_wrote(mode: str, failure: str, tmp_path: Path) -> None:
    server = Server(**{"a.pdf": pdf(), "b.pdf": pdf(), "c.pdf": answer(200, html="<html/>")})

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("c.pdf") and failure != "html":
            server.requests.append("c.pdf")
            if failure == "reset":
                raise httpx.ReadError("connection reset", request=request)
            return httpx.Response(404, json={})
        return server(request)

    provider = ThreeFiles(ToySettings(token="t"))
    if mode == "sync":
        with Client(provider, transport_=httpx.MockTransport(handler)) as client, \
                pytest.raises(signport.SignportError):
            client.download("e1", to=tmp_path)
    else:
        async with AsyncClient(provider, transport_=httpx.MockTransport(handler)) as aclient:
            with pytest.raises(signport.SignportError):
                await aclient.download("e1", to=tmp_path)
    assert server.requests[:3] == ["a.pdf", "b.pdf", "c.pdf"]
    assert listing(tmp_path) == []


def test_a_failed_overwrite_puts_the_previous_files_back(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"old a")
    (tmp_path / "keep.txt").write_bytes(b"unrelated")
    server = Server(**{"a.pdf": pdf(), "b.pdf": pdf(), "c.pdf": answer(200, json={})})
    with sync(server, ThreeFiles) as client, pytest.raises(signport.ProviderError):
        client.download("e1", to=tmp_path, overwrite=True)
    assert listing(tmp_path) == ["a.pdf", "keep.txt"]
    assert (tmp_path / "a.pdf").read_bytes() == b"old a"


def test_a_complete_overwrite_leaves_no_backup(tmp_path: Path) -> None:
    (tmp_path / "b.pdf").write_bytes(b"old b")
    with sync(Server(default=pdf()), ThreeFiles) as client:
        paths = client.download("e1", to=tmp_path, overwrite=True)
    assert [p.name for p in paths] == list(NAMES)
    assert listing(tmp_path) == list(NAMES)
    assert all(p.read_bytes() == PDF for p in paths)


def test_an_existing_second_file_fails_the_download_and_removes_the_first(tmp_path: Path) -> None:
    (tmp_path / "b.pdf").write_bytes(b"mine")
    server = Server(default=pdf())
    with sync(server, ThreeFiles) as client, pytest.raises(signport.ValidationError, match=r"b\.pdf already exists"):
        client.download("e1", to=tmp_path)
    assert server.requests == ["a.pdf", "b.pdf"]
    assert listing(tmp_path) == ["b.pdf"]
    assert (tmp_path / "b.pdf").read_bytes() == b"mine"


# --- local follows the same rules ---------------------------------------------------------------------------
def test_local_downloads_follow_the_overwrite_rule(tmp_path: Path) -> None:
    with signport.connect("local", path=tmp_path / "store") as client:
        sent = client.send(envelope(client.capabilities))
        out = tmp_path / "out"
        first = client.download(sent.id, to=out, kind="original")
        before = [p.read_bytes() for p in first]
        with pytest.raises(signport.ValidationError, match="already exists") as info:
            client.download(sent.id, to=out, kind="original")
        assert info.value.path == "to"
        assert info.value.provider == "local"
        assert [p.read_bytes() for p in first] == before
        audit = client.download(sent.id, to=out, kind="audit")  # drawn for an open envelope: a new name
        with pytest.raises(signport.ValidationError, match="already exists"):
            client.download(sent.id, to=out, kind="audit")
        again = client.download(sent.id, to=out, kind="original", overwrite=True)
        assert [p.name for p in again] == [p.name for p in first]
        assert sorted(listing(out)) == sorted([*(p.name for p in first), *(p.name for p in audit)])


def test_local_download_failing_part_way_removes_what_it_wrote(tmp_path: Path) -> None:
    with signport.connect("local", path=tmp_path / "store") as client:
        env = envelope(client.capabilities)
        env = signport.Envelope(subject=env.subject, signers=env.signers,
                                documents=[*env.documents, signport.Document(name="second.pdf",
                                                                             content=PDF_PAGE)])
        sent = client.send(env)
        store = client.provider.store  # type: ignore[attr-defined]
        store.document_path(sent.id, sent.documents[1].id).unlink()  # the store lost the second file
        out = tmp_path / "out"
        with pytest.raises(signport.NotFound):
            client.download(sent.id, to=out, kind="original")
        assert listing(out) == []


# --- vendor file names --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("given", "expected"), [
    ("CON", "_CON.pdf"),
    ("NUL.pdf", "_NUL.pdf"),
    ("com1.pdf", "_com1.pdf"),
    ("LPT9.report.pdf", "_LPT9.report.pdf"),
    ("aux .pdf", "_aux .pdf"),
    ("console.pdf", "console.pdf"),
    ("nda.pdf.", "nda.pdf"),
    ("nda.pdf. . ", "nda.pdf"),
    ("nda   ", "nda.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe.pdf"),
    ("\u2066evil\u2069.pdf", "evil.pdf"),
    ("a\u200bb.pdf", "ab.pdf"),
    ("\uff0e\uff0e\uff0fetc\uff0fpasswd", "_etc_passwd.pdf"),
    ("report\uff0epdf", "report.pdf"),
    ("a\u2215b\u2044c.pdf", "a_b_c.pdf"),
    ("..\\..\\win.ini", "win.ini.pdf"),
    ("../../etc/passwd", "passwd.pdf"),
    ("tab\there.pdf", "tab_here.pdf"),
    ("c1\x85control.pdf", "c1_control.pdf"),
    ("\ud800lone.pdf", "_lone.pdf"),
    ("", "document.pdf"),
    ("...", "document.pdf"),
    ("r\u00e9sum\u00e9.PDF", "r\u00e9sum\u00e9.PDF"),
])
def test_vendor_names_are_neutralised(given: str, expected: str) -> None:
    assert transport.pdf_filename(given) == expected


def test_long_names_keep_the_suffix() -> None:
    name = transport.pdf_filename("é" * 300 + ".pdf")
    assert name.endswith(".pdf")
    assert len(name.encode()) <= transport.MAX_NAME_BYTES + 4


@pytest.mark.parametrize(("disposition", "expected"), [
    ('attachment; filename="NUL.pdf"', "_NUL.pdf"),
    ("attachment; filename*=UTF-8''%E2%80%AEfdp.exe", "fdp.exe.pdf"),
    ('attachment; filename="report"', "report.pdf"),
    ('attachment; filename="x.pdf. "', "x.pdf"),
])
def test_server_suggested_names_are_neutralised(disposition: str, expected: str, tmp_path: Path) -> None:
    with sync(Server(default=pdf(**{"Content-Disposition": disposition}))) as client:
        assert [p.name for p in client.download("e1", to=tmp_path)] == [expected]


PDF_PAGE = (Path(__file__).resolve().parents[1] / "data" / "pdfs" / "minimal-document.pdf").read_bytes()
