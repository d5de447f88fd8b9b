"""signport.multipart: streamed multipart bodies with RFC 5987 file names."""

from __future__ import annotations

from email.message import Message
from pathlib import Path

import httpx
import pytest

from signport.multipart import (
    FilePart,
    MultipartBody,
    ascii_fallback,
    content_disposition,
    disposition_filename,
    multipart_request,
    rfc5987,
)


def _filename(disposition: str) -> str | None:
    return disposition_filename(disposition)


def test_ascii_name_is_quoted_plainly() -> None:
    assert content_disposition("document.pdf") == 'form-data; name="file"; filename="document.pdf"'
    assert content_disposition("a b.pdf", None) == 'form-data; filename="a b.pdf"'


def test_non_ascii_name_uses_rfc5987_last_without_trailing_semicolon() -> None:
    value = content_disposition("résumé.pdf")
    assert value == ('form-data; name="file"; filename="resume.pdf"; '
                     "filename*=UTF-8''r%C3%A9sum%C3%A9.pdf")
    assert not value.endswith(";")
    assert _filename(value) == "résumé.pdf"


@pytest.mark.parametrize("name", ["契約書.pdf", "naïve file.pdf", 'quote".pdf', "back\\slash.pdf",
                                  "emoji 😀.pdf", "tab\there.pdf"])
def test_any_name_round_trips(name: str) -> None:
    value = content_disposition(name)
    assert value.isascii()
    assert "\r" not in value
    assert "\n" not in value
    assert _filename(value) == name


def test_disposition_filename_prefers_extended_and_falls_back() -> None:
    assert disposition_filename('attachment; filename="a.pdf"') == "a.pdf"
    assert disposition_filename("attachment; filename=a.pdf") == "a.pdf"
    assert disposition_filename('attachment; filename="x;y.pdf"') == "x;y.pdf"
    assert disposition_filename("attachment; filename*=UTF-8''%E2%82%AC.pdf; filename=\"e.pdf\"") == "€.pdf"
    assert disposition_filename("attachment; filename*=bogus; filename=\"e.pdf\"") == "e.pdf"
    assert disposition_filename("attachment") is None


def test_rfc5987_encodes_spaces() -> None:
    assert rfc5987("a b.pdf") == "UTF-8''a%20b.pdf"


def test_ascii_fallback() -> None:
    assert ascii_fallback("résumé.pdf") == "resume.pdf"
    assert ascii_fallback("契約書.pdf") == "file.pdf"
    assert ascii_fallback("契約書") == "file"


def test_file_part_needs_one_source(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        FilePart("a.pdf")
    with pytest.raises(ValueError, match="exactly one"):
        FilePart("a.pdf", path=tmp_path / "x", content=b"x")


def _parse(body: bytes, content_type: str) -> list[tuple[str, bytes]]:
    """Parse with the stdlib email parser: (content-disposition, payload) per part."""
    from email import message_from_bytes

    msg = message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    assert msg.is_multipart()
    out = []
    for part in msg.get_payload():
        assert isinstance(part, Message)
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        out.append((str(part["content-disposition"]), payload))
    return out


def test_body_streams_file_and_knows_its_length(tmp_path: Path) -> None:
    pdf = tmp_path / "big.pdf"
    data = b"%PDF-1.4\n" + bytes(range(256)) * 1000
    pdf.write_bytes(data)
    body = MultipartBody([FilePart("données.pdf", "application/pdf", path=pdf),
                          FilePart("b.pdf", "application/pdf", content=b"%PDF-1.4 x", field_name=None)],
                         fields={"note": "hi"})
    chunks = list(body)
    assert max(len(c) for c in chunks) <= 64 * 1024, "a file is never read whole"
    raw = b"".join(chunks)
    assert len(raw) == body.content_length
    assert raw == b"".join(body), "the body can be sent again (retries)"
    parts = _parse(raw, body.content_type)
    assert parts[0] == ('form-data; name="note"', b"hi")
    assert _filename(parts[1][0]) == "données.pdf"
    assert parts[1][1] == data
    assert parts[2][0] == 'form-data; filename="b.pdf"'


async def test_body_async(tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4 hello")
    body = MultipartBody([FilePart("a.pdf", "application/pdf", path=pdf)])
    raw = b"".join([c async for c in body])
    assert raw == b"".join(body)


def test_multipart_request_through_a_transport(tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4 hello")
    seen: dict[str, object] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["headers"] = dict(request.headers)
        seen["body"] = request.read()
        return httpx.Response(200, json={})

    request = multipart_request("POST", "http://x.test/files/upload", [FilePart("a.pdf", path=pdf)],
                                params={"type": "temporary"}, headers={"api_key": "k"})
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        client.send(request)
    headers = seen["headers"]
    assert isinstance(headers, dict)
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    assert int(headers["content-length"]) == len(seen["body"])  # type: ignore[arg-type]
    assert request.url.params["type"] == "temporary"
    assert headers["host"] == "x.test"


def test_small_pieces_go_out_together(tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4 hello")
    small = MultipartBody([FilePart("a.pdf", "application/pdf", path=pdf)], fields={"note": "hi"})
    assert len(list(small)) == 1, "heads, a small file and the tail: one write"
    big = b"%PDF-1.4\n" + bytes(200 * 1024)
    body = MultipartBody([FilePart("a.pdf", "application/pdf", content=big)])
    chunks = list(body)
    assert any(c is big for c in chunks), "a large in-memory document is sent as it is, not copied"
    assert len(chunks) == 3  # the head, the document, the closing lines
    assert b"".join(chunks) == b"".join(body._pieces())
