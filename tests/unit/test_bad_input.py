"""Bad input never crashes: every public entry point refuses a wrong value with a ``ValidationError``
naming its path, before any request is sent or anything is stored, on every provider.

Each case builds its arguments and makes the call inside the case, so a model object that refuses a
value at construction counts the same as a client method that refuses it. The vendor clients run on
a transport that counts requests (and fails any that arrive); the local store is compared before and
after.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

import signport
from signport import Document, Envelope, Field, Placement, Signer
from signport.client import Client
from signport.states import DocumentKind

from ..samples import envelope

PROVIDERS = ("local", "iinked", "easyink", "docusign")
BAD_IDS: dict[str, Any] = {
    "none": None, "int": 123, "bytes": b"e1", "empty": "", "blank": "   ", "slash": "a/b", "backslash": "a\\b",
    "question": "a?b=1", "percent": "a%2Fb", "hash": "a#b", "dotdot": "..", "newline": "a\nb", "nul": "a\x00b",
    "tab": "a\tb", "del": "a\x7fb", "too-long": "x" * 257, "list": ["e1"], "envelope-without-id": "ENVELOPE",
}


@attrs.frozen
class Case:
    name: str
    call: Callable[[Client, Path], object]
    needs: str | None = None  # a capability the call needs; a provider without it has no such case


def _env(client: Client, **changes: Any) -> Envelope:
    return attrs.evolve(envelope(client.capabilities), **changes)


def _signer(**changes: Any) -> Signer:
    return attrs.evolve(Signer(first_name="Ann", last_name="Lee", email="ann@example.com"), **changes)


def _doc(client: Client) -> Document:
    return envelope(client.capabilities).documents[0]


def _placement(**changes: Any) -> Placement:
    return attrs.evolve(Placement(page=1, x=10, y=10, width=100, height=30), **changes)


def _with_field(client: Client, **changes: Any) -> Envelope:
    field = attrs.evolve(Field(type="signature", signer=0, placement=_placement()), **changes)
    return _env(client, fields=[field])


def _kind(client: Client) -> DocumentKind:
    """A download kind the provider supports."""
    return sorted(client.capabilities.download_kinds, key=lambda k: k.value)[0]


def _list(client: Client, states: Any) -> object:
    return next(iter(client.list(states)), None)


def _id(value: Any) -> Any:
    return Envelope(subject="no id") if value == "ENVELOPE" else value


CASES: list[Case] = [
    # --- send / create_draft: the envelope itself
    Case("send-none", lambda c, t: c.send(None)),  # type: ignore[arg-type]
    Case("send-dict", lambda c, t: c.send({})),  # type: ignore[arg-type]
    Case("send-str", lambda c, t: c.send("NDA")),  # type: ignore[arg-type]
    Case("send-list", lambda c, t: c.send([_env(c)])),  # type: ignore[arg-type]
    Case("draft-none", lambda c, t: c.create_draft(None), "drafts"),  # type: ignore[arg-type]
    Case("subject-none", lambda c, t: c.send(_env(c, subject=None))),
    Case("subject-empty", lambda c, t: c.send(_env(c, subject=" "))),
    Case("subject-int", lambda c, t: c.send(_env(c, subject=123))),
    Case("subject-too-long", lambda c, t: c.send(_env(c, subject="x" * 501))),
    Case("message-int", lambda c, t: c.send(_env(c, message=5)), "message"),
    Case("documents-none", lambda c, t: c.send(_env(c, documents=None))),
    Case("documents-empty", lambda c, t: c.send(_env(c, documents=[]))),
    Case("documents-single", lambda c, t: c.send(_env(c, documents=_doc(c)))),
    Case("documents-str", lambda c, t: c.send(_env(c, documents="nda.pdf"))),
    Case("documents-dict", lambda c, t: c.send(_env(c, documents={"name": "nda.pdf"}))),
    Case("documents-item-none", lambda c, t: c.send(_env(c, documents=[None]))),
    Case("documents-item-path", lambda c, t: c.send(_env(c, documents=[Path("nda.pdf")]))),
    Case("documents-int", lambda c, t: c.send(_env(c, documents=5))),
    Case("signers-none", lambda c, t: c.send(_env(c, signers=None))),
    Case("signers-empty", lambda c, t: c.send(_env(c, signers=[]))),
    Case("signers-single", lambda c, t: c.send(_env(c, signers=_signer()))),
    Case("signers-item-str", lambda c, t: c.send(_env(c, signers=["ann@example.com"]))),
    Case("signers-item-dict", lambda c, t: c.send(_env(c, signers=[{"first_name": "Ann"}]))),
    Case("fields-none", lambda c, t: c.send(_env(c, fields=None))),
    Case("fields-item-none", lambda c, t: c.send(_env(c, fields=[None]))),
    Case("order-random", lambda c, t: c.send(_env(c, order="random"))),
    Case("order-none", lambda c, t: c.send(_env(c, order=None))),
    Case("order-int", lambda c, t: c.send(_env(c, order=1))),
    Case("sign-by-str", lambda c, t: c.send(_env(c, sign_by="tomorrow")), "sign_by"),
    Case("sign-by-naive", lambda c, t: c.send(_env(c, sign_by=datetime.now() + timedelta(days=3))), "sign_by"),
    Case("sign-by-past", lambda c, t: c.send(_env(c, sign_by=datetime.now(UTC) - timedelta(days=1))), "sign_by"),
    # --- signers
    Case("signer-first-none", lambda c, t: c.send(_env(c, signers=[_signer(first_name=None)]))),
    Case("signer-last-int", lambda c, t: c.send(_env(c, signers=[_signer(last_name=7)]))),
    Case("signer-email-int", lambda c, t: c.send(_env(c, signers=[_signer(email=42)]))),
    Case("signer-email-bad", lambda c, t: c.send(_env(c, signers=[_signer(email="not-an-email")]))),
    Case("signer-email-none", lambda c, t: c.send(_env(c, signers=[_signer(email=None)]))),
    Case("signer-phone-bad", lambda c, t: c.send(_env(c, signers=[_signer(phone="call me")]))),
    Case("signer-delivery-fax", lambda c, t: c.send(_env(c, signers=[_signer(delivery="fax")]))),
    Case("signer-delivery-none", lambda c, t: c.send(_env(c, signers=[_signer(delivery=None)]))),
    Case("signer-delivery-empty", lambda c, t: c.send(_env(c, signers=[_signer(delivery=[])]))),
    Case("signer-delivery-int", lambda c, t: c.send(_env(c, signers=[_signer(delivery=3)]))),
    Case("signer-language", lambda c, t: c.send(_env(c, signers=[_signer(language=5)]))),
    Case("signer-duplicate-key", lambda c, t: c.send(_env(c, signers=[_signer(key="a"), _signer(key="a")]))),
    # --- documents
    Case("document-content-str", lambda c, t: c.send(_env(c, documents=[Document(name="a.pdf", content="text")]))),
    Case("document-content-int", lambda c, t: c.send(_env(c, documents=[Document(name="a.pdf", content=1)]))),
    Case("document-content-list", lambda c, t: c.send(_env(c, documents=[Document(name="a.pdf", content=[1])]))),
    Case("document-not-pdf", lambda c, t: c.send(_env(c, documents=[Document(name="a.pdf", content=b"hello")]))),
    Case("document-empty", lambda c, t: c.send(_env(c, documents=[Document(name="a.pdf", content=b"")]))),
    Case("document-no-content", lambda c, t: c.send(_env(c, documents=[Document(name="a.pdf")]))),
    Case("document-damaged", lambda c, t: c.send(_env(c, documents=[Document(name="a.pdf",
                                                                              content=b"%PDF-1.4\ngarbage")]))),
    Case("document-name-none", lambda c, t: c.send(_env(c, documents=[attrs.evolve(_doc(c), name=None)]))),
    Case("document-name-int", lambda c, t: c.send(_env(c, documents=[attrs.evolve(_doc(c), name=3)]))),
    Case("document-path-int", lambda c, t: c.send(_env(c, documents=[Document(name="a.pdf", path=123)]))),
    Case("document-path-missing", lambda c, t: c.send(_env(c, documents=[Document(name="a", path=t / "no.pdf")]))),
    Case("from-path-none", lambda c, t: Document.from_path(None)),  # type: ignore[arg-type]
    Case("from-path-int", lambda c, t: Document.from_path(123)),  # type: ignore[arg-type]
    Case("from-path-missing", lambda c, t: Document.from_path(t / "missing.pdf")),
    Case("from-path-folder", lambda c, t: Document.from_path(t)),
    Case("from-path-empty-str", lambda c, t: Document.from_path("")),
    # --- fields
    Case("field-type-bogus", lambda c, t: c.send(_with_field(c, type="bogus"))),
    Case("field-type-none", lambda c, t: c.send(_with_field(c, type=None))),
    Case("field-signer-none", lambda c, t: c.send(_with_field(c, signer=None))),
    Case("field-signer-out-of-range", lambda c, t: c.send(_with_field(c, signer=9))),
    Case("field-document-unknown-key", lambda c, t: c.send(_with_field(c, document="nope"))),
    Case("field-placement-none", lambda c, t: c.send(_with_field(c, placement=None))),
    Case("field-page-str", lambda c, t: c.send(_with_field(c, placement=_placement(page="1")))),
    Case("field-page-zero", lambda c, t: c.send(_with_field(c, placement=_placement(page=0)))),
    Case("field-x-nan", lambda c, t: c.send(_with_field(c, placement=_placement(x=float("nan"))))),
    Case("field-width-negative", lambda c, t: c.send(_with_field(c, placement=_placement(width=-1)))),
    Case("field-off-page", lambda c, t: c.send(_with_field(c, placement=_placement(x=5000)))),
    # --- extras: refused before the first upload
    Case("extras-object", lambda c, t: c.send(_env(c), extras={"a": object()})),
    Case("extras-str", lambda c, t: c.send(_env(c), extras="x=1")),  # type: ignore[arg-type]
    Case("extras-list", lambda c, t: c.send(_env(c), extras=[("a", 1)])),  # type: ignore[arg-type]
    Case("extras-int-key", lambda c, t: c.send(_env(c), extras={1: "a"})),  # type: ignore[dict-item]
    Case("extras-nan", lambda c, t: c.send(_env(c), extras={"a": float("nan")})),
    Case("extras-bytes", lambda c, t: c.send(_env(c), extras={"a": b"x"})),
    Case("extras-set", lambda c, t: c.send(_env(c), extras={"a": {1, 2}})),
    # --- update_draft
    Case("update-add-signers-single", lambda c, t: c.update_draft("e1", add_signers=_signer()), "update_draft"),
    Case("update-add-signers-none", lambda c, t: c.update_draft("e1", add_signers=None), "update_draft"),
    Case("update-add-signers-str", lambda c, t: c.update_draft("e1", add_signers=["x"]), "update_draft"),
    Case("update-remove-signers-none", lambda c, t: c.update_draft("e1", remove_signers=None), "update_draft"),
    Case("update-remove-signers-int", lambda c, t: c.update_draft("e1", remove_signers=[5]), "update_draft"),
    Case("update-add-documents-none", lambda c, t: c.update_draft("e1", add_documents=None), "update_draft"),
    Case("update-add-documents-single", lambda c, t: c.update_draft("e1", add_documents=_doc(c)), "update_draft"),
    Case("update-remove-documents-none", lambda c, t: c.update_draft("e1", remove_documents=None),
         "update_draft"),
    Case("update-subject-int", lambda c, t: c.update_draft("e1", subject=5), "update_draft"),
    Case("update-sign-by-str", lambda c, t: c.update_draft("e1", sign_by="soon"), "sign_by"),
    Case("update-extras-object", lambda c, t: c.update_draft("e1", subject="x", extras={"a": object()}),
         "update_draft"),
    Case("update-id-bad", lambda c, t: c.update_draft("a/b", subject="x"), "update_draft"),
    # --- update_signer
    Case("signer-update-email-int", lambda c, t: c.update_signer("e1", "s1", email=5), "update_signer"),
    Case("signer-update-delivery-fax", lambda c, t: c.update_signer("e1", "s1", email="a@b.co", delivery="fax"),
         "update_signer"),
    Case("signer-update-nothing", lambda c, t: c.update_signer("e1", "s1"), "update_signer"),
    Case("signer-update-signer-id-none", lambda c, t: c.update_signer("e1", None, email="a@b.co"),
         "update_signer"),
    # --- void, delete, duplicate, signing URLs
    Case("void-reason-int", lambda c, t: c.void("e1", reason=5)),
    Case("void-reason-too-long", lambda c, t: c.void("e1", reason="x" * 5000)),
    Case("duplicate-subject-int", lambda c, t: c.duplicate("e1", subject=5), "duplicate"),
    Case("signing-url-signer-bad", lambda c, t: c.signing_url("e1", "s?1"), "signing_urls"),
    # --- list
    Case("list-int", lambda c, t: _list(c, 5)),
    Case("list-bogus", lambda c, t: _list(c, "bogus")),
    Case("list-item-none", lambda c, t: _list(c, [None])),
    Case("list-dict", lambda c, t: _list(c, {"state": "sent"})),
    # --- wait
    Case("wait-timeout-str", lambda c, t: c.wait("e1", timeout="10")),  # type: ignore[arg-type]
    Case("wait-poll-list", lambda c, t: c.wait("e1", poll=[5])),  # type: ignore[arg-type]  (None: the provider default)
    Case("wait-poll-zero", lambda c, t: c.wait("e1", poll=0)),
    Case("wait-poll-inf", lambda c, t: c.wait("e1", poll=float("inf"))),
    Case("wait-timeout-negative", lambda c, t: c.wait("e1", timeout=-1)),
    Case("wait-timeout-nan", lambda c, t: c.wait("e1", timeout=float("nan"))),
    Case("wait-timeout-bool", lambda c, t: c.wait("e1", timeout=True)),
    Case("wait-on-change-int", lambda c, t: c.wait("e1", on_change=5)),  # type: ignore[arg-type]
    # --- download
    Case("download-to-none", lambda c, t: c.download("e1", to=None, kind=_kind(c))),  # type: ignore[arg-type]
    Case("download-to-int", lambda c, t: c.download("e1", to=123, kind=_kind(c))),  # type: ignore[arg-type]
    Case("download-to-file", lambda c, t: c.download("e1", to=_file(t), kind=_kind(c))),
    Case("download-kind-bogus", lambda c, t: c.download("e1", to=t, kind="bogus")),
    Case("download-overwrite-str",
         lambda c, t: c.download("e1", to=t, kind=_kind(c), overwrite="yes")),  # type: ignore[arg-type]
    # --- ids, on every method that takes one
    *(Case(f"get-id-{name}", lambda c, t, v=value: c.get(_id(v))) for name, value in BAD_IDS.items()),
    *(Case(f"void-id-{name}", lambda c, t, v=value: c.void(_id(v))) for name, value in
      list(BAD_IDS.items())[:6]),
    Case("send-draft-id-bad", lambda c, t: c.send_draft("a?b"), "drafts"),
    Case("delete-draft-id-bad", lambda c, t: c.delete_draft("%2e%2e"), "delete_draft"),
    Case("download-id-bad", lambda c, t: c.download("a\nb", to=t, kind=_kind(c))),
    Case("wait-id-bad", lambda c, t: c.wait("a/b", timeout=0)),
    Case("duplicate-id-bad", lambda c, t: c.duplicate("a#b"), "duplicate"),
    Case("update-signer-id-control", lambda c, t: c.update_signer("e1", "s\x01", email="a@b.co"), "update_signer"),
]


def _file(folder: Path) -> Path:
    path = folder / "a-file"
    path.write_text("x")
    return path


def _supported(provider: str, case: Case) -> bool:
    if case.needs is None:
        return True
    caps = signport.registry.provider_class(provider).capabilities
    return bool(getattr(caps, case.needs))


class Counting:
    """A transport that counts requests and answers none of them usefully."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        return httpx.Response(500, json={"error": "no request should arrive"})


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@pytest.fixture
def connected(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Client, Counting, Path]]:
    name = request.param
    counting = Counting()
    store = tmp_path / "store"
    if name == "local":
        client = signport.connect("local", path=store)
        client.list()  # the store exists before the snapshot
        next(iter(client.list()), None)
    elif name == "iinked":
        client = signport.connect("iinked", api_key="k", base_url="http://127.0.0.1:9/api/v1",
                                  transport=httpx.MockTransport(counting))
    elif name == "docusign":
        client = signport.connect("docusign", access_token="t", account_id="a", base_uri="http://127.0.0.1:9",
                                  return_url="https://app.example.com/back", transport=httpx.MockTransport(counting))
    else:
        client = signport.connect("easyink", access_token="t", base_url="http://127.0.0.1:9",
                                  identity_url="http://127.0.0.1:9", token_store=str(tmp_path / "token.json"),
                                  transport=httpx.MockTransport(counting))
    with client:
        yield client, counting, store


PARAMS = [pytest.param(p, case, id=f"{p}-{case.name}", marks=[])
          for p in PROVIDERS for case in CASES if _supported(p, case)]


@pytest.mark.parametrize(("connected", "case"), PARAMS, indirect=["connected"])
def test_bad_input_is_refused_before_any_request(connected: tuple[Client, Counting, Path], case: Case,
                                                 tmp_path: Path) -> None:
    client, counting, store = connected
    before = _snapshot(store)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(signport.ValidationError) as info:
        case.call(client, work)
    assert info.value.path, f"{case.name}: {info.value!r} names no path"
    assert counting.requests == []
    assert _snapshot(store) == before
    assert "Traceback" not in str(info.value)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_at_least_80_distinct_bad_inputs_per_provider(provider: str) -> None:
    names = [case.name for case in CASES if _supported(provider, case)]
    assert len(names) == len(set(names))
    assert len(names) >= 80, (provider, len(names))
