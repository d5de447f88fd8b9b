"""Reading PDFs just enough to validate them: page count, visible page sizes, encryption."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import attrs

from .errors import ValidationError
from .model import Document


@attrs.frozen(slots=True)
class PageBox:
    """A page as a reader sees it: visible size in points (crop box, after /Rotate) and the rotation."""

    width: float
    height: float
    rotation: int


@attrs.frozen(slots=True)
class PdfInfo:
    """What validation needs to know about a PDF."""

    pages: Sequence[PageBox]


def inspect(document: Document, *, path: str = "document") -> PdfInfo:
    """Open ``document`` with pypdf; refuse encrypted or damaged files with a ``ValidationError``."""
    import pypdf
    from pypdf.errors import PdfReadError

    # pypdf logs recoverable damage as warnings; a damaged file is refused below instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with document.open() as fh:
            reader = pypdf.PdfReader(fh, strict=True)
            if reader.is_encrypted:
                raise ValidationError("the PDF is encrypted (password-protected); decrypt it before sending",
                                      path=path)
            boxes = []
            for page in reader.pages:
                box = page.cropbox
                rotation = int(page.rotation or 0) % 360
                w, h = float(box.width), float(box.height)
                if rotation in (90, 270):
                    w, h = h, w
                boxes.append(PageBox(w, h, rotation))
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError) as exc:
        raise ValidationError(f"the PDF is damaged or unreadable ({type(exc).__name__})", path=path) from None
    if not boxes:
        raise ValidationError("the PDF has no pages", path=path)
    return PdfInfo(tuple(boxes))
