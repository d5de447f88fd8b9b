"""Documents on disk: copied into an envelope's folder (checked, with their digest), named for download."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from signport.errors import NotFound, ValidationError
from signport.model import Document
from signport.pdf import PdfInfo, pdf_info
from signport.transport import CHUNK, atomic_file

from .store import NAME, DocumentRecord, Store, new_id


def copy_in(document: Document, dest: Path) -> tuple[str, int]:
    """Stream ``document`` to ``dest``; returns its SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    with document.open() as src, atomic_file(dest, durable=True) as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def store_documents(store: Store, envelope_id: str, documents: Sequence[Document], path: str,
                    pages: Mapping[int, Iterable[int]] | None = None,
                    ) -> tuple[list[DocumentRecord], dict[int, PdfInfo]]:
    """Copy documents into the envelope's folder; with each one's ``PdfInfo`` (page count and the boxes
    of ``pages``, by document index): what validation read, not read again."""
    records: list[DocumentRecord] = []
    pdfs: dict[int, PdfInfo] = {}
    written: list[Path] = []
    try:
        for i, document in enumerate(documents):
            if not document.has_content:
                raise ValidationError("needs content (bytes) or a path", path=f"{path}[{i}].content",
                                      provider=NAME)
            doc_id = new_id()
            dest = store.document_path(envelope_id, doc_id)
            try:
                sha, size = copy_in(document, dest)
            except OSError as exc:
                raise ValidationError(f"cannot read the document: {exc.strerror or exc}",
                                      path=f"{path}[{i}]", provider=NAME) from None
            written.append(dest)
            pdfs[i] = pdf_info(document, pages=(pages or {}).get(i, ()), path=f"{path}[{i}].content")
            records.append(DocumentRecord(id=doc_id, name=document.name, sha256=sha, size=size,
                                          pages=pdfs[i].page_count, key=document.key))
    except BaseException:
        discard_files(written)
        raise
    return records, pdfs


def discard_files(paths: Iterable[Path]) -> None:
    """Remove the files (those already gone are fine)."""
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def stored_file(path: Path) -> Path:
    """``path``, or NotFound when the store has lost that file."""
    if not path.is_file():
        raise NotFound(f"the stored file {path.name} is missing from the local store", provider=NAME)
    return path


def link_or_copy(src: Path, dest: Path) -> None:
    """Put ``src``'s content at ``dest`` (replacing it): a hard link where the file system allows one,
    else a copy through a temp file. Stored files never change once written, so they can share."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    link = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.link")
    try:
        os.link(src, link)
    except OSError:
        with atomic_file(dest, durable=True) as out, src.open("rb") as fin:
            shutil.copyfileobj(fin, out, CHUNK)
        return
    try:
        os.replace(link, dest)
    except BaseException:
        discard_files([link])
        raise
