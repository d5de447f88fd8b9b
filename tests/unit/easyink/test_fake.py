"""The fake keeps the vendor's shapes (key for key) and rules; the route table is complete and served."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from signport_easyink.fake import create_app
from signport_easyink.routes import ROUTES, Routes

from ...samples import make_pdf
from .conftest import TOKEN, example

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def keys(value: Any) -> Any:
    """The key structure of a JSON value (dict keys, recursively; lists by their first item)."""
    if isinstance(value, dict):
        return {k: keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys(value[0])] if value else []
    return None


def same_keys(actual: Any, documented: Any) -> None:
    """Every documented key is present and nothing else; empty documented lists are not compared deeper."""
    if isinstance(documented, dict):
        assert isinstance(actual, dict)
        assert set(actual) == set(documented), (set(actual), set(documented))
        for k, v in documented.items():
            same_keys(actual[k], v)
    elif isinstance(documented, list) and documented and actual:
        same_keys(actual[0], documented[0])


@pytest.fixture
def api(fake_url: str) -> Any:
    with httpx.Client(base_url=fake_url, headers=AUTH, timeout=10) as c:
        yield c


def build(api: httpx.Client, *, sequential: bool = False, signers: int = 1) -> tuple[str, list[str], str]:
    sid = api.post("/api/signingSessionDrafts", json={"subject": "Employment Agreement"}).json()
    doc = api.post(f"/api/signingSessionDrafts/{sid}/documents",
                   files={"fileContent": ("c.pdf", make_pdf(1), "application/pdf")}).json()
    pids = [api.post(f"/api/signingSessionDrafts/{sid}/participants",
                     json=example("participant-add.request.json")).json() for _ in range(signers)]
    if sequential:
        assert api.put(f"/api/signingSessionDrafts/{sid}/signingOrder/oneByOne",
                       json={"participantsOrder": pids}).status_code == 204
    return sid, pids, doc


def start(api: httpx.Client, sid: str) -> None:
    while api.get(f"/api/signingSessionDrafts/{sid}").json()["documents"][0]["status"] != "ProcessingReady":
        pass
    assert api.post(f"/api/signingSessionDrafts/{sid}/convert").is_success
    assert api.post(f"/api/signingSessions/{sid}/started").is_success


def test_response_shapes_match_the_documented_examples(api: httpx.Client, control: httpx.Client) -> None:
    sid, pids, _ = build(api)
    same_keys(api.get(f"/api/signingSessionDrafts/{sid}").json(), keys(example("draft-get.response.json")))
    me = api.post(f"/api/signingSessionDrafts/{sid}/participants/me").json()
    same_keys(me, keys(example("participant-add-me.response.json")))
    api.delete(f"/api/signingSessionDrafts/{sid}/participants/{me['id']}")
    start(api, sid)
    control.post(f"/_control/sessions/{sid}/participants/{pids[0]}/sign")
    view = api.get(f"/api/signingSessions/{sid}").json()
    same_keys(view, keys(example("session-get.response.json")))
    assert view["status"] == "Finished"
    same_keys(api.get("/api/signingSessions").json(), keys(example("session-search.response.json")))


def test_create_operations_answer_bare_string_ids(api: httpx.Client) -> None:
    sid, pids, doc = build(api)
    for value in (sid, pids[0], doc):
        assert isinstance(value, str)
        assert len(value) == 36


def test_bearer_token_required(fake_url: str) -> None:
    with httpx.Client(base_url=fake_url) as anonymous:
        response = anonymous.post("/api/signingSessionDrafts", json={})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "Unauthorized"
        wrong = anonymous.get("/api/signingSessions", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert anonymous.head("/api/signingSessions/x").status_code == 401


def test_documents_stay_in_processing_for_the_first_reads(api: httpx.Client) -> None:
    sid, pids, doc = build(api)
    field = {"participantId": pids[0], "documentId": doc,
             "field": {"type": "Signature", "placement": example("signature-field-placement-update.request.json"),
                       "options": {"isRequired": True, "forType": "Signature"}}}
    refused = api.post(f"/api/signingSessionDrafts/{sid}/signatureFields", json=field)
    assert refused.json()["error"]["message"] == example("draft-document-download.error.json")["error"]["message"]
    download = api.get(f"/api/signingSessionDrafts/{sid}/documents/{doc}")
    assert download.json() == example("draft-document-download.error.json")
    statuses = [api.get(f"/api/signingSessionDrafts/{sid}").json()["documents"][0]["status"] for _ in range(2)]
    assert statuses[-1] == "ProcessingReady"
    assert api.post(f"/api/signingSessionDrafts/{sid}/signatureFields", json=field).status_code == 201
    bad = dict(field, field=dict(field["field"], options={"isRequired": True, "forType": "Initials"}))
    assert api.post(f"/api/signingSessionDrafts/{sid}/signatureFields", json=bad).json() == example(
        "signature-field-options-update.error.json")


def test_one_by_one_must_list_every_participant(api: httpx.Client) -> None:
    sid, pids, _ = build(api, signers=3)
    response = api.put(f"/api/signingSessionDrafts/{sid}/signingOrder/oneByOne",
                       json={"participantsOrder": pids[:1]})
    message = response.json()["error"]["message"]
    assert message == "There are some participants missed in signing order definition: " + ", ".join(pids[1:])
    missing = api.put("/api/signingSessionDrafts/00000000-0000-0000-0000-000000000000/signingOrder/allAtOnce")
    assert missing.status_code == 404
    assert missing.json() == example("signing-order-all-at-once.error.json")


def test_drafts_and_sessions_are_apart(api: httpx.Client) -> None:
    sid, _, _ = build(api)
    assert api.get(f"/api/signingSessions/{sid}").status_code == 404
    assert api.head(f"/api/signingSessionDrafts/{sid}").status_code == 200
    assert api.head(f"/api/signingSessions/{sid}").status_code == 404
    start(api, sid)
    assert api.get(f"/api/signingSessions/{sid}").json()["status"] == "Pending"
    refused = api.delete(f"/api/signingSessionDrafts/{sid}")
    assert refused.json() == example("draft-delete.error.json")


def test_locked_drafts_cannot_be_deleted(api: httpx.Client, control: httpx.Client) -> None:
    sid, _, _ = build(api)
    control.post(f"/_control/sessions/{sid}/lock")
    assert api.delete(f"/api/signingSessionDrafts/{sid}").json() == example("draft-delete.error.json")


def test_void_reason_required_and_contact_update_refused_once_the_link_was_used(
        api: httpx.Client, control: httpx.Client) -> None:
    sid, pids, _ = build(api)
    start(api, sid)
    assert api.post(f"/api/signingSessions/{sid}/voided", json={}).json() == example("session-void.error.json")
    update = example("session-participant-update.request.email-sms.json")
    assert api.put(f"/api/signingSessions/{sid}/participants/{pids[0]}", json=update).status_code == 204
    control.post(f"/_control/sessions/{sid}/participants/{pids[0]}/open")
    refused = api.put(f"/api/signingSessions/{sid}/participants/{pids[0]}", json=update).json()
    assert "already used the signing link" in refused["error"]["message"]
    assert api.post(f"/api/signingSessions/{sid}/voided", json={"reason": "Wrong"}).status_code == 204
    assert api.get(f"/api/signingSessions/{sid}").json()["status"] == "Voided"


def test_pagination_is_zero_based_and_bounded(api: httpx.Client) -> None:
    ids = [api.post("/api/signingSessionDrafts", json={"subject": f"s{i}"}).json() for i in range(5)]
    pages = [api.get("/api/signingSessions", params={"pageIndex": i, "pageSize": 2}).json() for i in range(3)]
    assert [p["pageIndex"] for p in pages] == [0, 1, 2]
    assert pages[0]["pagesCount"] == 3
    assert pages[0]["totalItemsCount"] == 5
    assert sorted(i["id"] for p in pages for i in p["items"]) == sorted(ids)
    assert api.get("/api/signingSessions", params={"pageSize": 101}).status_code == 400
    assert api.get("/api/signingSessions", params={"statuses": "Pending"}).status_code == 400
    both = api.get("/api/signingSessions?statuses=Draft&statuses=Finished").json()
    assert both["totalItemsCount"] == 5


def test_identity_checks_the_verifier_and_the_secret(fake_url: str) -> None:
    from authlib.oauth2.rfc7636.challenge import create_s256_code_challenge

    verifier = "v" * 50
    with httpx.Client(base_url=fake_url) as c:
        def code() -> str:
            r = c.get("/connect/authorize", params={
                "response_type": "code", "client_id": "signport-test", "redirect_uri": "https://easyink.io",
                "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"})
            assert r.status_code == 302
            return str(httpx.URL(r.headers["location"]).params["code"])

        form = {"grant_type": "authorization_code", "client_id": "signport-test", "client_secret": "test-secret",
                "redirect_uri": "https://easyink.io"}
        assert c.post("/connect/token", data=form | {"code": code(), "code_verifier": "w" * 50}).status_code == 400
        assert c.post("/connect/token", data=form | {"code": code(), "code_verifier": verifier,
                                                     "client_secret": "wrong"}).status_code == 401
        ok = c.post("/connect/token", data=form | {"code": code(), "code_verifier": verifier})
        assert ok.status_code == 200
        assert {"access_token", "refresh_token", "expires_in"} <= set(ok.json())


def test_every_route_is_served_by_the_fake() -> None:
    app = create_app()
    served = {(m, r.path) for r in app.routes for m in (r.methods or ())}  # type: ignore[attr-defined]
    for route in ROUTES.values():
        assert (route.method, route.path) in served, route.name


def test_route_table_marks_what_is_documented() -> None:
    assert len(ROUTES) == 34
    documented = {r.name for r in ROUTES.values() if r.provenance == "documented"}
    assert documented == {"create_draft", "upload_document", "add_participant", "order_one_by_one",
                          "order_all_at_once", "update_contact", "void"}
    assert all(r.section.startswith("§6") for r in ROUTES.values())
    assert all(r.confidence for r in ROUTES.values() if r.provenance == "inferred")
    request = Routes("https://api.easyink.io/").request("void", id="a b")
    assert str(request.url) == "https://api.easyink.io/api/signingSessions/a%20b/voided"
