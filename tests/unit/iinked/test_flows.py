"""The flows, driven without any network: each request is inspected, each response canned."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from signport import (
    Document,
    DocumentKind,
    DraftUpdate,
    Envelope,
    Signer,
    SignerState,
    SignerUpdate,
    SigningOrder,
    State,
)
from signport.errors import InvalidState, NotFound, PartialFailure, UnsupportedFeature, ValidationError
from signport.multipart import disposition_filename
from signport.provider import EXT_IDEMPOTENT, EXT_SAVE_TO, EXT_SAVED, SaveTarget, split_marker
from signport_iinked.provider import IinkedProvider
from signport_iinked.settings import IinkedSettings

from ...samples import make_pdf
from .conftest import API_KEY, Script, example, reply

PDF = make_pdf(1)


def status(state: str = "open", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "packageId": "pkg-1", "name": "NDA", "type": "concurrent", "state": state, "isExecuted": state == "executed",
        "documents": [{"documentId": "doc-1", "fileName": "nda.pdf", "order": 0,
                       "revisions": [{"signerId": "s-1", "isSigned": state == "executed", "isNext": True}]}],
        "signers": [{"signerId": "s-1", "firstName": "Ann", "lastName": "Lee", "email": "ann@example.com",
                     "mobileNumber": "", "order": 0, "links": []}],
    }
    body.update(extra)
    return body


def package(state: str = "open") -> dict[str, Any]:
    """A full Package (§5.6) as the fake and the update page's placeholder shape it (abridged)."""
    signed = state == "executed"
    return {"packageId": "pkg-1", "name": "NDA", "type": "concurrent", "state": state, "message": "Please sign",
            "rescindMessage": "Terms changed" if state == "rescinded" else None,
            "revisionsSigned": int(signed), "revisionsCount": 1,
            "documents": [{"documentId": "doc-1", "fileName": "nda.pdf", "index": 0, "revisions": [
                {"signerId": "s-1", "isSigned": signed, "timeSigned": "2030-01-01T00:00:00Z" if signed else None}]}],
            "signers": [{"signerId": "s-1", "index": 0, "firstName": "Ann", "lastName": "Lee",
                         "email": "ann@example.com", "next": not signed, "timeDeclined": None}]}


def envelope(**kw: Any) -> Envelope:
    values: dict[str, Any] = {
        "subject": "NDA", "documents": [Document(name="nda.pdf", content=PDF, key="ext-1")],
        "signers": [Signer(first_name="Ann", last_name="Lee", email="ann@example.com"),
                    Signer(first_name="Bob", last_name="Ray", email="bob@example.com", phone="+15551234567")],
        "sign_by": datetime(2030, 1, 1, tzinfo=UTC), "message": "Please sign"}
    values.update(kw)
    return Envelope(**values)


class Vendor:
    """A tiny scripted vendor: upload ids count up, reads answer ``state``."""

    def __init__(self, state: str = "open", fail: dict[str, httpx.Response] | None = None) -> None:
        self.state = state
        self.fail = fail or {}
        self.uploads = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        if path in self.fail:
            return self.fail[path]
        if path == "/files/upload":
            self.uploads += 1
            return reply(200, {"fileId": f"file-{self.uploads}", "name": "x", "type": "temporary"})
        if path in ("/packages/add", "/packages/update"):
            # §3: the Package when asked for (returnPackage), as the fake does.
            asked = json.loads(request.content).get("returnPackage")
            return reply(200, {"packageId": "pkg-1", "package": package(self.state) if asked else None})
        if path in ("/packages/send", "/packages/rescind", "/packages/delete"):
            return reply(200, {"packageId": "pkg-1", "package": None})
        if path.endswith("/status"):
            return reply(200, status(self.state))
        if path == "/packages/pkg-1":
            return reply(200, package(self.state))
        raise AssertionError(f"unexpected {request.method} {path}")


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def test_send_uploads_then_adds(script: Script, provider: IinkedProvider) -> None:
    env = script.run(provider.create(envelope(), send=True, extras={}), Vendor())
    # The add answers with the Package (returnPackage, §3): nothing is read back.
    assert script.calls() == ["POST /files/upload", "POST /packages/add"]
    upload = script.requests[0]
    assert upload.url.params["type"] == "temporary"
    # Document.key rides along as externalId (§11), with the create's correlation marker beside it.
    key, marker = split_marker(upload.url.params["externalId"])
    assert key == "ext-1"
    assert marker is not None
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert PDF in upload.content
    assert b'filename="nda.pdf"' in upload.content
    assert b"Content-Type: application/pdf" in upload.content
    add = body(script.requests[1])
    assert add == {
        "name": "NDA", "type": "concurrent", "state": "open",
        "signers": [{"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com"},
                    {"firstName": "Bob", "lastName": "Ray", "email": "bob@example.com",
                     "mobileNumber": "+15551234567"}],
        "documents": [{"fileName": "nda.pdf", "fileId": "file-1"}],
        "timeSignBy": "2030-01-01T00:00:00Z", "message": "Please sign", "returnPackage": True}
    assert env.id == "pkg-1"
    assert env.state is State.SENT
    assert env.raw["packageId"] == "pkg-1"


def test_add_body_matches_the_documented_examples(script: Script, provider: IinkedProvider) -> None:
    script.run(provider.create(envelope(message=None), send=False, extras={}), Vendor("draft"))
    ours = body(script.requests[1])
    documented = example("packages-add.request.json")
    assert set(documented) <= set(ours)
    assert set(documented["signers"][0]) <= set(ours["signers"][0])
    assert set(ours["documents"][0]) == set(documented["documents"][0])
    assert ours["state"] == "draft"
    script.requests.clear()
    script.run(provider.create(envelope(order=SigningOrder.SEQUENTIAL), send=True, extras={}), Vendor())
    ours = body(script.requests[1])
    sequential = example("packages-add.sequential.request.json")
    assert ours["type"] == sequential["type"] == "Sequential"  # exact, case-sensitive (§4.1)
    assert [s["email"] for s in ours["signers"]] == ["ann@example.com", "bob@example.com"]


def test_signer_links_setting_and_extras(script: Script) -> None:
    from signport_iinked.settings import IinkedSettings

    provider = IinkedProvider(IinkedSettings(api_key="k", generate_signer_links=True))
    extras = {"templateId": "tpl-1", "type": "Counterpart", "externalData": {"ref": 7}}
    script.run(provider.create(envelope(), send=True, extras=extras), Vendor())
    add = body(script.requests[1])
    assert add["generateSignerLinks"] is True
    assert add["templateId"] == "tpl-1"
    assert add["type"] == "Counterpart"  # extras win
    assert add["externalData"] == {"ref": 7}
    assert set(example("packages-add.signer-links.request.json")) <= set(add)


def test_each_document_uploaded_from_disk_with_an_rfc5987_name(script: Script, provider: IinkedProvider,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "résumé.pdf"
    path.write_bytes(PDF)
    docs = [Document.from_path(path), Document(name="契約書", content=PDF)]
    script.run(provider.create(envelope(documents=docs), send=False, extras={}), Vendor("draft"))
    first, second = script.requests[0], script.requests[1]
    assert b"filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\n" in first.content
    head = second.content.split(b"\r\n\r\n", 1)[0].decode()
    disposition = next(line for line in head.splitlines() if line.startswith("Content-Disposition:"))
    assert disposition_filename(disposition.split(":", 1)[1]) == "契約書.pdf"  # .pdf added for conversion
    add = body(script.requests[2])
    assert [d["fileName"] for d in add["documents"]] == ["résumé.pdf", "契約書.pdf"]
    assert [d["fileId"] for d in add["documents"]] == ["file-1", "file-2"]


def test_upload_field_name_is_a_setting(script: Script) -> None:
    from signport_iinked.settings import IinkedSettings

    provider = IinkedProvider(IinkedSettings(api_key="k", upload_field=""))
    script.run(provider.create(envelope(), send=False, extras={}), Vendor("draft"))
    assert b'Content-Disposition: form-data; filename="nda.pdf"' in script.requests[0].content


def test_add_failure_after_uploads_is_a_partial_failure(script: Script, provider: IinkedProvider) -> None:
    vendor = Vendor(fail={"/packages/add": reply(400, example("error-400.response.json"))})
    two = envelope(documents=[Document(name="a.pdf", content=PDF), Document(name="b.pdf", content=PDF)])
    with pytest.raises(PartialFailure) as info:
        script.run(provider.create(two, send=True, extras={}), vendor)
    err = info.value
    assert err.remote_ids == ["file-1", "file-2"]
    assert err.envelope_id is None
    assert err.cleaned_up is False
    assert isinstance(err.cause, ValidationError)
    assert err.code == "package_invalid_type"
    assert "file-1, file-2" in str(err)
    assert "24 h" in str(err)


def test_second_upload_failing_names_the_first(script: Script, provider: IinkedProvider) -> None:
    class SecondFails(Vendor):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/files/upload") and self.uploads == 1:
                return reply(400, {"error": "file_invalid_pdf", "message": "PDF Error: PDF header not found."})
            return super().__call__(request)

    two = envelope(documents=[Document(name="a.pdf", content=PDF), Document(name="b.pdf", content=PDF)])
    with pytest.raises(PartialFailure) as info:
        script.run(provider.create(two, send=True, extras={}), SecondFails())
    assert info.value.remote_ids == ["file-1"]
    assert info.value.vendor_message == "PDF Error: PDF header not found."


def test_first_upload_failing_is_the_plain_error(script: Script, provider: IinkedProvider) -> None:
    vendor = Vendor(fail={"/files/upload": reply(403, {"error": "package_not_authorized", "message": "no"})})
    from signport.errors import AuthError

    with pytest.raises(AuthError):
        script.run(provider.create(envelope(), send=True, extras={}), vendor)
    assert script.calls() == ["POST /files/upload"]


def test_transport_failure_thrown_into_the_flow(provider: IinkedProvider) -> None:
    from signport.errors import TransportError

    flow = provider.create(envelope(), send=True, extras={})
    next(flow)
    flow.send(reply(200, {"fileId": "file-9"}))
    # The add's answer is lost: signport looks for the package by its marker before it gives up.
    looks = [flow.throw(TransportError("network failure: ReadTimeout", provider="iinked"))]
    empty = reply(200, {"items": [], "total": 0, "skip": 0, "take": 50})
    for _ in range(5):
        looks.append(flow.send(empty))
    with pytest.raises(PartialFailure) as info:
        flow.send(empty)
    assert {r.url.path for r in looks} == {"/api/v1/packages/list"}
    assert len(looks) == 6  # three looks, each a search by name and a walk by state
    assert info.value.remote_ids == ["file-9"]
    assert isinstance(info.value.cause, TransportError)


def test_a_lost_add_answer_finds_the_package_by_its_marker(provider: IinkedProvider) -> None:
    from signport.errors import TransportError

    flow = provider.create(envelope(), send=True, extras={})
    upload = next(flow)
    flow.send(reply(200, {"fileId": "file-9"}))
    flow.throw(TransportError("network failure: ReadTimeout", provider="iinked"))
    external = upload.url.params["externalId"]
    item = {"packageId": "pkg-7", "documents": [{"documentId": "d", "externalId": external}]}
    other = {"packageId": "pkg-6", "documents": [{"documentId": "d", "externalId": "signport-" + "0" * 24}]}
    read = flow.send(reply(200, {"items": [other, item], "total": 2, "skip": 0, "take": 50}))
    assert read.url.path == "/api/v1/packages/pkg-7"  # the add's answer was lost: read back once


def test_read_back_failure_names_the_package(script: Script, provider: IinkedProvider) -> None:
    class NoPackage(Vendor):  # an add answer without the Package: it is read back
        def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/packages/add"):
                return reply(200, {"packageId": "pkg-1", "package": None})
            return super().__call__(request)

    vendor = NoPackage(fail={"/packages/pkg-1": reply(500, {"error": "package_exception_x", "message": "x"})})
    with pytest.raises(PartialFailure) as info:
        script.run(provider.create(envelope(), send=True, extras={}), vendor)
    assert info.value.envelope_id == "pkg-1"
    assert script.calls()[-1] == "GET /packages/pkg-1"


def test_fields_refused_in_the_flow_too(provider: IinkedProvider) -> None:
    from signport import Field, FieldType, Placement

    env = envelope(fields=[Field(type=FieldType.SIGNATURE, signer=0,
                                 placement=Placement(page=1, x=1, y=1, width=10, height=10))])
    with pytest.raises(UnsupportedFeature):
        next(provider.create(env, send=True, extras={}))


def test_validate_needs_content(provider: IinkedProvider) -> None:
    with pytest.raises(ValidationError) as info:
        provider.validate(envelope(documents=[Document(name="remote.pdf", id="d")]))
    assert info.value.path == "documents[0]"


@pytest.mark.parametrize(("flow_name", "args", "state"), [
    ("send_draft", (), "open"),
    ("void", ("reason",), "draft"),
    ("void", (None,), "executed"),
    ("delete_draft", (), "open"),
    ("delete_draft", (), "rescinded"),
    ("update_draft", (DraftUpdate(subject="x"), {}), "open"),
    ("update_signer", ("s-1", SignerUpdate(email="a@b.example")), "executed"),
])
def test_state_checked_before_any_change(script: Script, provider: IinkedProvider, flow_name: str,
                                         args: tuple[Any, ...], state: str) -> None:
    flow = getattr(provider, flow_name)("pkg-1", *args)
    with pytest.raises(InvalidState) as info:
        script.run(flow, Vendor(state))
    # void checks the full Package (it also holds the reason of an earlier rescind); the others the status.
    assert script.calls() == ["GET /packages/pkg-1" if flow_name == "void" else "GET /packages/pkg-1/status"]
    assert state in str(info.value)


def test_send_draft(script: Script, provider: IinkedProvider) -> None:
    vendor = Vendor("select")
    script.run(provider.send_draft("pkg-1"), vendor)
    assert script.calls()[:2] == ["GET /packages/pkg-1/status", "POST /packages/send"]
    assert body(script.requests[1]) == {"packageId": "pkg-1"}


def test_void_sends_rescind_message(script: Script, provider: IinkedProvider) -> None:
    script.run(provider.void("pkg-1", "Terms changed"), Vendor("open"))
    rescind = body(script.requests[1])
    assert rescind == {"packageId": "pkg-1", "notify": True, "rescindMessage": "Terms changed"}
    assert set(rescind) <= set(example("packages-rescind.request.json"))


def test_delete_draft(script: Script, provider: IinkedProvider) -> None:
    assert script.run(provider.delete_draft("pkg-1"), Vendor("draft")) is None
    assert script.calls() == ["GET /packages/pkg-1/status", "POST /packages/delete"]
    sent = body(script.requests[1])
    assert sent == {"packageId": "pkg-1", "notify": False}
    assert set(sent) <= set(example("packages-delete.request.json"))


def test_update_draft_body(script: Script, provider: IinkedProvider) -> None:
    update = DraftUpdate(subject="NDA v2", sign_by=datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC), message="m",
                         add_signers=[Signer(first_name="Add", last_name="Signer", email="add.signer@example.com",
                                             phone="+15555555555")],
                         remove_signers=["s-1"], add_documents=[Document(name="extra.pdf", content=PDF)],
                         remove_documents=["doc-1"])
    env = script.run(provider.update_draft("pkg-1", update, {"category": "legal"}), Vendor("draft"))
    # The update answers with the Package (returnPackage, §5.3): nothing is read back.
    assert script.calls() == ["GET /packages/pkg-1/status", "POST /files/upload", "POST /packages/update"]
    assert env.id == "pkg-1"
    sent = body(script.requests[2])
    assert sent == {
        "packageId": "pkg-1", "name": "NDA v2", "timeSignBy": "2031-02-03T04:05:06Z", "message": "m",
        "addSigners": [{"firstName": "Add", "lastName": "Signer", "email": "add.signer@example.com",
                        "mobileNumber": "+15555555555"}],
        "deleteSigners": [{"signerId": "s-1"}],
        "addDocuments": [{"fileName": "extra.pdf", "fileId": "file-1"}],
        "deleteDocuments": [{"documentId": "doc-1"}],
        "generateSignerLinks": False, "returnPackage": True, "category": "legal"}
    documented = example("packages-update.add-signers.request.json")
    assert set(documented["addSigners"][0]) - {"role", "signCac"} <= set(sent["addSigners"][0])
    assert sent["deleteSigners"] == [{"signerId": "s-1"}]
    assert set(example("packages-update.delete-signers.request.json")) <= set(sent)
    assert set(example("packages-update.rename.request.json")) <= set(sent)


def test_update_draft_unknown_ids_are_not_found(script: Script, provider: IinkedProvider) -> None:
    with pytest.raises(NotFound, match=r"remove_signers\[0\]"):
        script.run(provider.update_draft("pkg-1", DraftUpdate(remove_signers=["nope"]), {}), Vendor("draft"))
    with pytest.raises(NotFound, match=r"remove_documents\[0\]"):
        script.run(provider.update_draft("pkg-1", DraftUpdate(remove_documents=["nope"]), {}), Vendor("draft"))


def test_update_draft_failure_after_upload(script: Script, provider: IinkedProvider) -> None:
    vendor = Vendor("draft", fail={"/packages/update": reply(400, {"error": "package_length_name", "message": "m"})})
    with pytest.raises(PartialFailure) as info:
        script.run(provider.update_draft("pkg-1", DraftUpdate(add_documents=[Document(name="x.pdf", content=PDF)]),
                                         {}), vendor)
    assert info.value.remote_ids == ["file-1"]
    assert info.value.envelope_id == "pkg-1"


def test_update_signer_sends_the_whole_signer(script: Script, provider: IinkedProvider) -> None:
    script.run(provider.update_signer("pkg-1", "s-1", SignerUpdate(email="new@example.com")), Vendor("open"))
    assert script.calls() == ["GET /packages/pkg-1/status", "POST /packages/update"]
    assert body(script.requests[1]) == {
        "packageId": "pkg-1", "generateSignerLinks": False, "returnPackage": True,
        "updateSigners": [{"signerId": "s-1", "firstName": "Ann", "lastName": "Lee",
                           "email": "new@example.com"}]}
    with pytest.raises(NotFound):
        script.run(provider.update_signer("pkg-1", "s-9", SignerUpdate(phone="5551234567")), Vendor("open"))


def test_list_pages_until_total_and_post_filters(script: Script, provider: IinkedProvider) -> None:
    def item(pid: str, signed: bool) -> dict[str, Any]:
        return {"packageId": pid, "state": "open", "signers": [{"signerId": "s", "isExecuted": signed}]}

    page1 = {"items": [item("a", False), item("b", True)], "total": 3, "take": 2, "skip": 0}
    page = script.run(provider.list_page(frozenset({State.SENT}), None), lambda r: reply(200, page1))
    sent = body(script.requests[0])
    assert sent == {"states": ["open"], "take": 50, "skip": 0}
    assert set(sent) <= set(example("packages-list.request.placeholder.json"))
    assert script.requests[0].extensions[EXT_IDEMPOTENT] is True  # a search: safe to retry
    assert [e.id for e in page.envelopes] == ["a"]  # b has a signature: IN_PROGRESS
    assert page.next == 2
    page2 = {"items": [item("c", False)], "total": 3, "take": 2, "skip": 2}
    last = script.run(provider.list_page(None, page.next), lambda r: reply(200, page2))
    assert body(script.requests[1])["skip"] == 2
    assert body(script.requests[1])["states"] is None
    assert [e.id for e in last.envelopes] == ["c"]
    assert last.next is None
    empty = script.run(provider.list_page(None, 9), lambda r: reply(200, {"items": [], "total": 50}))
    assert empty.next is None  # no items: stop even if total says more


def test_signing_url(script: Script, provider: IinkedProvider) -> None:
    url = script.run(provider.signing_url("pkg-1", "s/1"), lambda r: reply(200, example("links-sign.response.json")))
    assert url == "https://sign.syngrafii.com/link/6iC4sCyjRaMTm2FcMjwIVA"
    assert script.requests[0].method == "POST"
    assert script.requests[0].url.raw_path == b"/api/v1/packages/pkg-1/link/sign/s%2F1"  # ids cannot add segments
    assert script.requests[0].content == b""


def test_download_executed_streams_each_document(script: Script, provider: IinkedProvider,
                                                 tmp_path: Path) -> None:
    executed = status("executed")
    executed["documents"] = [
        {"documentId": "d1", "fileName": "nda.pdf", "revisions": []},
        {"documentId": "d2", "fileName": "nda.pdf", "revisions": []},
        {"documentId": "d3", "name": "../../etc/passwd", "revisions": []},
    ]

    def vendor(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/status"):
            return reply(200, executed)
        target = request.extensions[EXT_SAVE_TO]
        assert isinstance(target, SaveTarget)
        dest = target.folder / (target.filename or "x")
        dest.write_bytes(PDF)
        return httpx.Response(200, extensions={EXT_SAVED: dest})

    paths = script.run(provider.download("pkg-1", DocumentKind.EXECUTED, tmp_path), vendor)
    assert [p.name for p in paths] == ["nda.pdf", "nda (2).pdf", "passwd.pdf"]
    assert script.calls()[1:] == [f"GET /packages/pkg-1/documents/{d}/pdf/executed/download"
                                  for d in ("d1", "d2", "d3")]


def test_download_before_completion_is_invalid_state(script: Script, provider: IinkedProvider,
                                                     tmp_path: Path) -> None:
    with pytest.raises(InvalidState):
        script.run(provider.download("pkg-1", DocumentKind.EXECUTED, tmp_path), Vendor("open"))
    assert script.calls() == ["GET /packages/pkg-1/status"]
    with pytest.raises(UnsupportedFeature):
        next(provider.download("pkg-1", DocumentKind.AUDIT, tmp_path))




def test_get_reads_the_package_alone(script: Script, provider: IinkedProvider) -> None:
    env = script.run(provider.get("pkg-1"), Vendor())
    assert script.calls() == ["GET /packages/pkg-1"]
    assert (env.subject, env.message, env.state) == ("NDA", "Please sign", State.SENT)
    assert env.signers[0].state is SignerState.NEXT  # the Package's signer "next" (§5.6)


def test_an_executed_package_that_still_reads_open_is_completed(script: Script, provider: IinkedProvider) -> None:
    # Before 4.0 executed packages read "open" (§4.2); a Package has no isExecuted, its revisions tell.
    class Legacy(Vendor):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            return reply(200, {**package("executed"), "state": "open"})

    env = script.run(provider.get("pkg-1"), Legacy())
    assert env.state is State.COMPLETED
    assert env.completed_at == datetime(2030, 1, 1, tzinfo=UTC)


def test_links_asked_for_but_missing_from_the_package_are_read_from_the_status(script: Script) -> None:
    # §5.10 puts signLink on the Package's signers; should it be missing, the status (§5.5) has them.
    provider = IinkedProvider(IinkedSettings(api_key=API_KEY, generate_signer_links=True))

    class Links(Vendor):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/status"):
                linked = status()
                linked["signers"][0]["signLink"] = {"link": "https://sign.example/s-1"}
                return reply(200, linked)
            return super().__call__(request)

    env = script.run(provider.get("pkg-1"), Links())
    assert script.calls() == ["GET /packages/pkg-1", "GET /packages/pkg-1/status"]
    assert env.signers[0].signing_url == "https://sign.example/s-1"
    assert env.raw["package"]["packageId"] == "pkg-1"


def test_an_update_answer_without_the_package_is_read_back(script: Script, provider: IinkedProvider) -> None:
    class Bare(Vendor):  # an answer without its Package (or unreadable): one read-back
        def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/packages/update"):
                return httpx.Response(200, content=b"{")
            return super().__call__(request)

    env = script.run(provider.update_draft("pkg-1", DraftUpdate(subject="NDA v2"), {}), Bare("draft"))
    assert script.calls() == ["GET /packages/pkg-1/status", "POST /packages/update", "GET /packages/pkg-1"]
    assert env.id == "pkg-1"


@pytest.mark.parametrize("answer", [{}, [], {"package": None}, {"name": "no id"}])
def test_a_read_back_that_is_not_a_package_names_the_package(script: Script, provider: IinkedProvider,
                                                             answer: Any) -> None:
    vendor = Vendor("draft", fail={"/packages/pkg-1": reply(200, answer)})
    with pytest.raises(PartialFailure) as info:
        script.run(provider.send_draft("pkg-1"), vendor)
    assert info.value.envelope_id == "pkg-1"
    assert script.calls()[-1] == "GET /packages/pkg-1"
