"""The local signing server: an inbox of the store's envelopes and a signing page per signer.

Everything goes through ``LocalProvider`` on the same store the library uses (one truth): the
pages read envelope records, signing calls ``LocalProvider.sign``/``decline`` (same rules, states
and events as simulated signing), and webhooks leave through the store's outbox.

Safe by default: the CLI binds 127.0.0.1; a signing link is ``/sign/<token>`` with an unguessable
token bound to one signer of one envelope, and everything under it (page images, downloads)
belongs to that envelope only; forms carry a CSRF token that must match a SameSite=Strict cookie
(double submit) and a cross-origin POST is refused; Jinja2 escapes all text; responses send a
Content-Security-Policy without inline scripts, ``Referrer-Policy: same-origin`` (the token never
leaks to another site) and ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from signport.errors import InvalidState, NotFound, ValidationError
from signport.model import Envelope
from signport.provider import run_pure
from signport.states import DocumentKind, FieldType, State

from .. import stamping
from ..states import AUDIT_TEXT, SIGNER_STATES, STATES
from ..store import (
    COMPLETED,
    DECLINED,
    DRAFT,
    EXPIRED,
    OPEN,
    S_DECLINED,
    S_NEXT,
    S_SIGNED,
    VOIDED,
    EnvelopeRecord,
    FieldRecord,
    SignerRecord,
)
from .pages import page_boxes, rendered_page

if TYPE_CHECKING:
    from ..provider import LocalProvider

HERE = Path(__file__).resolve().parent
CSRF_COOKIE = "signport_csrf"
#: Longest text accepted in one form field (a reason, a typed value).
MAX_TEXT = 500
#: Largest request body accepted (a drawn signature is well under this).
MAX_BODY = 4 * 1024 * 1024
#: Content-Security-Policy of every page: scripts, styles and fonts from this server only.
CSP = ("default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]"]
STATE_FILTERS = [s for s in State if s not in (State.UNKNOWN, State.READY)]


def _templates() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(["html"], default=True), trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = lambda v: stamping.timestamp(v) if isinstance(v, datetime) else ""
    env.filters["state"] = lambda v: STATES.get(v, State.UNKNOWN).value
    env.filters["signer_state"] = lambda v: SIGNER_STATES[v].value if v in SIGNER_STATES else "unknown"
    env.filters["event_text"] = lambda v: AUDIT_TEXT.get(v, v)
    return env


class SigningServer:
    """The routes of the local signing server over one ``LocalProvider``."""

    def __init__(self, provider: LocalProvider) -> None:
        self.provider = provider
        self.templates = _templates()

    # --- plumbing ------------------------------------------------------------------------------
    def render(self, request: Request, name: str, http_status: int = 200, **context: Any) -> HTMLResponse:
        token = request.cookies.get(CSRF_COOKIE) or ""
        fresh = not _valid_csrf_cookie(token)
        if fresh:
            token = secrets.token_urlsafe(32)
        def url_for(route: str, /, **params: Any) -> str:
            return str(request.url_for(route, **params).path)

        html = self.templates.get_template(name).render(request=request, csrf=token, url_for=url_for, **context)
        response = HTMLResponse(html, status_code=http_status)
        if fresh:
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    async def form(self, request: Request) -> FormData:
        """The POSTed form, after the CSRF and origin checks."""
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            raise HTTPException(413, "the form is too large")
        origin = request.headers.get("origin")
        if origin and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
            raise HTTPException(403, "cross-origin form refused")
        form = await request.form(max_files=0, max_fields=200, max_part_size=MAX_BODY)
        cookie = request.cookies.get(CSRF_COOKIE) or ""
        given = form.get("csrf")
        if not isinstance(given, str) or not _valid_csrf_cookie(cookie) or not hmac.compare_digest(
                given.encode(), cookie.encode()):
            raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page and try again")
        return form

    def error_page(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
        try:
            return self.render(request, "error.html", http_status=status, status_code=status, detail=detail)
        except Exception:
            return PlainTextResponse(f"{status}: {detail}", status_code=status)

    # --- inbox ---------------------------------------------------------------------------------
    def _envelopes(self, state: str | None) -> list[Envelope]:
        """Every envelope (newest first), or those in one state."""
        states = None
        if state:
            try:
                states = frozenset({State(state)})
            except ValueError:
                raise HTTPException(400, f"no state {state!r}") from None
        envelopes: list[Envelope] = []
        cursor = None
        while True:
            page = run_pure(self.provider.list_page(states, cursor))
            envelopes.extend(page.envelopes)
            if page.next is None:
                return envelopes[::-1]
            cursor = page.next

    def _version(self) -> str:
        """Changes whenever an envelope, an event or a webhook delivery does."""
        with self.provider.store.read() as conn:
            row = conn.execute("SELECT (SELECT COUNT(*) FROM envelopes), (SELECT MAX(seq) FROM events), "
                               "(SELECT COUNT(*) FROM deliveries), (SELECT SUM(attempts) FROM deliveries), "
                               "(SELECT COUNT(*) FROM deliveries WHERE status = 'pending')").fetchone()
        return ":".join(str(v) for v in row)

    async def inbox(self, request: Request) -> Response:
        state = request.query_params.get("state") or None
        records = await run_in_threadpool(self._envelopes, state)
        name = "inbox_rows.html" if request.query_params.get("fragment") else "inbox.html"
        return self.render(request, name, envelopes=records, state=state, states=STATE_FILTERS)

    async def version(self, request: Request) -> Response:
        return JSONResponse({"version": await run_in_threadpool(self._version)},
                            headers={"cache-control": "no-store"})

    def _record(self, envelope_id: str) -> EnvelopeRecord:
        try:
            return self.provider.record(envelope_id)
        except NotFound:
            raise HTTPException(404, "no such envelope") from None

    async def envelope(self, request: Request) -> Response:
        envelope_id = request.path_params["envelope_id"]

        def load() -> dict[str, Any]:
            record = self._record(envelope_id)
            links = {}
            if record.status != DRAFT:
                links = {s.id: self.provider.signing_token(record.id, s.id) for s in record.signers}
            return {"record": record, "events": self.provider.event_records(record.id),
                    "deliveries": self.provider.deliveries(record.id), "links": links,
                    "kinds": _kinds(record), "signers": {s.id: s for s in record.signers},
                    "documents": {d.id: d for d in record.documents}}

        return self.render(request, "envelope.html", **await run_in_threadpool(load))

    async def download(self, request: Request) -> Response:
        record = await run_in_threadpool(self._record, request.path_params["envelope_id"])
        return await self._download(record, request.path_params["kind"])

    async def redeliver(self, request: Request) -> Response:
        await self.form(request)
        delivery_id = request.path_params["delivery_id"]
        envelope_id = request.path_params["envelope_id"]
        found = await run_in_threadpool(self.provider.redeliver, delivery_id)
        if not found:
            raise HTTPException(404, "no such delivery")
        return RedirectResponse(request.url_for("envelope", envelope_id=envelope_id).path + "#webhooks",
                                status_code=303)

    async def _download(self, record: EnvelopeRecord, kind_name: str) -> Response:
        try:
            kind = DocumentKind(kind_name)
        except ValueError:
            raise HTTPException(404, "no such document kind") from None
        folder = Path(tempfile.mkdtemp(prefix="signport-serve-"))
        cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
        try:
            files = await run_in_threadpool(run_pure, self.provider.download(record.id, kind, folder))
        except (InvalidState, NotFound, ValidationError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise HTTPException(409, exc.message) from None
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if len(files) == 1:
            return FileResponse(files[0], media_type="application/pdf", filename=files[0].name,
                                background=cleanup)
        archive = folder / f"{kind.value}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f.name)
        return FileResponse(archive, media_type="application/zip", filename=f"{record.id}-{kind.value}.zip",
                            background=cleanup)

    # --- signing -------------------------------------------------------------------------------
    def _link(self, token: str) -> tuple[EnvelopeRecord, SignerRecord]:
        found = self.provider.link(token)
        if found is None:
            raise HTTPException(404, "this signing link is not valid")
        return found

    def _sign_context(self, token: str) -> dict[str, Any]:
        record, signer = self._link(token)
        context: dict[str, Any] = {"record": record, "signer": signer, "token": token,
                                   "status": _signing_status(record, signer)}
        if context["status"] == "sign":
            context["documents"] = self._documents(record, signer)
            context["own"] = [f for f in record.fields if f.signer_id == signer.id]
            context["needs_signature"] = any(f.type is FieldType.SIGNATURE for f in context["own"])
            context["needs_initials"] = any(f.type is FieldType.INITIALS for f in context["own"])
            context["today"] = datetime.now(UTC).strftime("%Y-%m-%d")
            context["initials"] = stamping.initials(signer.name)
        if context["status"] == "waiting":
            context["turn"] = [s for s in record.signers if s.status == S_NEXT]
        return context

    def _documents(self, record: EnvelopeRecord, signer: SignerRecord) -> list[dict[str, Any]]:
        out = []
        for index, document in enumerate(record.documents):
            boxes = page_boxes(self.provider.store.document_path(record.id, document.id))
            pages = []
            for box in boxes:
                fields = [_overlay(f, box.width, box.height) for f in record.fields
                          if f.document_id == document.id and f.signer_id == signer.id and f.page == box.number]
                pages.append({"number": box.number, "width": box.width, "height": box.height, "fields": fields})
            out.append({"index": index, "name": document.name, "pages": pages})
        return out

    async def sign_page(self, request: Request) -> Response:
        context = await run_in_threadpool(self._sign_context, request.path_params["token"])
        return self.render(request, "sign.html", **context)

    async def sign_submit(self, request: Request) -> Response:
        token = request.path_params["token"]
        form = await self.form(request)
        action = form.get("action")
        try:
            if action == "decline":
                reason = _text(form, "reason")
                if not reason:
                    raise ValidationError("please give a reason for declining", path="reason")
                await run_in_threadpool(self._decline, token, reason)
            elif action == "finish":
                await run_in_threadpool(self._finish, token, form)
            else:
                raise HTTPException(400, "unknown action")
        except (ValidationError, InvalidState) as exc:
            context = await run_in_threadpool(self._sign_context, token)
            return self.render(request, "sign.html", http_status=400 if isinstance(exc, ValidationError) else 409,
                               error=exc.message, **context)
        return RedirectResponse(request.url_for("sign", token=token).path, status_code=303)

    def _decline(self, token: str, reason: str) -> None:
        record, signer = self._link(token)
        self.provider.decline(record.id, signer.id, reason)

    def _finish(self, token: str, form: FormData) -> None:
        record, signer = self._link(token)
        own = [f for f in record.fields if f.signer_id == signer.id]
        values: dict[str, str | bool] = {}
        drawings: dict[str, bytes] = {}
        marks = {FieldType.SIGNATURE: _mark(form, "signature"), FieldType.INITIALS: _mark(form, "initials")}
        for field in own:
            if field.type in marks:
                typed, drawn = marks[field.type]
                if drawn is not None:
                    drawings[field.id] = drawn
                elif typed:
                    values[field.id] = typed
                else:
                    raise ValidationError(f"please type or draw your {field.type.value}", path=field.type.value)
            elif field.type is FieldType.CHECKBOX:
                checked = form.get(f"field-{field.id}") == "on"
                if field.required and not checked:
                    raise ValidationError("please tick every required checkbox", path=f"field-{field.id}")
                values[field.id] = checked
            else:
                value = _text(form, f"field-{field.id}")
                if field.required and not value:
                    raise ValidationError(f"please fill in the {field.type.value} field", path=f"field-{field.id}")
                if value:
                    values[field.id] = value
        self.provider.sign(record.id, signer.id, values, drawings=drawings)

    async def sign_page_image(self, request: Request) -> Response:
        token = request.path_params["token"]
        index, number = int(request.path_params["document"]), int(request.path_params["page"])

        def image() -> Path:
            record, _ = self._link(token)
            if not 0 <= index < len(record.documents):
                raise HTTPException(404, "no such document")
            document = record.documents[index]
            if not 1 <= number <= document.pages:
                raise HTTPException(404, "no such page")
            store = self.provider.store
            return rendered_page(store.document_path(record.id, document.id), number,
                                 store.envelope_dir(record.id) / "pages")

        path = await run_in_threadpool(image)
        return FileResponse(path, media_type="image/png", headers={"cache-control": "private, max-age=3600"})

    async def sign_download(self, request: Request) -> Response:
        record, _ = await run_in_threadpool(self._link, request.path_params["token"])
        kind = request.path_params["kind"]
        if kind not in (DocumentKind.ORIGINAL.value, DocumentKind.EXECUTED.value):
            raise HTTPException(404, "no such document kind")
        return await self._download(record, kind)

    async def font(self, request: Request) -> Response:
        return FileResponse(stamping.SCRIPT_FONT_FILE, media_type="font/ttf",
                            headers={"cache-control": "public, max-age=86400"})


def _valid_csrf_cookie(value: str) -> bool:
    return 32 <= len(value) <= 100 and all(c.isalnum() or c in "-_" for c in value)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(f"at most {MAX_TEXT} characters, please", path=name)
    return text


def _mark(form: FormData, name: str) -> tuple[str, bytes | None]:
    """A typed signature (text) or a drawn one (PNG bytes from the canvas' data URL)."""
    mode = form.get(f"{name}-mode")
    if mode == "draw":
        data = form.get(f"{name}-image")
        prefix = "data:image/png;base64,"
        if isinstance(data, str) and data.startswith(prefix):
            try:
                return "", base64.b64decode(data[len(prefix):], validate=True)
            except (binascii.Error, ValueError):
                raise ValidationError("the drawing could not be read", path=name) from None
        return "", None
    return _text(form, f"{name}-text"), None


def _overlay(field: FieldRecord, width: float, height: float) -> dict[str, Any]:
    """A field's box as fractions of its visible page (top-left origin, as CSS wants)."""
    return {"id": field.id, "type": field.type.value, "required": field.required,
            "x": field.x, "y": field.y, "w": field.width, "h": field.height,
            "left": field.x / width, "top": (height - field.y - field.height) / height,
            "width": field.width / width, "height": field.height / height}


def _signing_status(record: EnvelopeRecord, signer: SignerRecord) -> str:
    """What a signer's link shows: ``sign``, ``waiting`` (not their turn), or why signing is over."""
    if signer.status == S_SIGNED:
        return "signed"
    if signer.status == S_DECLINED:
        return "declined"
    if record.status == DECLINED:
        return "envelope_declined"
    if record.status in (VOIDED, EXPIRED, COMPLETED, DRAFT):
        return record.status
    if record.status in OPEN and signer.status == S_NEXT:
        return "sign"
    return "waiting"


def _kinds(record: EnvelopeRecord) -> list[tuple[str, bool]]:
    """Every download kind, and whether it can be had now."""
    done = record.status == COMPLETED
    return [(k.value, done or k in (DocumentKind.ORIGINAL, DocumentKind.AUDIT)) for k in DocumentKind]


async def _security_headers(request: Request, call_next: Any) -> Response:
    response: Response = await call_next(request)
    response.headers.setdefault("content-security-policy", CSP)
    response.headers["referrer-policy"] = "same-origin"
    response.headers["x-content-type-options"] = "nosniff"
    response.headers["x-frame-options"] = "DENY"
    if request.url.path.startswith("/sign/"):
        response.headers.setdefault("cache-control", "no-store")
    return response


def create_app(provider: LocalProvider, *, allowed_hosts: list[str] | None = None,
               deliver_webhooks: bool = True) -> Starlette:
    """The ASGI app of the signing server over ``provider`` (embed it in tests, or run it with uvicorn).

    ``allowed_hosts``: the ``Host`` names answered (default: loopback names only, against DNS
    rebinding; ``["*"]`` for any). ``deliver_webhooks``: post the store's pending webhooks while running.
    """
    from starlette.middleware.base import BaseHTTPMiddleware

    server = SigningServer(provider)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if deliver_webhooks:
            provider.start_webhooks()
        yield

    async def on_error(request: Request, exc: Exception) -> Response:
        return server.error_page(request, exc)

    routes = [
        Route("/", server.inbox, name="inbox"),
        Route("/api/version", server.version, name="version"),
        Route("/envelopes/{envelope_id:str}", server.envelope, name="envelope"),
        Route("/envelopes/{envelope_id:str}/download/{kind:str}", server.download, name="download"),
        Route("/envelopes/{envelope_id:str}/deliveries/{delivery_id:str}/redeliver", server.redeliver,
              methods=["POST"], name="redeliver"),
        Route("/sign/{token:str}", server.sign_page, name="sign"),
        Route("/sign/{token:str}", server.sign_submit, methods=["POST"], name="sign_submit"),
        Route("/sign/{token:str}/pages/{document:int}/{page:int}.png", server.sign_page_image, name="page_image"),
        Route("/sign/{token:str}/download/{kind:str}", server.sign_download, name="sign_download"),
        Route("/fonts/signature.ttf", server.font, name="font"),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOOPBACK_HOSTS),
        Middleware(BaseHTTPMiddleware, dispatch=_security_headers),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: on_error, Exception: on_error})
    app.state.server = server
    return app
