"""End to end in a real browser: people sign, decline and wait their turn on the local signing server."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf

from signport import (
    Document,
    DocumentKind,
    Envelope,
    Field,
    FieldType,
    Placement,
    Signer,
    SignerState,
    SigningOrder,
    State,
)
from signport.pdf import pdf_pages

from ..samples import SHARED_PDFS, make_pdf
from .conftest import Served

ADA = Signer(first_name="Ada", last_name="Lovelace", email="ada@example.com", key="ada")
ALAN = Signer(first_name="Alan", last_name="Turing", email="alan@example.com", key="alan")


def two_signers(subject: str = "Services agreement", **kw: Any) -> Envelope:
    fields = [
        Field(type=FieldType.SIGNATURE, signer="ada", placement=Placement(page=1, x=72, y=500, width=220, height=50)),
        Field(type=FieldType.INITIALS, signer="ada", placement=Placement(page=1, x=320, y=500, width=70, height=40)),
        Field(type=FieldType.DATE, signer="ada", placement=Placement(page=1, x=420, y=500, width=120, height=24)),
        Field(type=FieldType.TEXT, signer="ada", placement=Placement(page=1, x=72, y=440, width=220, height=24)),
        Field(type=FieldType.CHECKBOX, signer="ada", placement=Placement(page=1, x=320, y=440, width=20, height=20)),
        Field(type=FieldType.NAME, signer="ada", placement=Placement(page=1, x=420, y=440, width=150, height=24)),
        Field(type=FieldType.SIGNATURE, signer="alan", placement=Placement(page=2, x=72, y=300, width=240, height=80)),
    ]
    return Envelope(subject=subject, documents=[Document(name="agreement.pdf", content=make_pdf(2))],
                    signers=[ADA, ALAN], fields=fields, order=SigningOrder.SEQUENTIAL, **kw)


def draw(page: Any, selector: str) -> None:
    """Draw a zigzag across a canvas with the mouse."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    x0, y0 = box["x"] + 20, box["y"] + box["height"] * 0.6
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 16):
        page.mouse.move(x0 + i * box["width"] / 20, y0 + (-1) ** i * box["height"] * 0.25, steps=3)
    page.mouse.up()


def touch_draw(page: Any, selector: str) -> None:
    """Draw a stroke across a canvas with a finger (real touch events, through the DevTools protocol)."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
    x0, y0 = box["x"] + 15, box["y"] + box["height"] / 2
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    for i in range(1, 12):
        point = {"x": x0 + i * box["width"] / 14, "y": y0 + (-1) ** i * box["height"] / 4}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_two_sequential_signers_one_types_one_draws(served: Served, page: Any, screenshots: Path,
                                                    tmp_path: Path) -> None:
    env = served.client.send(two_signers())
    assert env.id is not None
    ada, alan = env.signers

    page.goto(served.link(env.id, ada.id))
    page.locator("#signature-text").fill("Ada K. Lovelace")
    page.locator("#initials-text").fill("AKL")
    text_field = page.locator(".field.text input")
    text_field.fill("Net 30 days")
    assert page.locator("[data-preview='signature']").first.inner_text() == "Ada K. Lovelace"
    page.screenshot(path=str(screenshots / "signing-page.png"), full_page=False)
    page.locator("#finish").click()
    page.locator("#status[data-status='signed']").wait_for()
    assert served.client.get(env.id).signers[0].state is SignerState.SIGNED

    page.goto(served.link(env.id, alan.id))
    page.locator("input[name='signature-mode'][value='draw']").check()
    draw(page, "#signature-canvas")
    assert page.locator("[data-preview='signature'] img").count() == 1
    page.locator("#finish").click()
    page.locator("#status[data-status='signed']").wait_for()
    assert "Download the signed documents" in page.locator("#status").inner_text()

    done = served.client.wait(env.id, timeout=10, poll=0.1)
    assert done.state is State.COMPLETED
    [executed] = served.client.download(env.id, to=tmp_path / "out", kind=DocumentKind.EXECUTED)
    reader = pypdf.PdfReader(executed)
    first = reader.pages[0].extract_text()
    assert "Ada K. Lovelace" in first
    assert "AKL" in first
    assert "Net 30 days" in first
    assert datetime.now(UTC).strftime("%Y-%m-%d") in first
    second = reader.pages[1]
    assert "Alan Turing" not in second.extract_text()  # drawn, not typed
    images = second.images
    assert len(images) == 1
    drawn = images[0].image
    assert drawn is not None
    assert drawn.width >= 300  # the canvas' PNG, embedded as an image
    # The image sits inside Alan's field (the page is unrotated: visible = user space).
    where = _image_box(second)
    assert where is not None
    x, y, w, h = where
    assert x >= 72 - 0.5
    assert x + w <= 72 + 240 + 0.5
    assert y >= 300 - 0.5
    assert y + h <= 300 + 80 + 0.5


def _image_box(page: pypdf.PageObject) -> tuple[float, float, float, float] | None:
    """Where the page's one image is drawn (from the ``cm`` before its ``Do``)."""
    found: list[tuple[float, float, float, float]] = []

    def visit(op: bytes, args: Any, cm: Any, tm: Any) -> None:
        if op == b"Do":
            a, _, _, d, e, f = cm
            found.append((e, f, a, d))

    page.extract_text(visitor_operand_before=visit)
    return found[0] if found else None


def test_decline_with_a_reason(served: Served, page: Any) -> None:
    env = served.client.send(two_signers())
    assert env.id is not None
    page.goto(served.link(env.id, env.signers[0].id))
    page.locator("#show-decline").click()
    page.locator("#reason").fill("The fee in clause 2 is wrong")
    page.locator("#decline").click()
    page.locator("#status[data-status='declined']").wait_for()
    assert "The fee in clause 2 is wrong" in page.locator("#status").inner_text()
    after = served.client.get(env.id)
    assert after.state is State.DECLINED
    assert after.signers[0].decline_reason == "The fee in clause 2 is wrong"
    kinds = [e.kind.value for e in served.server.events(env.id)]
    assert kinds[-2:] == ["signer_declined", "envelope_declined"]
    # The other signer's link now says so.
    page.goto(served.link(env.id, env.signers[1].id))
    assert page.locator("#status").get_attribute("data-status") == "envelope_declined"


def test_second_signer_before_their_turn(served: Served, page: Any) -> None:
    env = served.client.send(two_signers())
    assert env.id is not None
    page.goto(served.link(env.id, env.signers[1].id))
    status = page.locator("#status")
    assert status.get_attribute("data-status") == "waiting"
    assert "Ada Lovelace" in status.inner_text()
    assert page.locator("#sign-form").count() == 0
    assert served.client.get(env.id).signers[1].state is SignerState.PENDING


def test_expired_envelope(served: Served, page: Any) -> None:
    sign_by = datetime.now(UTC) + timedelta(days=2)
    env = served.client.send(two_signers(sign_by=sign_by))
    assert env.id is not None
    link = served.link(env.id, env.signers[0].id)
    page.goto(link)
    assert page.locator("#sign-form").count() == 1
    served.server.now = lambda: datetime.now(UTC) + timedelta(days=3)
    page.goto(link)
    assert page.locator("#status").get_attribute("data-status") == "expired"
    assert served.client.get(env.id).state is State.EXPIRED


def test_a_subject_with_a_script_renders_as_text(served: Served, page: Any, screenshots: Path) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    subject = "<script>alert(1)</script>"
    env = served.client.send(two_signers(subject=subject, message="<img src=x onerror=alert(2)>"))
    assert env.id is not None
    served.client.send(two_signers(subject="Office lease 2027"))
    page.goto(served.url + "/")
    row = page.locator(f"tr[data-envelope-id='{env.id}'] td.subject")
    assert row.inner_text() == subject
    page.goto(served.link(env.id, env.signers[0].id))
    assert page.locator("h1.subject").inner_text() == subject
    assert page.locator("blockquote.message").inner_text() == "<img src=x onerror=alert(2)>"
    page.goto(served.url + f"/envelopes/{env.id}")
    assert page.locator("h1.subject").inner_text().startswith(subject)
    assert dialogs == []


def test_the_inbox_shows_every_state_and_filters(served: Served, page: Any, screenshots: Path) -> None:
    client = served.client
    local = client.provider
    done = client.send(two_signers(subject="Consulting agreement: ACME"))
    for s in done.signers:
        local.sign(done.id, s.id)  # type: ignore[attr-defined]
    half = client.send(two_signers(subject="Office lease 2027"))
    local.sign(half.id, half.signers[0].id)  # type: ignore[attr-defined]
    no = client.send(two_signers(subject="Supplier NDA"))
    local.decline(no.id, no.signers[0].id, "Wrong company name")  # type: ignore[attr-defined]
    client.create_draft(two_signers(subject="Employment contract (draft)"))
    client.send(two_signers(subject="Mutual NDA: Globex"))
    page.goto(served.url + "/")
    states = page.locator("tr.envelope").evaluate_all("rows => rows.map(r => r.dataset.state)")
    assert states == ["sent", "draft", "declined", "in_progress", "completed"]  # newest first
    page.screenshot(path=str(screenshots / "inbox.png"))
    page.locator(".filters a[data-state='declined']").click()
    page.wait_for_url("**/?state=declined")
    assert page.locator("tr.envelope td.subject").all_inner_texts() == ["Supplier NDA"]
    page.goto(f"{served.url}/envelopes/{done.id}")
    kinds = page.locator(".downloads a.button").evaluate_all("links => links.map(a => a.dataset.kind)")
    assert kinds == [k.value for k in DocumentKind]
    response = page.request.get(f"{served.url}/envelopes/{done.id}/download/executed")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert pypdf.PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
    events = page.locator("table.events tr[data-event]").evaluate_all("rows => rows.map(r => r.dataset.event)")
    assert events[-1] == "envelope_completed"


def test_the_inbox_updates_without_reloading(served: Served, page: Any) -> None:
    page.goto(served.url + "/")
    assert page.locator("tr.envelope").count() == 0
    env = served.client.send(two_signers(subject="Arrives live"))
    page.locator(f"tr[data-envelope-id='{env.id}']").wait_for()
    served.client.provider.sign(env.id, env.signers[0].id)  # type: ignore[attr-defined]
    page.locator(f"tr[data-envelope-id='{env.id}'][data-state='in_progress']").wait_for()
    # A send from another process (the CLI) shows up too.
    pdf = served.path.parent / "lease.pdf"
    pdf.write_bytes(make_pdf(1))
    import os
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "signport.cli", "send", str(pdf), "--signer", "Ann Lee <ann@example.com>",  # noqa: S603
                    "--subject", "Sent from a terminal"], check=True, capture_output=True, timeout=60,
                   env={**os.environ, "SIGNPORT_PROVIDER": "local", "SIGNPORT_LOCAL_PATH": str(served.path)})
    page.locator("tr.envelope td.subject", has_text="Sent from a terminal").wait_for()
    page.goto(served.url + "/?state=completed")
    assert page.locator("tr.envelope").count() == 0
    page.goto(served.url + "/?state=in_progress")
    assert page.locator("tr.envelope").count() == 1
    page.goto(served.url + "/?state=sent")
    assert page.locator("tr.envelope td.subject").all_inner_texts() == ["Sent from a terminal"]


def test_rotated_pages_show_each_field_where_a_reader_expects_it(served: Served, page: Any) -> None:
    pdf = SHARED_PDFS / "habibi-rotated.pdf"
    boxes = pdf_pages(pdf)
    assert [b.rotation for b in boxes] == [90, 180, 270, 0]
    placements = [Placement(page=b.number, x=40 + 30 * b.number, y=60 + 20 * b.number, width=150, height=40)
                  for b in boxes]
    env = served.client.send(Envelope(
        subject="Rotated", documents=[Document.from_path(pdf)], signers=[ADA],
        fields=[Field(type=FieldType.SIGNATURE, signer="ada", placement=p) for p in placements]))
    assert env.id is not None
    page.goto(served.link(env.id, env.signers[0].id))
    page.locator("input[name='signature-mode'][value='draw']").check()
    touch_draw(page, "#signature-canvas")  # a finger this time
    assert page.locator("[data-preview='signature'] img").count() == len(boxes)
    for box, placement in zip(boxes, placements, strict=True):
        sheet = page.locator(f".page[data-page='{box.number}']")
        image = sheet.locator("img.page-image")
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        natural = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        # The rendered page is the page as a reader sees it: quarter turns swap width and height.
        assert abs(natural[0] / natural[1] - box.width / box.height) < 0.01
        img = image.bounding_box()
        field = sheet.locator(".field").bounding_box()
        assert img is not None
        assert field is not None
        scale = box.width / img["width"]
        x = (field["x"] - img["x"]) * scale
        y = box.height - (field["y"] + field["height"] - img["y"]) * scale
        assert abs(x - placement.x) < 1.5
        assert abs(y - placement.y) < 1.5
        assert abs(field["width"] * scale - placement.width) < 1.5
        assert abs(field["height"] * scale - placement.height) < 1.5
    # And the page image is upright: the rendered pixels of the executed stamp land in that box.
    page.locator("#finish").click()
    page.locator("#status[data-status='signed']").wait_for()
    _stamps_land_in_boxes(served, env.id, boxes, placements)


def _stamps_land_in_boxes(served: Served, envelope_id: str, boxes: Any, placements: list[Placement]) -> None:
    """Render the executed PDF with PDFium (as the signing page does) and find the ink of each signature."""
    import pypdfium2

    out = served.path.parent / "rotated-out"
    [executed] = served.client.download(envelope_id, to=out, kind=DocumentKind.EXECUTED)
    assert all(p.images for p in pypdf.PdfReader(executed).pages)  # the drawing is an image on every page
    original = pypdfium2.PdfDocument(str(SHARED_PDFS / "habibi-rotated.pdf"))
    signed = pypdfium2.PdfDocument(str(executed))
    try:
        for i, (box, placement) in enumerate(zip(boxes, placements, strict=True)):
            before = original[i].render(scale=1).to_pil().convert("L")
            after = signed[i].render(scale=1).to_pil().convert("L")
            from PIL import ImageChops

            diff = ImageChops.difference(before, after).point(lambda v: 255 if v > 40 else 0)
            bbox = diff.getbbox()
            assert bbox is not None
            left, top, right, bottom = bbox
            sx, sy = box.width / after.width, box.height / after.height
            # Everything the stamp changed lies inside the field's box (points, bottom-left origin).
            assert left * sx >= placement.x - 2
            assert right * sx <= placement.x + placement.width + 2
            assert box.height - bottom * sy >= placement.y - 2
            assert box.height - top * sy <= placement.y + placement.height + 2
    finally:
        original.close()
        signed.close()


def test_a_link_serves_only_its_own_envelope(served: Served, page: Any) -> None:
    first = served.client.send(two_signers(subject="First"))
    second = served.client.send(two_signers(subject="Second"))
    assert first.id is not None
    assert second.id is not None
    link = served.link(first.id, first.signers[0].id)
    token = link.rsplit("/", 1)[1]
    import httpx

    with httpx.Client(base_url=served.url) as http:
        assert http.get(f"/sign/{token}/pages/0/1.png").status_code == 200
        assert http.get(f"/sign/{token}/pages/1/1.png").status_code == 404  # no second document here
        assert http.get(f"/sign/{token}/pages/0/9.png").status_code == 404
        assert http.get(f"/sign/{token[:-2]}xx/pages/0/1.png").status_code == 404
        assert http.get(f"/sign/{token}/download/executed").status_code == 409  # not completed yet
        original = http.get(f"/sign/{token}/download/original")
        assert original.status_code == 200
        assert b"First" in original.content or pypdf.PdfReader(io.BytesIO(original.content)).pages
        assert http.get("/static/../app.py").status_code == 404
        assert http.get("/static/%2e%2e/app.py").status_code == 404
        # A form without the CSRF cookie is refused; so is one from another origin.
        assert http.post(f"/sign/{token}", data={"action": "finish", "csrf": "x" * 43}).status_code == 403
        page_html = http.get(f"/sign/{token}")
        csrf = page_html.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        refused = http.post(f"/sign/{token}", data={"action": "decline", "reason": "x", "csrf": csrf},
                            headers={"origin": "http://evil.example"})
        assert refused.status_code == 403
        assert http.get("/", headers={"host": "evil.example"}).status_code == 400
        headers = page_html.headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "same-origin"
    assert served.client.get(first.id).state is State.SENT
