"""What both drivers share: the retry policy, request logging, safe file names and atomic writes.

Logging: ``signport.http`` logs every HTTP request at DEBUG (method, host, path, status, elapsed
time, attempt; never a query string, a header or a body, so never a secret) and every retry at
INFO. signport's loggers carry a ``NullHandler``: nothing reaches stderr unless the application
configures logging.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import os
import re
import secrets
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

import attrs
import httpx

from . import downloads
from .errors import ValidationError
from .multipart import disposition_filename
from .states import DocumentKind

log = logging.getLogger("signport.http")
# A library stays silent until the application configures logging: without this, Python's
# "last resort" handler would print signport's warnings on stderr.
logging.getLogger("signport").addHandler(logging.NullHandler())


@functools.lru_cache(maxsize=1024)
def parse_url(url: str) -> httpx.URL:
    """``httpx.URL(url)``, parsed once per distinct URL and shared (an ``httpx.URL`` is immutable).

    httpx validates a URL character by character each time it is built; a poll of one envelope, or a
    thousand concurrent reads of it, now parse its URL once. Bounded: URLs seen once age out.
    """
    return httpx.URL(url)


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
#: Statuses worth another try on an idempotent request.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Exceptions that prove the request never reached the server, so any method may be retried.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
CHUNK = 64 * 1024
#: Longest file name written, in UTF-8 bytes (file systems allow 255; temp names add a few).
MAX_NAME_BYTES = 200


@attrs.frozen(slots=True)
class RetryPolicy:
    """How the drivers retry: attempts in all, total time budget, and the backoff cap (seconds)."""

    attempts: int = 4
    timeout: float = 60.0
    wait_initial: float = 0.5
    wait_max: float = 10.0


#: True while a signport driver runs a request under stamina (read by ``_OwnRetriesFilter``).
_in_request: contextvars.ContextVar[bool] = contextvars.ContextVar("signport_in_request", default=False)


class _OwnRetriesFilter(logging.Filter):
    """Drops stamina's ``stamina.retry_scheduled`` record for a retry signport schedules.

    signport logs its retries on ``signport.http`` instead; stamina's default hook would log them at
    WARNING on ``stamina``, which Python prints on stderr when the application configured no logging.
    The retry hooks stamina holds (an application's own, Prometheus, structlog) are left as they are,
    and records of the application's own retries pass untouched.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_in_request.get() and record.msg == "stamina.retry_scheduled")


_stamina_filter = _OwnRetriesFilter()
logging.getLogger("stamina").addFilter(_stamina_filter)


@contextlib.contextmanager
def retrying_request() -> Iterator[None]:
    """Mark the current context as running a signport request, for the whole retry loop."""
    token = _in_request.set(True)
    try:
        yield
    finally:
        _in_request.reset(token)


class Attempts:
    """Per-request bookkeeping for the drivers: attempt numbers, timing, and the log lines.

    Cheap when nothing is logged: the log fields are built only if ``signport.http`` is enabled
    for the level at hand.
    """

    __slots__ = ("cause", "number", "request", "started")

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        self.number = 0
        self.started = 0.0
        self.cause: str | None = None

    def begin(self, number: int) -> None:
        """Start try ``number``; a retry is logged at INFO with what went wrong before."""
        self.number = number
        if number > 1 and log.isEnabledFor(logging.INFO):
            log.info("retrying %s (attempt %d) after %s", describe(self.request), number, self.cause,
                     extra=self._fields())
        self.started = time.monotonic()

    def note(self, exc: RetryableResponse | RetryableTransport) -> None:
        """Remember why this try failed, for the next retry's log line."""
        if isinstance(exc, RetryableResponse):
            self.cause = f"HTTP {exc.response.status_code}"
        else:
            self.cause = type(exc.error).__name__

    @contextlib.contextmanager
    def attempt(self, number: int) -> Iterator[None]:
        """One try under a retry loop: ``begin`` it and ``note`` its failure."""
        self.begin(number)
        try:
            yield
        except (RetryableResponse, RetryableTransport) as exc:
            self.note(exc)
            raise

    def answered(self, response: httpx.Response) -> None:
        """Log a response at DEBUG."""
        if not log.isEnabledFor(logging.DEBUG):
            return
        elapsed = time.monotonic() - self.started
        log.debug("%s -> %d in %.0f ms (attempt %d)", describe(self.request), response.status_code,
                  elapsed * 1000, self.number,
                  extra={**self._fields(), "http_status": response.status_code, "elapsed": elapsed})

    def failed(self, error: httpx.HTTPError) -> None:
        """Log a network failure at DEBUG."""
        if not log.isEnabledFor(logging.DEBUG):
            return
        elapsed = time.monotonic() - self.started
        log.debug("%s -> %s after %.0f ms (attempt %d)", describe(self.request), type(error).__name__,
                  elapsed * 1000, self.number, extra={**self._fields(), "elapsed": elapsed})

    def _fields(self) -> dict[str, object]:
        url = self.request.url
        return {"http_method": self.request.method, "http_host": url.host, "http_path": url.path,
                "attempt": self.number}


class RetryableResponse(Exception):
    """Raised inside a retry attempt for a response worth another try."""

    def __init__(self, response: httpx.Response, wait: float | None) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.wait = wait


class RetryableTransport(Exception):
    """Raised inside a retry attempt for a network failure (or an undecodable answer) worth another try."""

    def __init__(self, error: httpx.HTTPError, status: int | None = None) -> None:
        super().__init__(type(error).__name__)
        self.error = error
        self.status = status


#: What a try raises when it deserves another one.
RETRYABLE = (RetryableResponse, RetryableTransport)


def is_idempotent(request: httpx.Request) -> bool:
    """GET/HEAD/PUT/DELETE, or a request explicitly marked idempotent."""
    from .provider import EXT_IDEMPOTENT

    return request.method in IDEMPOTENT_METHODS or bool(request.extensions.get(EXT_IDEMPOTENT))


def retry_decision(request: httpx.Request, response: httpx.Response) -> float | bool:
    """False, True (default backoff) or a wait in seconds (from ``Retry-After``)."""
    if response.status_code == 429 or (response.status_code in RETRY_STATUSES and is_idempotent(request)):
        from .provider import retry_after

        wait = retry_after(response)
        return True if wait is None else wait
    return False


#: httpx failures worth another try on an idempotent request: the network, or a body that did not decode.
RETRYABLE_ERRORS = (httpx.TransportError, httpx.DecodingError)


def transport_retryable(request: httpx.Request, error: httpx.HTTPError) -> bool:
    """A network failure may be retried if the request is idempotent or never left.

    Errors that are not about the network (too many redirects, an unsupported URL) are never retried.
    """
    if isinstance(error, NEVER_SENT):
        return True
    return isinstance(error, RETRYABLE_ERRORS) and is_idempotent(request)


def backoff_hook(cap: float) -> object:
    """The ``on=`` hook for stamina: retry our two marker exceptions, honouring Retry-After up to ``cap``."""
    def hook(exc: Exception) -> bool | float:
        if isinstance(exc, RetryableResponse):
            return True if exc.wait is None else min(exc.wait, cap)
        return isinstance(exc, RetryableTransport)
    return hook


_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*]')
#: Look-alikes of "/" and "\" (fullwidth, division and fraction slashes...): never a separator, never shown as one.
_SLASHES = re.compile("[\u2044\u2215\u29f5\u29f8\u29f9\ufe68\uff0f\uff3c]")
#: Look-alikes of "." (fullwidth, halfwidth ideographic, one-dot leader, small full stop): read as ".".
_DOTS = re.compile("[\u2024\ufe52\uff0e\uff61]")
#: Invisible characters that reorder or hide text: bidi controls and isolates, zero-width space, BOM.
_INVISIBLE = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
#: Names Windows reserves for devices, with or without an extension (``NUL.pdf`` is the device too).
_RESERVED = frozenset({"con", "prn", "aux", "nul", "conin$", "conout$", "clock$",
                       *(f"{p}{n}" for p in ("com", "lpt") for n in "0123456789\u00b9\u00b2\u00b3")})


def safe_filename(name: str | None, default: str = "document.pdf") -> str:
    """A file name that cannot leave its folder or mislead: no separators (or look-alikes), no traversal,
    no control or bidi characters, no Windows device name, no trailing dots or spaces."""
    if not name or not isinstance(name, str):
        return default
    return _safe_filename(name, default)


@functools.lru_cache(maxsize=1024)
def _safe_filename(name: str, default: str) -> str:
    # A pure function of its arguments, and the same few names come back download after download.
    name = unicodedata.normalize("NFC", name)
    name = _INVISIBLE.sub("", name)
    name = _SLASHES.sub("_", _DOTS.sub(".", name))
    name = "".join("_" if unicodedata.category(c) == "Cs" else c for c in name)  # lone surrogates
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    name = name.rstrip(". ")  # Windows drops them, so "a.pdf." would land on "a.pdf"
    if not name or name in {".", ".."}:
        return default
    if name.split(".", 1)[0].rstrip(" ").lower() in _RESERVED:
        name = f"_{name}"
    return _truncate(name)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _truncate(name: str) -> str:
    # File systems limit a name to 255 *bytes*; the temp file beside it adds a few more.
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext) <= 10:
        suffix = dot + ext
        return _cut(stem, MAX_NAME_BYTES - len(suffix.encode("utf-8"))).rstrip() + suffix
    return _cut(name, MAX_NAME_BYTES)


def pdf_filename(name: str | None, default: str = "document.pdf", *, suffix: str | None = None) -> str:
    """A safe file name (``safe_filename``) that always ends in ``.pdf``.

    With ``suffix`` the name is rebuilt as stem + suffix + ``.pdf`` (lower case):
    ``pdf_filename("NDA.PDF", suffix="-executed")`` is ``NDA-executed.pdf``.
    """
    safe = safe_filename(name if isinstance(name, str) and name.strip() else None, default)
    if suffix is not None:
        stem = safe[:-4] if safe.lower().endswith(".pdf") else safe
        safe = safe_filename(f"{stem}{suffix}.pdf", default)
    return safe if safe.lower().endswith(".pdf") else f"{safe}.pdf"


class DownloadNames:
    """Sanitized file names, unique (case-insensitively) within one download: ``a.pdf``, ``a (2).pdf``."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, name: str) -> str:
        safe = safe_filename(name)
        stem, dot, ext = safe.rpartition(".")
        if not dot:
            stem, ext = safe, ""
        candidate, n = safe, 1
        while candidate.lower() in self.used:
            n += 1
            candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
        self.used.add(candidate.lower())
        return candidate


#: The suffix each kind adds to a document's stem (see ``download_filenames``).
KIND_SUFFIX = {DocumentKind.EXECUTED: "", DocumentKind.ORIGINAL: "-original",
               DocumentKind.COMBINED: "-combined", DocumentKind.AUDIT: "-audit"}


def document_stem(name: str | None) -> str:
    """A document's name without folders and a trailing ``.pdf`` (any case): ``"NDA.PDF"`` -> ``"NDA"``."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name.lower().endswith(".pdf"):
        name = name[:-4]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    return name or "document"


def download_filenames(kind: DocumentKind, documents: Sequence[str | None],
                       signers: Sequence[str] = ()) -> list[str]:
    """The file names of one download of ``kind``, in the order its files are returned; every provider
    names its files with this function, so the same envelope downloads under the same names everywhere.

    ``documents`` are the envelope's document names in order, ``signers`` its signers' names in order.

    * ``EXECUTED``: one per document, ``<stem>.pdf``
    * ``ORIGINAL``: one per document, ``<stem>-original.pdf``
    * ``COMBINED``: one, ``<first stem>-combined.pdf``; ``AUDIT``: one, ``<first stem>-audit.pdf``
    * ``SIGNER_COPIES``: document by document, one per signer, ``<stem>-<signer name>.pdf``

    Names are made safe for any file system; a name met again in the same download is numbered
    (``nda.pdf``, ``nda (2).pdf``).
    """
    stems = [document_stem(d) for d in documents]
    if kind is DocumentKind.SIGNER_COPIES:
        people = [re.sub(r"[/\\]+", "_", signer).strip() or "signer" for signer in signers]
        wanted = [f"{stem}-{person}" for stem in stems for person in people]
    elif kind in (DocumentKind.COMBINED, DocumentKind.AUDIT):
        wanted = [(stems[0] if stems else "document") + KIND_SUFFIX[kind]]
    else:
        wanted = [stem + KIND_SUFFIX[kind] for stem in stems]
    names = DownloadNames()
    return [names(pdf_filename(f"{name}.pdf")) for name in wanted]


def content_disposition_filename(response: httpx.Response) -> str | None:
    """The file name a server suggests (RFC 6266 / RFC 5987 ``filename*`` understood)."""
    value = response.headers.get("content-disposition")
    return disposition_filename(value) if value else None


def target_path(folder: Path, filename: str) -> Path:
    """``folder/filename`` (absolute) after sanitizing, guaranteed inside ``folder``.

    A safe name has no separator and is never ``.`` or ``..``, so only a link at the target can lead
    elsewhere: one ``lstat`` tells, and only then are the link and the folder resolved to compare
    them. The folder is not resolved otherwise (resolving walks every component of its path, about
    as long as the rest of a small download's file handling): the file is written where the caller's
    folder is, which is inside it whatever links lead there.
    """
    folder = folder.absolute()
    dest = folder / safe_filename(filename)
    if dest.is_symlink():  # follow it and check where it goes
        real = dest.resolve()
        if real.parent != folder.resolve():
            raise ValidationError(f"refusing to write outside {folder}", path="to")
        return real
    return dest


@contextlib.contextmanager
def atomic_file(dest: Path, place: Callable[[Path, Path], None] = os.replace, *,
                durable: bool) -> Iterator[IO[bytes]]:
    """A temp file beside ``dest``, moved onto it by ``place(tmp, dest)`` only if the block completes.

    Always atomic: ``dest`` is the complete file or what was there before. ``durable``: the file is
    flushed to disk (``fsync``) before it is placed, so it survives a power loss or an OS crash that
    follows; without it the data reaches the disk with the OS's normal write-back. The caller decides:
    a file that is the only copy of its data is durable; see ``download_file`` for downloads.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Like any file the user's programs write: mode 0666 less the umask (mkstemp would force 0600).
    tmp = dest.parent / f".{dest.name}.{secrets.token_hex(6)}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            if durable:
                sync_file(fh)
        place(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def sync_file(fh: IO[bytes]) -> None:
    """Push what was written to ``fh`` through Python's buffer and the OS's cache onto the disk."""
    fh.flush()
    os.fsync(fh.fileno())


@contextlib.contextmanager
def download_file(dest: Path, check: downloads.PdfCheck | None = None) -> Iterator[IO[bytes]]:
    """``atomic_file`` for a download: placed under the current download's rules (``downloads.session``),
    after ``check`` (if given) accepts the complete body. A failure to write (disk full, a folder in the
    way) is a ``ValidationError`` on ``to`` rather than a bare ``OSError``.

    Durable (``fsync`` before it is placed) when the download asks for it (``durable_downloads``) or
    when the file replaces one already there; a new file is not: the vendor keeps the authoritative
    copy, and the OS writes the data back soon after.
    """
    active = downloads.current()
    if active is not None:
        active.claim(dest)
    try:
        with atomic_file(dest, downloads.place, durable=False) as fh:
            yield fh
            if check is not None:
                check.finish()
            # Synced here rather than by ``atomic_file``: decided once the file is complete, just
            # before it is placed. A file at ``dest`` now is about to be replaced, and after a crash
            # that follows the rename, the new copy must be on disk since the older one is gone.
            if (active is not None and active.durable) or os.path.lexists(dest):
                sync_file(fh)
    except OSError as exc:
        raise ValidationError(f"cannot write {dest.name}: {exc.strerror or exc}", path="to") from None


def atomic_copy(src: Path, folder: Path, filename: str) -> Path:
    """Copy ``src`` into ``folder`` as ``filename`` (sanitized) through a temp file; returns the path.

    A download's copy: inside a download (``downloads.session``) the copy follows its rules (no silent
    replace, undone if the download fails later, durable when asked); see ``download_file``.
    """
    dest = target_path(folder, filename)
    with src.open("rb") as fin, download_file(dest) as fout:
        shutil.copyfileobj(fin, fout, CHUNK)
    return dest


def describe(request: httpx.Request) -> str:
    """``METHOD host/path`` for logs and errors: no query string, no headers, so no secrets."""
    url = request.url
    port = f":{url.port}" if url.port is not None else ""
    return f"{request.method} {url.host}{port}{url.path}"
