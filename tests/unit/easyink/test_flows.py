"""The flows driven without any network: scripted responses fed straight into the generators."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import signport
from signport import Delivery, DocumentKind, Envelope, SigningOrder, State
from signport.provider import EXT_DELAY, EXT_SAVE_TO, EXT_SAVED, Flow
from signport_easyink.provider import EasyInkProvider
from signport_easyink.settings import EasyInkSettings

from ...samples import envelope
from .conftest import example

SID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
Answer = Callable[[httpx.Request], httpx.Response]


def provider(**settings: Any) -> EasyInkProvider:
    return EasyInkProvider(EasyInkSettings(**{"poll_interval": 1.0, "poll_max": 4.0,
                                              "processing_timeout": 30.0, **settings}))


def reply(status: int = 200, body: Any = None) -> httpx.Response:
    return httpx.Response(status, json=body) if body is not None else httpx.Response(status)


def api_error(status: int, code: str, message: str) -> httpx.Response:
    return reply(status, {"error": {"code": code, "message": message}})


class Script:
    """Answers requests by (method, path regex), in order; records every request."""

    def __init__(self, rules: list[tuple[str, str, Answer | httpx.Response]]) -> None:
        self.rules = rules
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for i, (method, pattern, answer) in enumerate(self.rules):
            if method == request.method and re.search(pattern, request.url.path):
                response = answer(request) if callable(answer) else answer
                if not callable(answer):
                    del self.rules[i]
                response.request = request
                return response
        raise AssertionError(f"unexpected {request.method} {request.url.path}")

    def calls(self) -> list[str]:
        return [f"{r.method} {r.url.path.removeprefix('/api/')}" for r in self.requests]


def drive(flow: Flow[Any], script: Script, fail: Callable[[httpx.Request], Exception | None] = lambda r: None
          ) -> Any:
    """A minimal driver: send each request to ``script``; an exception from ``fail`` is thrown in."""
    try:
        request = next(flow)
        while True:
            error = fail(request)
            if error is not None:
                request = flow.throw(error)
                continue
            request = flow.send(script(request))
    except StopIteration as stop:
        return stop.value


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def draft_view(*, processing: bool = False, order: list[str] | None = None) -> dict[str, Any]:
    view = example("draft-get.response.json")
    view["documents"][0]["status"] = "Processing" if processing else "ProcessingReady"
    if order:
        view["signingOrderSettings"] = {"type": "OneByOne", "participantsOrder": order}
    return view


def session_view(status: str = "Pending") -> dict[str, Any]:
    view = example("session-get.response.json")
    view["status"] = status
    return view


def test_send_runs_the_documented_build_sequence() -> None:
    p = provider()
    env = envelope(p.capabilities, order=SigningOrder.SEQUENTIAL)
    ids = iter(["p-ann", "p-bob", "f-1", "f-2"])
    script = Script([
        ("POST", r"/signingSessionDrafts$", reply(201, SID)),
        ("POST", r"/documents$", reply(201, "doc-1")),
        ("POST", r"/participants$", lambda r: reply(201, next(ids))),
        ("PUT", r"/signingOrder/oneByOne$", reply(204)),
        ("GET", r"/signingSessionDrafts/[^/]+$", reply(200, draft_view(processing=True))),
        ("GET", r"/signingSessionDrafts/[^/]+$", reply(200, draft_view(processing=True))),
        ("GET", r"/signingSessionDrafts/[^/]+$", reply(200, draft_view())),
        ("PUT", r"/signingSessionDrafts/[^/]+$", reply(204)),
        ("POST", r"/signatureFields$", lambda r: reply(201, next(ids))),
        ("POST", r"/convert$", reply(204)),
        ("POST", r"/started$", reply(204)),
        ("GET", r"/signingSessions/[^/]+$", reply(200, session_view())),
    ])
    sent = drive(p.create(env, send=True, extras={}), script)
    assert script.calls() == [
        "POST signingSessionDrafts", f"POST signingSessionDrafts/{SID}/documents",
        f"POST signingSessionDrafts/{SID}/participants", f"POST signingSessionDrafts/{SID}/participants",
        f"PUT signingSessionDrafts/{SID}/signingOrder/oneByOne",
        f"GET signingSessionDrafts/{SID}", f"GET signingSessionDrafts/{SID}", f"GET signingSessionDrafts/{SID}",
        f"PUT signingSessionDrafts/{SID}",
        f"POST signingSessionDrafts/{SID}/signatureFields", f"POST signingSessionDrafts/{SID}/signatureFields",
        f"POST signingSessionDrafts/{SID}/convert", f"POST signingSessions/{SID}/started",
        f"GET signingSessions/{SID}"]
    create, upload, ann, _bob, order, *polls = script.requests[:8]
    # Built under a correlation marker (found again by a search if the answer is lost), then renamed.
    assert body(create)["subject"].startswith("signport-")
    assert body(script.requests[8]) == {"subject": "NDA", "reminderFrequency": draft_view().get("reminderFrequency")}
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert b'name="fileContent"; filename="nda.pdf"' in upload.read()
    assert body(ann)["deliveryMethods"] == ["Email"]
    assert body(ann)["language"] == "English"
    assert body(order) == {"participantsOrder": ["p-ann", "p-bob"]}
    # Bounded backoff through the driver: no wait before the first poll, then growing waits.
    assert [r.extensions.get(EXT_DELAY) for r in polls] == [None, 1.0, 2.0]
    field = body(script.requests[9])
    assert (field["participantId"], field["documentId"]) == ("p-ann", "doc-1")
    assert sent.id == SID
    assert sent.state is State.SENT


def test_draft_body_is_the_documented_example() -> None:
    p = provider()
    env = Envelope(subject="Employment Agreement - John Smith", documents=envelope().documents,
                   signers=envelope().signers[:1])
    empty = {"items": [], "totalItemsCount": 0, "pagesCount": 0, "pageIndex": 0, "pageSize": 100}
    script = Script([("POST", r"/signingSessionDrafts$", api_error(500, "InternalServerError", "boom")),
                     *[("GET", r"/signingSessions$", reply(200, empty))] * 3])
    with pytest.raises(signport.ProviderError):
        drive(p.create(env, send=False, extras={}), script)
    # The documented body's shape; its subject is the correlation marker until the draft is found or named.
    sent = body(script.requests[0])
    assert sent.keys() == example("draft-create.request.json").keys()
    assert sent["subject"].startswith("signport-")
    # A 500 may hide a draft that was made: it is looked for (three looks) before the error is raised.
    assert script.calls()[1:] == ["GET signingSessions"] * 3
    assert script.requests[1].url.params.get_list("statuses") == ["Draft"]


def _half_built(delete: httpx.Response) -> Script:
    return Script([
        ("POST", r"/signingSessionDrafts$", reply(201, SID)),
        ("POST", r"/documents$", reply(201, "doc-1")),
        ("POST", r"/participants$", api_error(500, "InternalServerError", "An unexpected error occurred")),
        ("DELETE", r"/signingSessionDrafts/[^/]+$", delete),
    ])


def test_failure_deletes_the_half_built_draft() -> None:
    p = provider()
    script = _half_built(reply(204))
    with pytest.raises(signport.PartialFailure) as info:
        drive(p.create(envelope(p.capabilities), send=True, extras={}), script)
    error = info.value
    assert error.envelope_id == SID
    assert error.cleaned_up is True
    assert error.remote_ids == [SID, "doc-1"]
    assert isinstance(error.cause, signport.ProviderError)
    assert error.status == 500
    assert "add signers[0]" in error.message
    assert "was deleted" in error.message
    assert script.calls()[-1] == f"DELETE signingSessionDrafts/{SID}"


def test_a_locked_draft_is_reported_not_deleted() -> None:
    p = provider()
    script = _half_built(api_error(400, "ValidationError", "Signing session draft is locked and cannot be removed"))
    with pytest.raises(signport.PartialFailure) as info:
        drive(p.create(envelope(p.capabilities), send=True, extras={}), script)
    assert info.value.cleaned_up is False
    assert info.value.envelope_id == SID
    assert f"draft {SID} is left" in info.value.message


def test_a_transport_failure_thrown_in_is_cleaned_up_too() -> None:
    p = provider()
    script = Script([("POST", r"/signingSessionDrafts$", reply(201, SID)),
                     ("DELETE", r"/signingSessionDrafts/[^/]+$", reply(204))])

    def fail(request: httpx.Request) -> Exception | None:
        if request.url.path.endswith("/documents"):
            return signport.TransportError("network failure: ReadTimeout", provider="easyink")
        return None

    with pytest.raises(signport.PartialFailure) as info:
        drive(p.create(envelope(p.capabilities), send=True, extras={}), script, fail)
    assert info.value.cleaned_up is True
    assert isinstance(info.value.cause, signport.TransportError)


def test_processing_wait_is_bounded() -> None:
    p = provider(poll_interval=1.0, poll_max=2.0, processing_timeout=5.0)
    script = Script([("GET", r"/signingSessionDrafts/[^/]+$", lambda r: reply(200, draft_view(processing=True)))])
    with pytest.raises(signport.ProviderError, match="still processing"):
        drive(p._processed(SID), script)
    # waits 1 + 2 + 2 = 5 s: four reads in all, then give up.
    assert [r.extensions.get(EXT_DELAY) for r in script.requests] == [None, 1.0, 2.0, 2.0]


def test_a_failed_document_stops_the_wait() -> None:
    view = draft_view()
    view["documents"][0]["status"] = "ProcessingFailed"
    with pytest.raises(signport.ProviderError, match="could not process"):
        drive(provider()._processed(SID), Script([("GET", r".", reply(200, view))]))


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 1001])
def test_void_reason_is_checked_before_any_request(reason: str | None) -> None:
    with pytest.raises(signport.ValidationError) as info:
        next(provider().void(SID, reason))
    assert info.value.path == "reason"


def test_void_sends_the_reason() -> None:
    script = Script([("POST", r"/voided$", reply(204)),
                     ("GET", r"/signingSessions/[^/]+$", reply(200, session_view("Voided")))])
    voided = drive(provider().void(SID, "Document contained incorrect information"), script)
    assert voided.state is State.VOIDED
    assert body(script.requests[0]) == {"reason": "Document contained incorrect information"}
    assert script.requests[0].url.path == f"/api/signingSessions/{SID}/voided"


def test_duplicate_bodies_are_the_documented_examples() -> None:
    new = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    for void_original, reason, path, name in [
            (False, None, "/copy", "session-duplicate.request.json"),
            (True, "Original document contained incorrect salary information", "/recreate",
             "session-recreate.request.json")]:
        expected = example(name)
        script = Script([("POST", path + "$", reply(201, new)),
                         ("GET", r"/signingSessionDrafts/", reply(200, draft_view())),
                         ("PUT", r"/signingSessionDrafts/", reply(204)),
                         ("GET", r"/signingSessions/", reply(404, {"error": {"code": "NotFound", "message": "x"}})),
                         ("GET", r"/signingSessionDrafts/", reply(200, draft_view()))])
        copy = drive(provider().duplicate(SID, subject=expected["subject"], void_original=void_original,
                                          reason=reason), script)
        # The documented body, made under a correlation marker; the subject is set once the copy is known.
        sent = body(script.requests[0])
        assert sent.keys() == expected.keys()
        assert sent["subject"].startswith("signport-")
        assert sent.get("voidReason") == expected.get("voidReason")
        assert body(script.requests[2])["subject"] == expected["subject"]
        assert copy.state is State.DRAFT
    with pytest.raises(signport.ValidationError):
        next(provider().duplicate(SID, subject=None, void_original=True, reason=None))


def test_get_falls_back_to_the_draft_view() -> None:
    script = Script([("GET", r"/signingSessions/", api_error(404, "NotFound", "Signing session does not exists")),
                     ("GET", r"/signingSessionDrafts/", reply(200, draft_view()))])
    env = drive(provider().get(SID), script)
    assert env.state is State.DRAFT
    assert env.signers[0].id == "4d5e6f7a-8b9c-0d1e-2f3a-4b5c6d7e8f9a"


def test_get_of_a_missing_envelope_is_not_found() -> None:
    script = Script([("GET", r"/signingSessions/", api_error(404, "NotFound", "Signing session does not exists")),
                     ("GET", r"/signingSessionDrafts/", api_error(404, "NotFound",
                                                                  "Signing session draft does not exists"))])
    with pytest.raises(signport.NotFound):
        drive(provider().get(SID), script)


def test_get_reads_the_order_once_for_a_live_session() -> None:
    p = provider()
    view = session_view("InProgress")
    view["participants"] = [dict(view["participants"][0], participantId=i, status="Pending", signedAt=None)
                            for i in ("a", "b")]
    script = Script([("GET", r"/signingSessions/", lambda r: reply(200, view)),
                     ("GET", r"/signingSessionDrafts/", reply(200, draft_view(order=["b", "a"])))])
    first = drive(p.get(SID), script)
    second = drive(p.get(SID), script)
    assert [s.state.value for s in first.signers] == ["pending", "next"] == [s.state.value for s in second.signers]
    assert script.calls().count(f"GET signingSessionDrafts/{SID}") == 1


def test_list_pages_and_filters() -> None:
    page = example("session-search.response.json")
    script = Script([("GET", r"/signingSessions$", lambda r: reply(200, page))])
    result = drive(provider().list_page(frozenset({State.IN_PROGRESS, State.COMPLETED}), None), script)
    assert script.requests[0].url.query == b"pageIndex=0&pageSize=100&statuses=Finished&statuses=InProgress"
    assert [e.state for e in result.envelopes] == [State.IN_PROGRESS, State.COMPLETED]
    assert result.next == 1
    last = drive(provider().list_page(None, 2), script)
    assert last.next is None
    assert script.requests[1].url.params["pageIndex"] == "2"


def test_sent_has_no_search_value_so_it_is_post_filtered() -> None:
    page = example("session-search.response.json")
    page["items"][1]["status"] = "Pending"
    script = Script([("GET", r"/signingSessions$", reply(200, page))])
    result = drive(provider().list_page(frozenset({State.SENT, State.DRAFT}), None), script)
    assert "statuses" not in script.requests[0].url.params
    assert [e.id for e in result.envelopes] == ["7c9e6679-7425-40de-944b-e07fc1f90ae7"]


def _saved(request: httpx.Request) -> httpx.Response:
    target = request.extensions[EXT_SAVE_TO]
    path = Path(target.folder) / (target.filename or "x.pdf")
    response = reply(200)
    response.extensions = {EXT_SAVED: path}
    return response


def test_download_retries_processing_then_streams(tmp_path: Path) -> None:
    processing = api_error(400, "ValidationError", "Document processing is in progress. Try again later.")
    script = Script([
        ("GET", r"/signingSessions/[^/]+$", reply(200, session_view("Finished"))),
        ("GET", r"/signingSessions/[^/]+$", reply(200, session_view("Finished"))),
        ("GET", r"/allInOneDocument$", processing),
        ("GET", r"/allInOneDocument$", processing),
        ("GET", r"/allInOneDocument$", _saved),
    ])
    paths = drive(provider().download_all_in_one(SID, tmp_path), script)
    assert paths == [tmp_path / "Employment Contract-all-in-one.pdf"]
    downloads = [r for r in script.requests if r.url.path.endswith("allInOneDocument")]
    assert [r.extensions.get(EXT_DELAY) for r in downloads] == [None, 1.0, 2.0]
    assert all(EXT_SAVE_TO in r.extensions for r in downloads)


@pytest.mark.parametrize("kind", [DocumentKind.EXECUTED, DocumentKind.COMBINED, DocumentKind.AUDIT])
def test_no_download_is_executed_combined_or_audit_as_defined(kind: DocumentKind, tmp_path: Path) -> None:
    assert kind not in provider().capabilities.download_kinds
    with pytest.raises(signport.UnsupportedFeature) as info:
        drive(provider().download(SID, kind, tmp_path), Script([]))
    assert info.value.feature == f"download_{kind.value}"


def test_signer_copies_are_per_participant_under_neutral_names(tmp_path: Path) -> None:
    script = Script([("GET", r"/signingSessions/[^/]+$", lambda r: reply(200, session_view("Finished"))),
                     ("GET", r"/signedDocuments/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d$", _saved)])
    paths = drive(provider().download(SID, DocumentKind.SIGNER_COPIES, tmp_path), script)
    assert [p.name for p in paths] == ["Employment Contract-John Smith.pdf"]
    reads = [r for r in script.requests if r.url.path.endswith(f"/signingSessions/{SID}")]
    assert len(reads) == 1, "the session view read for the state already lists the copies"


def test_all_in_one_ready_at_the_first_read_is_one_read(tmp_path: Path) -> None:
    script = Script([("GET", r"/signingSessions/[^/]+$", lambda r: reply(200, session_view("Finished"))),
                     ("GET", r"/allInOneDocument$", _saved)])
    paths = drive(provider().download_all_in_one(SID, tmp_path), script)
    assert paths == [tmp_path / "Employment Contract-all-in-one.pdf"]
    assert [r.url.path.rsplit("/", 1)[-1] for r in script.requests] == [SID, "allInOneDocument"]


def test_signer_copies_come_in_document_then_signer_order(tmp_path: Path) -> None:
    view = session_view("Finished")
    view["documents"] = [{"documentId": "d1", "title": "nda.pdf"}, {"documentId": "d2", "title": "terms.pdf"}]
    view["participants"] = [dict(view["participants"][0], participantId="p1", firstName="Ann", lastName="Lee"),
                            dict(view["participants"][0], participantId="p2", firstName="Bob", lastName="Ray")]
    titles = ["terms - Bob Ray (Signed).pdf", "nda - Bob Ray (Signed).pdf", "Odd title.pdf",
              "terms - Ann Lee (Signed).pdf", "nda - Ann Lee (Signed).pdf"]
    view["signedDocuments"] = [{"signedDocumentId": f"s{i}", "title": t, "processingStatus": "Ready"}
                               for i, t in enumerate(titles)]
    script = Script([("GET", r"/signingSessions/[^/]+$", lambda r: reply(200, view)),
                     ("GET", r"/signedDocuments/s\d$", _saved)])
    paths = drive(provider().download(SID, DocumentKind.SIGNER_COPIES, tmp_path), script)
    assert [p.name for p in paths] == ["nda-Ann Lee.pdf", "nda-Bob Ray.pdf", "terms-Ann Lee.pdf",
                                       "terms-Bob Ray.pdf", "Odd title.pdf"]
    fetched = [r.url.path.rsplit("/", 1)[-1] for r in script.requests if "signedDocuments" in r.url.path]
    assert fetched == ["s4", "s1", "s3", "s0", "s2"]


def test_signer_copies_wait_for_the_signed_documents_to_be_listed(tmp_path: Path) -> None:
    unlisted = session_view("Finished")
    unlisted["signedDocuments"] = []
    script = Script([("GET", r"/signingSessions/[^/]+$", reply(200, unlisted)),
                     ("GET", r"/signingSessions/[^/]+$", reply(200, unlisted)),
                     ("GET", r"/signingSessions/[^/]+$", lambda r: reply(200, session_view("Finished"))),
                     ("GET", r"/signedDocuments/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d$", _saved)])
    paths = drive(provider().download(SID, DocumentKind.SIGNER_COPIES, tmp_path), script)
    assert [p.name for p in paths] == ["Employment Contract-John Smith.pdf"]


def test_signer_copies_never_return_nothing(tmp_path: Path) -> None:
    unlisted = session_view("Finished")
    unlisted["signedDocuments"] = None
    script = Script([("GET", r"/signingSessions/[^/]+$", lambda r: reply(200, unlisted))])
    p = provider(poll_interval=1.0, poll_max=2.0, processing_timeout=5.0)
    with pytest.raises(signport.ProviderError, match="still processing the signed documents"):
        drive(p.download(SID, DocumentKind.SIGNER_COPIES, tmp_path), script)


def test_signer_copies_need_a_completed_envelope(tmp_path: Path) -> None:
    script = Script([("GET", r"/signingSessions/[^/]+$", reply(200, session_view("InProgress"))),
                     ("GET", r"/signingSessionDrafts/", reply(200, draft_view()))])
    with pytest.raises(signport.InvalidState):
        drive(provider().download(SID, DocumentKind.SIGNER_COPIES, tmp_path), script)


def test_void_returns_the_reason_and_created_is_read_where_present() -> None:
    script = Script([("POST", r"/voided$", reply(204)),
                     ("GET", r"/signingSessions/[^/]+$", lambda r: reply(200, session_view("Voided")))])
    voided = drive(provider().void(SID, "Terms changed"), script)
    assert voided.void_reason == "Terms changed"
    assert body(script.requests[0]) == {"reason": "Terms changed"}
    view = dict(session_view(), created="2024-12-17T14:30:00Z")
    assert provider().parse_envelope(view).created_at == datetime(2024, 12, 17, 14, 30, tzinfo=UTC)
    assert provider().parse_envelope(session_view()).created_at is None


def test_update_signer_keeps_the_email_and_needs_a_phone_for_sms() -> None:
    p = provider()
    pid = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
    script = Script([("GET", r"/signingSessions/[^/]+$", lambda r: reply(200, session_view())),
                     ("PUT", r"/participants/", reply(204)),
                     ("GET", r"/signingSessionDrafts/", reply(200, draft_view()))])
    drive(p.update_signer(SID, pid, signport.SignerUpdate(phone="2025559999")), script)
    assert body(script.requests[1]) == {"deliveryMethods": ["Email", "Sms"], "email": "john.smith@example.com",
                                        "phone": "2025559999"}
    with pytest.raises(signport.ValidationError) as info:
        p.validate_signer_update(signport.SignerUpdate(delivery={Delivery.SMS}))
    assert info.value.path == "phone"
    with pytest.raises(signport.NotFound):
        drive(p.update_signer(SID, "nobody", signport.SignerUpdate(email="a@example.com")),
              Script([("GET", r".", reply(200, session_view()))]))


def test_update_draft_resends_the_order() -> None:
    order = ["4d5e6f7a-8b9c-0d1e-2f3a-4b5c6d7e8f9a", "gone"]
    script = Script([("GET", r"/signingSessionDrafts/[^/]+$", reply(200, draft_view(order=order))),
                     ("PUT", r"/signingSessionDrafts/[^/]+$", reply(204)),
                     ("DELETE", r"/participants/gone$", reply(204)),
                     ("POST", r"/participants$", reply(201, "new")),
                     ("PUT", r"/oneByOne$", reply(204)),
                     ("GET", r"/signingSessions/", api_error(404, "NotFound", "x")),
                     ("GET", r"/signingSessionDrafts/[^/]+$", reply(200, draft_view()))])
    update = signport.DraftUpdate(subject="New", remove_signers=["gone"],
                                  add_signers=[signport.Signer(first_name="C", last_name="D", email="c@example.com")])
    drive(provider().update_draft(SID, update, {}), script)
    assert body(script.requests[1]) == {"subject": "New", "reminderFrequency": "Daily"}
    assert body(script.requests[4]) == {"participantsOrder": [order[0], "new"]}


def test_update_draft_failing_halfway_says_what_was_applied() -> None:
    order = ["4d5e6f7a-8b9c-0d1e-2f3a-4b5c6d7e8f9a", "gone"]
    script = Script([("GET", r"/signingSessionDrafts/[^/]+$", reply(200, draft_view(order=order))),
                     ("PUT", r"/signingSessionDrafts/[^/]+$", reply(204)),
                     ("DELETE", r"/participants/gone$", reply(204)),
                     ("POST", r"/participants$", reply(201, "new")),
                     ("POST", r"/documents$", api_error(500, "InternalServerError", "disk full")),
                     # A 500 may hide an upload that happened: the draft is read again to look for it.
                     ("GET", r"/signingSessionDrafts/[^/]+$", reply(200, draft_view(order=order)))])
    update = signport.DraftUpdate(subject="New", remove_signers=["gone"],
                                  add_signers=[signport.Signer(first_name="C", last_name="D", email="c@example.com")],
                                  add_documents=envelope().documents)
    with pytest.raises(signport.PartialFailure) as info:
        drive(provider().update_draft(SID, update, {}), script)
    error = info.value
    assert error.envelope_id == SID
    assert error.remote_ids == ["new"]
    assert not error.cleaned_up
    assert "subject, removed participant gone, added participant new" in error.message
    assert error.applied == ["subject", "removed participant gone", "added participant new"]
    assert isinstance(error.cause, signport.ProviderError)
    assert script.calls()[-1] == f"GET signingSessionDrafts/{SID}"


def test_update_draft_failing_at_once_is_the_plain_error() -> None:
    script = Script([("GET", r"/signingSessionDrafts/[^/]+$", reply(200, draft_view())),
                     ("PUT", r"/signingSessionDrafts/[^/]+$", api_error(400, "ValidationError", "bad subject"))])
    with pytest.raises(signport.ValidationError):
        drive(provider().update_draft(SID, signport.DraftUpdate(subject="x"), {}), script)


def test_a_failed_read_back_after_send_names_the_new_session() -> None:
    p = provider()
    env = Envelope(subject="NDA", documents=envelope().documents, signers=envelope().signers[:1])
    script = Script([
        ("POST", r"/signingSessionDrafts$", reply(201, SID)),
        ("POST", r"/documents$", reply(201, "doc-1")),
        ("POST", r"/participants$", reply(201, "p-ann")),
        ("GET", r"/signingSessionDrafts/[^/]+$", reply(200, draft_view())),
        ("PUT", r"/signingSessionDrafts/[^/]+$", reply(204)),
        ("POST", r"/convert$", reply(204)),
        ("POST", r"/started$", reply(204)),
        ("GET", r"/signingSessions/[^/]+$", api_error(500, "InternalServerError", "boom")),
    ])
    with pytest.raises(signport.PartialFailure) as info:
        drive(p.create(env, send=True, extras={}), script)
    assert info.value.envelope_id == SID
    assert info.value.remote_ids == [SID]
    assert info.value.cleaned_up is False
    assert isinstance(info.value.cause, signport.ProviderError)
    assert f"{SID} was sent" in info.value.message
    assert "DELETE" not in " ".join(script.calls())  # a started session is never deleted behind the user


@pytest.mark.parametrize("void_original", [False, True])
def test_a_failed_read_back_after_duplicate_names_the_copy(void_original: bool) -> None:
    p = provider()
    script = Script([
        ("POST", r"/(copy|recreate)$", reply(201, "new-draft")),
        ("GET", r"/signingSessionDrafts/", reply(200, draft_view())),
        ("PUT", r"/signingSessionDrafts/", reply(204)),
        # The copy is a draft: it is read back from its draft view (§6.1 #2).
        ("GET", r"/signingSessionDrafts/", api_error(500, "InternalServerError", "boom")),
    ])
    flow = p.duplicate(SID, subject="Copy", void_original=void_original, reason="typo" if void_original else None)
    with pytest.raises(signport.PartialFailure) as info:
        drive(flow, script)
    assert info.value.envelope_id == "new-draft"
    assert info.value.remote_ids == ["new-draft"]
    assert (f"{SID} voided" in info.value.message) is void_original
