"""What a download may write, and how its files land.

* ``PdfCheck``: a 2xx body is saved only if it is a PDF: a PDF-compatible ``Content-Type`` (or
  none), ``%PDF-`` in the first KiB, and every byte ``Content-Length`` announced. A short body is an
  ``httpx.RemoteProtocolError`` (the drivers retry it like any broken connection); anything else is
  a ``ProviderError``.
* ``session(overwrite, durable)``: one ``download`` call. A file already at a target name is refused
  (``ValidationError`` on ``to``) unless ``overwrite=True``; and the call is all or nothing: when it
  fails part-way, the files it created are removed and the files it replaced are put back. With
  ``durable`` (the client's ``durable_downloads``), every file is on disk when the call returns.

The drivers open the session; the writers in ``transport`` (``download_file``, ``atomic_copy``)
place each finished temp file through it, so providers that write files themselves (``local``)
follow the same rules without knowing about them.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx

from .errors import ProviderError, ValidationError
from .model import PDF_MAGIC, PDF_MAGIC_WINDOW

#: Media types a PDF download may carry (vendors and proxies label binary downloads loosely).
PDF_CONTENT_TYPES = frozenset({
    "application/pdf", "application/x-pdf", "application/acrobat", "application/octet-stream",
    "binary/octet-stream", "application/download", "application/force-download", "application/x-download",
})


def _media(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


class PdfCheck:
    """Checks a streamed body as it arrives: feed it every chunk, then ``finish()``."""

    def __init__(self, response: httpx.Response, provider: str | None = None) -> None:
        self.provider = provider
        self.status = response.status_code
        self.content_type = response.headers.get("content-type")
        length = response.headers.get("content-length", "").strip()
        encoding = _media(response.headers.get("content-encoding", "identity"))
        # A compressed body's Content-Length counts the compressed bytes, not the ones written.
        self.expected = int(length) if length.isdigit() and encoding in ("", "identity") else None
        self.received = 0
        self.head = b""
        try:
            self.request: httpx.Request | None = response.request
        except RuntimeError:  # a response built by hand has none
            self.request = None

    def _refuse(self, what: str) -> ProviderError:
        return ProviderError(f"the vendor's download is not a PDF ({what}); nothing was saved",
                             provider=self.provider, status=self.status)

    def check_type(self) -> None:
        """Refuse a body labelled as something other than a PDF (HTML, JSON, text) before reading it."""
        if self.content_type is not None and _media(self.content_type) not in PDF_CONTENT_TYPES:
            raise self._refuse(f"Content-Type {_media(self.content_type)[:60]!r}")

    def feed(self, chunk: bytes) -> None:
        """Count ``chunk``; refuse as soon as the first KiB shows no ``%PDF-`` header."""
        self.received += len(chunk)
        if len(self.head) < PDF_MAGIC_WINDOW:
            self.head += chunk[:PDF_MAGIC_WINDOW - len(self.head)]
            if len(self.head) >= PDF_MAGIC_WINDOW and PDF_MAGIC not in self.head:
                raise self._refuse("no %PDF- header")

    def finish(self) -> None:
        """The body is complete: refuse it if it is empty, not a PDF, or shorter than announced."""
        if self.expected is not None and self.received < self.expected:
            raise httpx.RemoteProtocolError(
                f"the download ended after {self.received} of {self.expected} bytes", request=self.request)
        if self.received == 0:
            raise self._refuse("the body is empty")
        if PDF_MAGIC not in self.head:
            raise self._refuse("no %PDF- header")
        if self.expected is not None and self.received > self.expected:
            raise self._refuse(f"{self.received} bytes where Content-Length said {self.expected}")


class Session:
    """One ``download`` call: the overwrite rule, whether its files must be durable, and what to undo
    if it fails."""

    def __init__(self, overwrite: bool, durable: bool = False) -> None:
        self.overwrite = overwrite
        #: Read by ``transport.download_file``: ``fsync`` each file before it is placed.
        self.durable = durable
        self.created: list[Path] = []
        self.replaced: list[tuple[Path, Path]] = []  # (the target, the previous file moved aside)

    def claim(self, dest: Path) -> None:
        """Refuse ``dest`` up front when the rule forbids writing it (before any byte is fetched)."""
        if dest.is_dir() and not dest.is_symlink():
            raise ValidationError(f"{dest.name} is a folder in {dest.parent}; it cannot be replaced by a file",
                                  path="to")
        if not self.overwrite and os.path.lexists(dest):
            raise _exists(dest)

    def place(self, tmp: Path, dest: Path) -> None:
        """Move the finished temp file ``tmp`` to ``dest`` under the rule; remember it for ``rollback``."""
        self.claim(dest)
        if self.overwrite:
            if os.path.lexists(dest):
                backup = dest.parent / f".{dest.name}.{secrets.token_hex(6)}.old"
                os.replace(dest, backup)
                self.replaced.append((dest, backup))
                os.replace(tmp, dest)
                return
            os.replace(tmp, dest)
        else:
            try:
                os.link(tmp, dest)  # fails if dest exists: no window for another writer to be clobbered
            except FileExistsError:
                raise _exists(dest) from None
            except OSError:  # a file system without hard links
                if os.path.lexists(dest):
                    raise _exists(dest) from None
                os.replace(tmp, dest)
            else:
                os.unlink(tmp)
        self.created.append(dest)

    def sync(self) -> None:
        """With ``durable``, make the names of the files placed durable too (their data already is).

        On POSIX a file's name lives in its folder, which has its own ``fsync``: without it, a crash
        soon after the download could leave the data on disk under no name, and an application that
        asked for durable downloads may already have deleted the vendor's copy. Without ``durable``
        the names reach the disk with the OS's normal write-back, like the data of a new file.
        """
        if not self.durable:
            return
        for folder in dict.fromkeys(dest.parent for dest in [*self.created, *(d for d, _ in self.replaced)]):
            try:
                sync_folder(folder)
            except OSError as exc:
                raise ValidationError(f"cannot sync the folder {folder}: {exc.strerror or exc}",
                                      path="to") from None

    def commit(self) -> None:
        """The download succeeded: drop the previous files kept for a rollback."""
        for _, backup in self.replaced:
            with contextlib.suppress(OSError):
                os.unlink(backup)
        self.created.clear()
        self.replaced.clear()

    def rollback(self) -> None:
        """The download failed: remove the files it created, put back the ones it replaced."""
        for dest in reversed(self.created):
            with contextlib.suppress(OSError):
                os.unlink(dest)
        for dest, backup in reversed(self.replaced):
            with contextlib.suppress(OSError):
                os.replace(backup, dest)
        self.created.clear()
        self.replaced.clear()


def sync_folder(folder: Path) -> None:
    """``fsync`` the folder itself, so the names in it are durable (POSIX; Windows cannot open a folder,
    and some file systems do not sync one: there, the names are as durable as the system makes them)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(fd)


def _exists(dest: Path) -> ValidationError:
    return ValidationError(f"{dest.name} already exists in {dest.parent}; pass overwrite=True to replace it",
                           path="to")


_current: contextvars.ContextVar[Session | None] = contextvars.ContextVar("signport_download", default=None)


def current() -> Session | None:
    """The download in progress in this context, if any."""
    return _current.get()


@contextlib.contextmanager
def session(overwrite: bool, durable: bool = False) -> Iterator[Session]:
    """Run one download: commit its files if the block completes (after ``Session.sync``), roll them
    back if it raises."""
    active = Session(overwrite, durable)
    token = _current.set(active)
    try:
        yield active
        active.sync()
    except BaseException:
        active.rollback()
        raise
    else:
        active.commit()
    finally:
        _current.reset(token)


def place(tmp: Path, dest: Path) -> None:
    """Move a finished download file into place: through the current session, else replacing."""
    active = current()
    if active is None:
        os.replace(tmp, dest)
    else:
        active.place(tmp, dest)
