"""Document pages as images for the signing page, rendered on the server with PDFium (pypdfium2).

PDFium draws a page the way a reader shows it: its ``/Rotate`` applied, cut to the crop box. So an
image's corners are the visible page's, and a field at ``Placement`` (points from the bottom-left of
the visible page) sits at ``left = x / width``, ``top = (height - y - h) / height`` of the image,
with ``width``/``height`` from ``signport.pdf.page_box``, the boxes validation and stamping use.
Rendered pages are cached beside the envelope in the store (``envelopes/<id>/pages/``).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

from signport.pdf import PageBox, pdf_pages
from signport.transport import atomic_file

#: Pixels per point of a rendered page (108 dpi: sharp on a normal screen, small enough to load fast).
SCALE = 1.5
#: PDFium is not thread-safe: one render at a time per process.
_render_lock = threading.Lock()


def page_boxes(pdf: Path) -> list[PageBox]:
    """Every page's visible box (points, after ``/Rotate``, inside the crop box)."""
    return pdf_pages(pdf)


def rendered_page(pdf: Path, number: int, cache: Path) -> Path:
    """The PNG of page ``number`` (1-based) of ``pdf``, rendered once into ``cache``."""
    dest = cache / f"{pdf.stem}-{number}.png"
    if dest.is_file():
        return dest
    import pypdfium2

    with _render_lock:
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            if not 1 <= number <= len(document):
                raise IndexError(number)
            page = document[number - 1]
            try:
                image = page.render(scale=SCALE, may_draw_forms=False).to_pil()
            finally:
                page.close()
        finally:
            document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    cache.mkdir(parents=True, exist_ok=True)
    with atomic_file(dest, durable=True) as out:
        out.write(buffer.getvalue())
    return dest
