"""The tab-placement conversion (docs/vendors/docusign.md §7), proven on a real PDF with rotated pages.

DocuSign places a tab's upper-left corner ``xPosition`` points right of and ``yPosition`` points below the
top-left corner of the page as displayed. The check maps that point into the PDF's own user space with a
formula written here from the rotation alone, and compares it with where signport's placement puts the
field's upper-left corner (``PageBox.to_user``): both must be the same spot on the paper.
"""

from __future__ import annotations

import pypdf
import pytest

from signport import Envelope, Field, FieldType, Placement, Signer
from signport.pdf import PageBox, pdf_pages
from signport_docusign import payloads

from ...samples import SHARED_PDFS

ROTATED = SHARED_PDFS / "habibi-rotated.pdf"


def displayed_top_left_to_user(box: PageBox, x: float, y: float) -> tuple[float, float]:
    """A point ``x`` right and ``y`` down from the displayed page's top-left corner, in user space."""
    w, h = (box.height, box.width) if box.rotation in (90, 270) else (box.width, box.height)
    left, bottom, right, top = box.left, box.bottom, box.left + w, box.bottom + h
    if box.rotation == 90:    # displayed top-left is the user bottom-left; right is up, down is right
        return left + y, bottom + x
    if box.rotation == 180:   # displayed top-left is the user bottom-right
        return right - x, bottom + y
    if box.rotation == 270:   # displayed top-left is the user top-right; right is down, down is left
        return right - y, top - x
    return left + x, top - y


def test_the_pdf_has_every_rotation() -> None:
    reader = pypdf.PdfReader(ROTATED)
    assert {int(p.rotation or 0) % 360 for p in reader.pages} == {0, 90, 180, 270}
    assert {b.rotation for b in pdf_pages(ROTATED)} == {0, 90, 180, 270}


@pytest.mark.parametrize("corner", ["bottom-left", "top-right", "middle"])
def test_converted_tab_lands_where_the_placement_says(corner: str) -> None:
    for box in pdf_pages(ROTATED):
        width, height = 120.0, 30.0
        x, y = {"bottom-left": (0.0, 0.0), "top-right": (box.width - width, box.height - height),
                "middle": (box.width / 3, box.height / 2)}[corner]
        placement = Placement(page=box.number, x=x, y=y, width=width, height=height)
        tab = payloads.tab_position(placement, box)
        assert tab["pageNumber"] == str(box.number)
        assert int(tab["xPosition"]) >= 0
        assert int(tab["yPosition"]) >= 0
        where = displayed_top_left_to_user(box, int(tab["xPosition"]), int(tab["yPosition"]))
        expected = box.to_user(placement.x, placement.y + placement.height)  # the field's upper-left corner
        assert where == pytest.approx(expected, abs=0.5 + 1e-9), (box.rotation, corner)
        # And the way back gives the placement again (to the whole point DocuSign keeps).
        back = payloads.placement_from_tab({**tab, "width": "120", "height": "30"}, box)
        assert back is not None
        assert (back.x, back.y) == pytest.approx((placement.x, placement.y), abs=0.5 + 1e-9)


def test_create_body_carries_the_converted_tabs() -> None:
    content = ROTATED.read_bytes()
    boxes = pdf_pages(content)
    from signport import Document

    rotated = next(b for b in boxes if b.rotation == 90)
    envelope = Envelope(
        subject="Rotated", documents=[Document(name="habibi.pdf", content=content)],
        signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann")],
        fields=[Field(type=FieldType.SIGNATURE, signer="ann", placement=Placement(rotated.number, 10, 20, 100, 40)),
                Field(type=FieldType.TEXT, signer="ann", required=False,
                      placement=Placement(rotated.number, 10, 100, 80, 20))])
    pages = {0: {b.number: b for b in boxes}}
    body = payloads.create_body(envelope, pages, send=True, embedded=[False], transaction_id="t1", extras={})
    tabs = body["recipients"]["signers"][0]["tabs"]
    sign = tabs["signHereTabs"][0]
    assert sign == {"documentId": "1", "pageNumber": str(rotated.number), "xPosition": "10",
                    "yPosition": str(round(rotated.height - 60)), "optional": "false"}
    text = tabs["textTabs"][0]
    assert (text["width"], text["height"], text["required"]) == ("80", "20", "false")
    assert body["status"] == "sent"
    assert body["transactionId"] == "t1"
    assert body["documents"][0]["fileExtension"] == "pdf"
