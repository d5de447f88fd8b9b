"""Reading PDFs as a reader sees them: visible page boxes after ``/Rotate`` inside the crop box.

Coordinates follow the neutral rule: PDF points, pages 1-based, origin at the
bottom-left of the page *as a reader sees it*. ``PageBox.matrix`` turns such a
position into the page's own user space.

A send parses each document once: validation asks ``pdf_info`` for the page count and the boxes of
the pages fields are placed on, and whoever needs them next (a provider converting placements,
the local store) asks again and gets the same answer without reading the file again. Only the
cross-reference table, the catalog and the page-tree nodes on the way to those pages are read, never
every page; the parsed objects are dropped before the call returns.
"""

from __future__ import annotations

import contextlib
import io
import os
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

import attrs

from .errors import ValidationError
from .model import BytesReader, Document

if TYPE_CHECKING:  # pypdf is imported when a PDF is first read, not with ``import signport``
    import pypdf
    from pypdf.generic import DictionaryObject, PdfObject

#: How much a placement may stick out of the page (rounding in callers' arithmetic).
TOLERANCE = 0.5

Source = str | os.PathLike[str] | bytes | BinaryIO | Document
Matrix = tuple[float, float, float, float, float, float]
T = TypeVar("T")

#: Page attributes a page takes from its ancestors in the page tree when it has none (ISO 32000-1,
#: 7.7.3.4); ``/Resources`` is inheritable too but plays no part in a page's box.
_INHERITED = ("/MediaBox", "/CropBox", "/Rotate")


@attrs.frozen(slots=True)
class PageBox:
    """One page as a reader sees it.

    ``width``/``height``: visible size in points (crop box, after rotation);
    ``rotation``: the page's ``/Rotate`` normalized to 0, 90, 180 or 270;
    ``left``/``bottom``: the crop box's lower-left corner in the page's user space.
    """

    number: int
    width: float
    height: float
    rotation: int = 0
    left: float = 0.0
    bottom: float = 0.0

    @property
    def matrix(self) -> Matrix:
        """The PDF matrix ``(a, b, c, d, e, f)`` mapping visible coordinates to user space."""
        # Unrotated crop box size: visible width/height swap on quarter turns.
        w, h = (self.height, self.width) if self.rotation in (90, 270) else (self.width, self.height)
        left, bottom = self.left, self.bottom
        if self.rotation == 90:   # shown turned clockwise: visible (x, y) -> user (w - y, x)
            return (0.0, 1.0, -1.0, 0.0, left + w, bottom)
        if self.rotation == 180:  # visible (x, y) -> user (w - x, h - y)
            return (-1.0, 0.0, 0.0, -1.0, left + w, bottom + h)
        if self.rotation == 270:  # visible (x, y) -> user (y, h - x)
            return (0.0, -1.0, 1.0, 0.0, left, bottom + h)
        return (1.0, 0.0, 0.0, 1.0, left, bottom)

    def to_user(self, x: float, y: float) -> tuple[float, float]:
        """A visible position in the page's user space."""
        a, b, c, d, e, f = self.matrix
        return (a * x + c * y + e, b * x + d * y + f)

    def contains(self, x: float, y: float, width: float, height: float) -> bool:
        """True if the rectangle lies on the visible page."""
        return (x >= -TOLERANCE and y >= -TOLERANCE and x + width <= self.width + TOLERANCE
                and y + height <= self.height + TOLERANCE)


@attrs.frozen(slots=True)
class PdfInfo:
    """What sending needs to know of a PDF: its page count and the boxes of the pages asked for.

    ``boxes`` maps a page number (1-based) to its ``PageBox`` for the pages asked for that exist;
    the other pages were never read.
    """

    page_count: int
    boxes: Mapping[int, PageBox] = attrs.field(factory=dict)


@contextlib.contextmanager
def _open(source: Source) -> Iterator[IO[bytes]]:
    if isinstance(source, Document):
        with source.open() as fh:
            yield _buffered(fh)
    elif isinstance(source, bytes):
        with contextlib.closing(BytesReader(source)) as reader:
            yield _buffered(cast(IO[bytes], reader))
    elif isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as fh:
            yield fh
    else:
        yield source


def _buffered(fh: IO[bytes]) -> IO[bytes]:
    # pypdf reads byte by byte while it parses: through a buffer those reads stay in C instead of each
    # calling ``BytesReader.read``. The buffer holds one chunk, never a copy of the content.
    if isinstance(fh, io.RawIOBase):
        return cast(IO[bytes], io.BufferedReader(fh))
    return fh


def page_box(number: int, page: pypdf.PageObject) -> PageBox:
    media, crop = page.mediabox, page.cropbox
    # The crop box is clipped to the media box (ISO 32000-1, 14.11.2).
    left = max(float(crop.left), float(media.left))
    bottom = max(float(crop.bottom), float(media.bottom))
    right = min(float(crop.right), float(media.right))
    top = min(float(crop.top), float(media.top))
    if right <= left or top <= bottom:
        left, bottom, right, top = (float(media.left), float(media.bottom),
                                    float(media.right), float(media.top))
    rotation = round(float(page.rotation or 0) / 90.0) * 90 % 360
    w, h = right - left, top - bottom
    if rotation in (90, 270):
        w, h = h, w
    return PageBox(number=number, width=w, height=h, rotation=rotation, left=left, bottom=bottom)


def open_reader(fh: IO[bytes], path: str) -> pypdf.PdfReader:
    import pypdf

    # Strict parsing: a file whose cross-reference table needs repair is refused as damaged.
    reader = pypdf.PdfReader(fh, strict=True)
    if reader.is_encrypted:
        reader.close()
        del reader  # the error's traceback must not keep the reader alive
        raise ValidationError("the PDF is encrypted (password-protected); remove the password first",
                              path=path)
    return reader


def _read(source: Source, path: str, read: Callable[[pypdf.PdfReader], T]) -> T:
    """``read`` applied to a strict reader over ``source``; any parse failure is a ``ValidationError``.

    The reader is closed before this returns (or raises): its parsed objects, which refer back to it,
    are dropped with it instead of waiting for the garbage collector, and the file is closed.
    """
    try:
        with _open(source) as fh:
            reader = open_reader(fh, path)
            try:
                return read(reader)
            finally:
                reader.close()
                del reader
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on damaged files
        failure = type(exc).__name__
    # Raised outside the handler: the error carries no traceback holding pypdf's objects.
    raise ValidationError(f"the PDF is damaged or unreadable ({failure})", path=path)


def _page_tree(reader: pypdf.PdfReader) -> DictionaryObject:
    from pypdf.errors import PdfReadError
    from pypdf.generic import DictionaryObject

    # The catalog straight from the trailer: ``reader.root_object`` caches it on the reader, a
    # reference cycle that outlives ``close()``. Only a trailer without a usable /Root needs pypdf's
    # search for the catalog (that rare reader is left to the garbage collector).
    catalog = _value(reader.trailer, "/Root")
    if not (isinstance(catalog, DictionaryObject) and "/Pages" in catalog):
        catalog = reader.root_object
    pages = _value(catalog, "/Pages")
    if not isinstance(pages, DictionaryObject):
        raise PdfReadError("Invalid object in /Pages")
    return pages


def _pages(reader: pypdf.PdfReader) -> Iterator[pypdf.PageObject]:
    """Every page in order, as pypdf's own page list would give it (without keeping them all).

    Cycles, and trees deeper or wider than pypdf's configured limits, are refused.
    """
    import pypdf
    from pypdf.errors import PdfReadError

    limits = pypdf.get_configuration()
    entries = 0
    root = _page_tree(reader)
    # The /Pages nodes on the way down (a stack, not recursion: a recursive closure is a reference
    # cycle that would keep the reader alive): the kids still to visit, what their pages inherit,
    # and the nodes above, to refuse a tree that refers to itself.
    stack = [(iter(_kids(root)), _inherit({}, root), frozenset({id(root)}))]
    while stack:
        kids, inherited, ancestors = stack[-1]
        kid = next(kids, None)  # a PDF array holds PdfObjects, never None
        if kid is None:
            stack.pop()
            continue
        entries += 1
        if entries > limits.page_tree_maximum_entries:
            raise PdfReadError("the page tree has too many entries")
        child, kind = _node(kid, ancestors)
        if kind == "/Pages":
            if len(stack) >= limits.page_tree_maximum_depth:
                raise PdfReadError("the page tree is too deep")
            stack.append((iter(_kids(child)), _inherit(inherited, child), ancestors | {id(child)}))
        elif kind == "/Page":
            yield _page_object(reader, child, inherited)


def _page(reader: pypdf.PdfReader, number: int, count: int) -> pypdf.PageObject | None:
    """Page ``number`` of ``count``, reading only the page-tree nodes on the way down to it.

    Each ``/Pages`` node's ``/Count`` gives the range of pages below it, so at each level the kids are
    looked at from the nearer end and every node not holding the page is passed over unread: the
    last page of a flat tree costs one page object, not all of them. ``None`` if the counts do not
    lead to the page (missing or wrong): the caller walks the whole tree instead.
    """
    import pypdf

    limits = pypdf.get_configuration()
    node = _page_tree(reader)
    first, inherited, ancestors = 1, _inherit({}, node), frozenset({id(node)})
    for _ in range(limits.page_tree_maximum_depth):
        kids = _kids(node)
        forward = number - first <= first + count - 1 - number
        position = first if forward else first + count - 1  # the nearest page of the next kid
        for kid in kids if forward else reversed(kids):
            child, kind = _node(kid, ancestors)
            size = 1 if kind == "/Page" else _value(child, "/Count") if kind == "/Pages" else 0
            if not isinstance(size, int) or size < 0:
                return None
            low, high = (position, position + size - 1) if forward else (position - size + 1, position)
            if low <= number <= high:
                if kind == "/Page":
                    return _page_object(reader, child, inherited)
                node, first, count = child, low, size
                inherited, ancestors = _inherit(inherited, child), ancestors | {id(child)}
                break
            position = high + 1 if forward else low - 1
        else:
            return None
    return None


def _node(kid: PdfObject, ancestors: frozenset[int]) -> tuple[DictionaryObject, str | None]:
    """A kid of a ``/Pages`` node, and what it is: ``"/Pages"``, ``"/Page"`` or ``None`` (ignored)."""
    from pypdf.errors import PdfReadError
    from pypdf.generic import DictionaryObject

    child = kid.get_object()
    if not isinstance(child, DictionaryObject) or not child:
        return DictionaryObject(), None  # as pypdf does: a damaged tree may hold nulls
    if id(child) in ancestors:
        raise PdfReadError("the page tree refers to itself")
    kind = _value(child, "/Type")
    if kind == "/Pages" or (kind is None and "/Kids" in child):
        return child, "/Pages"
    if kind is None or kind == "/Page":
        return child, "/Page"
    return child, None


def _page_object(reader: pypdf.PdfReader, node: DictionaryObject, inherited: dict[str, Any]) -> pypdf.PageObject:
    import pypdf
    from pypdf.generic import NameObject

    page = pypdf.PageObject(reader)
    page.update(node)
    for key, value in inherited.items():
        if key not in page:
            page[NameObject(key)] = value
    return page


def _value(node: DictionaryObject, key: str) -> Any:
    """``node``'s value for ``key`` (an indirect reference followed), or ``None``."""
    value = node.get(key)
    return value.get_object() if value is not None else None


def _kids(node: DictionaryObject) -> list[PdfObject]:
    from pypdf.errors import PdfReadError
    from pypdf.generic import ArrayObject

    kids = _value(node, "/Kids")
    if kids is None:
        kids = ArrayObject()
    if not isinstance(kids, ArrayObject):
        raise PdfReadError("/Kids is not an array")
    return list(kids)


def _inherit(inherited: dict[str, Any], node: DictionaryObject) -> dict[str, Any]:
    return {**inherited, **{key: node[key] for key in _INHERITED if key in node}}


def _info(reader: pypdf.PdfReader, wanted: frozenset[int]) -> PdfInfo:
    from pypdf.errors import PdfReadError

    count = _value(_page_tree(reader), "/Count")
    if not isinstance(count, int) or count < 0:  # no usable count: count the pages themselves
        count = sum(1 for _ in _pages(reader))
    count = int(count)
    boxes: dict[int, PageBox] = {}
    walked: list[pypdf.PageObject] | None = None
    for number in sorted(n for n in wanted if 1 <= n <= count):
        page = _page(reader, number, count)
        if page is None:  # the counts in the tree are off: number the pages as they come
            walked = list(_pages(reader)) if walked is None else walked
            if number > len(walked):
                raise PdfReadError(f"page {number} is missing from the page tree")
            page = walked[number - 1]
        boxes[number] = page_box(number, page)
    return PdfInfo(page_count=count, boxes=boxes)


def read_pdf(source: Source, *, pages: Iterable[int] = (), path: str = "document") -> PdfInfo:
    """The page count and the boxes of ``pages`` (1-based; those past the end are left out), from one
    parse that reads no other page; refuses an encrypted, damaged or empty PDF with ``ValidationError``.

    ``source`` is a path, bytes, a binary file object or a ``Document``; ``path`` names the value
    in the error (e.g. ``"documents[0]"``).
    """
    wanted = frozenset(pages)
    info = _read(source, path, lambda reader: _info(reader, wanted))
    if info.page_count == 0:
        raise ValidationError("the PDF has no pages", path=path)
    return info


def pdf_pages(source: Source, *, path: str = "document") -> list[PageBox]:
    """Every page's visible box; refuses an encrypted, damaged or empty PDF with ``ValidationError``.

    ``source`` is a path, bytes, a binary file object or a ``Document``; ``path`` names the value
    in the error (e.g. ``"documents[0]"``).
    """
    boxes = _read(source, path, lambda reader: [page_box(n, page) for n, page in enumerate(_pages(reader), 1)])
    if not boxes:
        raise ValidationError("the PDF has no pages", path=path)
    return boxes


# --- one parse per document ----------------------------------------------------------------------------
# What was read of each live Document, by identity (a Document's hash would hash its content), with the
# file's identity when it was read. An entry goes when its Document does.
_known: dict[int, tuple[weakref.ref[Document], tuple[int, ...] | None, PdfInfo]] = {}


def _version(document: Document) -> tuple[int, ...] | None:
    # Bytes cannot change; a file is read again if it changed since (size, time or inode).
    if document.path is None:
        return None
    st = document.path.stat()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _forget(key: int) -> Callable[[object], None]:
    def forget(_: object) -> None:
        _known.pop(key, None)
    return forget


def pdf_info(document: Document, *, pages: Iterable[int] = (), path: str = "document") -> PdfInfo:
    """``read_pdf`` for a ``Document``, remembered while the document lives.

    Validation reads each document of an envelope with the pages its fields are placed on; a provider
    asking for the same (or fewer) pages of the same document gets that answer without a second parse.
    Asking for a page not read yet reads the document again (once, for all pages asked so far).
    """
    wanted = frozenset(pages)
    key = id(document)
    try:
        version = _version(document)
    except OSError as exc:
        raise ValidationError(f"the PDF is damaged or unreadable ({type(exc).__name__})", path=path) from None
    known = _known.get(key)
    if known is not None and known[0]() is document and known[1] == version:
        info = known[2]
        if all(n in info.boxes or not 1 <= n <= info.page_count for n in wanted):
            return info
        wanted |= info.boxes.keys()
    info = read_pdf(document, pages=wanted, path=path)
    _known[key] = (weakref.ref(document, _forget(key)), version, info)
    return info
