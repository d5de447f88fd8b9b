"""Reading PDFs as a reader sees them: visible page boxes after ``/Rotate`` inside the crop box.

Coordinates follow the neutral rule: PDF points, pages 1-based, origin at the
bottom-left of the page *as a reader sees it*. ``PageBox.matrix`` turns such a
position into the page's own user space. Validation uses ``pdf_pages`` to refuse
encrypted, damaged or empty PDFs and placements off the page; the local provider
uses the same boxes to stamp.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, cast

import attrs

from .errors import ValidationError
from .model import BytesReader, Document

if TYPE_CHECKING:  # pypdf is imported when a PDF is first read, not with ``import signport``
    import pypdf

#: How much a placement may stick out of the page (rounding in callers' arithmetic).
TOLERANCE = 0.5

Source = str | os.PathLike[str] | bytes | BinaryIO | Document
Matrix = tuple[float, float, float, float, float, float]


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


@contextlib.contextmanager
def _open(source: Source) -> Iterator[IO[bytes]]:
    if isinstance(source, Document):
        with source.open() as fh:
            yield fh
    elif isinstance(source, bytes):
        with contextlib.closing(BytesReader(source)) as reader:
            yield cast(IO[bytes], reader)
    elif isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as fh:
            yield fh
    else:
        yield source


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
        raise ValidationError("the PDF is encrypted (password-protected); remove the password first",
                              path=path)
    return reader


def pdf_pages(source: Source, *, path: str = "document") -> list[PageBox]:
    """Every page's visible box; refuses an encrypted, damaged or empty PDF with ``ValidationError``.

    ``source`` is a path, bytes, a binary file object or a ``Document``; ``path`` names the value
    in the error (e.g. ``"documents[0]"``).
    """
    try:
        with _open(source) as fh:
            reader = open_reader(fh, path)
            boxes = [page_box(i, page) for i, page in enumerate(reader.pages, start=1)]
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on damaged files
        raise ValidationError(f"the PDF is damaged or unreadable ({type(exc).__name__})",
                              path=path) from None
    if not boxes:
        raise ValidationError("the PDF has no pages", path=path)
    return boxes
