"""A ``multipart/form-data`` request body streamed from disk, with RFC 5987 file names.

httpx's own ``files=`` encoder always writes ``filename="..."`` with the raw UTF-8
bytes of the name and needs an open file handle for the life of the request.
This body opens each file only while it is being sent (so a generator-based flow
holds no file open, and a retried request can be sent again), knows its
``Content-Length`` up front, and writes names outside printable ASCII the way
RFC 6266 / RFC 5987 say: an ASCII ``filename="..."`` fallback followed by
``filename*=UTF-8''<percent-encoded>``.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import attrs
import httpx

CHUNK = 64 * 1024
#: RFC 5987 ``attr-char`` minus ALPHA / DIGIT (which ``quote`` never escapes).
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"


@attrs.frozen(slots=True)
class FilePart:
    """One file in a multipart body, read from ``path`` (streamed) or from ``content``.

    ``field_name`` is the form field (``name=``); ``None`` leaves ``name=`` out, for
    servers documented that way.
    """

    filename: str
    content_type: str = "application/octet-stream"
    path: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    content: bytes | None = attrs.field(default=None, repr=False)
    field_name: str | None = "file"

    def __attrs_post_init__(self) -> None:
        if (self.path is None) == (self.content is None):
            raise ValueError("a FilePart needs exactly one of path or content")

    @property
    def size(self) -> int:
        """Size in bytes."""
        if self.content is not None:
            return len(self.content)
        assert self.path is not None
        return self.path.stat().st_size

    def chunks(self) -> Iterator[bytes]:
        """The content in chunks; a file is opened here and closed when the iteration ends."""
        if self.content is not None:
            yield self.content
            return
        assert self.path is not None
        with self.path.open("rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk


def ascii_fallback(filename: str, default: str = "file") -> str:
    """A printable-ASCII stand-in for ``filename`` (accents stripped, the rest ``_``)."""
    out = []
    for ch in unicodedata.normalize("NFKD", filename):
        if unicodedata.combining(ch):
            continue
        out.append(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\' else "_")
    text = "".join(out).strip()
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    if not stem.replace("_", "").strip():
        return f"{default}.{ext}" if ext and ext.replace("_", "") else default
    return text


def needs_extended(filename: str) -> bool:
    """True when ``filename`` cannot go in a plain quoted ``filename="..."`` unchanged."""
    return any(not (0x20 <= ord(ch) < 0x7F) or ch in '"\\' for ch in filename)


def rfc5987(value: str) -> str:
    """``UTF-8''<percent-encoded value>`` (RFC 5987 ``ext-value``; spaces encoded as ``%20``)."""
    return "UTF-8''" + quote(value, safe=_ATTR_CHAR_SAFE, encoding="utf-8")


def content_disposition(filename: str, field_name: str | None = "file", *, kind: str = "form-data") -> str:
    """A ``Content-Disposition`` value: a multipart part's, or with ``kind="attachment"`` a download's.

    Printable ASCII names: ``form-data; name="file"; filename="a b.pdf"``. Any other
    name adds ``filename*=UTF-8''...`` after an ASCII fallback, last, unquoted,
    with no trailing semicolon (RFC 6266 / RFC 5987).
    """
    params = [kind]
    if field_name is not None:
        params.append(f'name="{_quoted(field_name)}"')
    if needs_extended(filename):
        params.append(f'filename="{ascii_fallback(filename)}"')
        params.append(f"filename*={rfc5987(filename)}")
    else:
        params.append(f'filename="{filename}"')
    return "; ".join(params)


def disposition_params(value: str) -> dict[str, str]:
    """The parameters of a ``Content-Disposition`` value, names lower-cased, quotes removed."""
    params: dict[str, str] = {}
    for item in _split_params(value)[1:]:
        name, eq, raw = item.partition("=")
        if not eq:
            continue
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params[name.strip().lower()] = raw
    return params


def disposition_filename(value: str) -> str | None:
    """The file name in a ``Content-Disposition`` value, ``filename*`` (RFC 5987) preferred (RFC 6266 §4.3)."""
    params = disposition_params(value)
    extended = params.get("filename*")
    if extended:
        charset, sep, rest = extended.partition("'")
        _lang, sep2, encoded = rest.partition("'")
        if sep and sep2:
            try:
                return unquote(encoded, encoding=charset or "utf-8", errors="strict")
            except (LookupError, UnicodeDecodeError):
                pass
    return params.get("filename") or None


def _split_params(value: str) -> list[str]:
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    items.append("".join(current).strip())
    return items


def _quoted(value: str) -> str:
    if needs_extended(value):
        raise ValueError(f"form field names must be printable ASCII without quotes: {value!r}")
    return value


class MultipartBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A re-iterable streamed ``multipart/form-data`` body (sync and async)."""

    def __init__(self, parts: Sequence[FilePart], *, fields: Mapping[str, str] | None = None,
                 boundary: str | None = None) -> None:
        self.parts = tuple(parts)
        self.fields = dict(fields or {})
        self.boundary = boundary or secrets.token_hex(16)
        self._heads = [self._field_head(name) + value.encode("utf-8") + b"\r\n"
                       for name, value in self.fields.items()]
        self._part_heads = [self._part_head(p) for p in self.parts]
        self._tail = f"--{self.boundary}--\r\n".encode("ascii")

    def _field_head(self, name: str) -> bytes:
        return (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{_quoted(name)}\"\r\n\r\n"
                .encode("ascii"))

    def _part_head(self, part: FilePart) -> bytes:
        return (f"--{self.boundary}\r\n"
                f"Content-Disposition: {content_disposition(part.filename, part.field_name)}\r\n"
                f"Content-Type: {part.content_type}\r\n\r\n").encode("ascii")

    @property
    def content_type(self) -> str:
        """The request's ``Content-Type`` header value."""
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def content_length(self) -> int:
        """Total body size in bytes (files are measured, not read)."""
        size = sum(len(h) for h in self._heads) + len(self._tail)
        for head, part in zip(self._part_heads, self.parts, strict=True):
            size += len(head) + part.size + 2
        return size

    @property
    def headers(self) -> dict[str, str]:
        """``Content-Type`` and ``Content-Length`` for the request."""
        return {"Content-Type": self.content_type, "Content-Length": str(self.content_length)}

    def _pieces(self) -> Iterator[bytes]:
        yield from self._heads
        for head, part in zip(self._part_heads, self.parts, strict=True):
            yield head
            yield from part.chunks()
            yield b"\r\n"
        yield self._tail

    def __iter__(self) -> Iterator[bytes]:
        # Small pieces (part heads, a small file, the tail) go out together, each write to the
        # socket costs a system call; a piece of CHUNK bytes or more goes as it is, never copied.
        pending: list[bytes] = []
        size = 0
        for piece in self._pieces():
            if pending and size + len(piece) > CHUNK:
                yield b"".join(pending)
                pending, size = [], 0
            if len(piece) >= CHUNK:
                yield piece
                continue
            pending.append(piece)
            size += len(piece)
        if pending:
            yield b"".join(pending)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # Local disk reads are short; httpx's own file encoder reads synchronously too.
        for chunk in self:
            yield chunk


def multipart_request(method: str, url: httpx.URL | str, parts: Sequence[FilePart], *,
                      fields: Mapping[str, str] | None = None, params: Mapping[str, Any] | None = None,
                      headers: Mapping[str, str] | None = None) -> httpx.Request:
    """An ``httpx.Request`` whose body is a streamed ``MultipartBody``."""
    body = MultipartBody(parts, fields=fields)
    all_headers = dict(headers or {})
    all_headers.update(body.headers)
    request = httpx.Request(method, url, params=params, headers=all_headers, stream=body)
    # httpx sets default headers only for bodies it encodes itself; a custom stream needs Host.
    if "host" not in request.headers and request.url.host:
        request.headers["Host"] = request.url.netloc.decode("ascii")
    return request
