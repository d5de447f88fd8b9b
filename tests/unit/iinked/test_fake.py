"""The fake against the reference: documented rules, vendor-shaped errors, and key sets equal to the examples."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from signport.multipart import FilePart, MultipartBody
from signport_iinked.fake import create_app

from ...samples import make_pdf
from .conftest import API_KEY, SEEDS, example

with warnings.catch_warnings():  # starlette suggests another httpx distribution; httpx is what is installed
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

PDF = make_pdf(1)
API = "/api/v1"


@pytest.fixture
def vendor() -> Iterator[TestClient]:
    with TestClient(create_app(api_keys={API_KEY}), headers={"api_key": API_KEY}) as client:
        yield client


def keys(value: Any, path: str = "$") -> set[str]:
    """Every key path in a JSON value (lists contribute their items' keys)."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(f"{path}.{k}")
            out |= keys(v, f"{path}.{k}")
    elif isinstance(value, list):
        for item in value:
            out |= keys(item, f"{path}[]")
    return out


def same_keys(ours: Any, documented: Any) -> None:
    """Equal key sets, comparing nested objects only where both sides have one (``null`` is shapeless)."""
    if isinstance(ours, dict) and isinstance(documented, dict):
        assert set(ours) == set(documented), (sorted(set(ours) ^ set(documented)))
        for key in ours:
            same_keys(ours[key], documented[key])
    elif isinstance(ours, list) and isinstance(documented, list) and ours and documented:
        for item in ours:
            same_keys(item, documented[0])


def upload(vendor: TestClient, name: str = "agreement.pdf", content: bytes = PDF, **params: str) -> Any:
    body = MultipartBody([FilePart(name, "application/pdf", content=content)])
    response = vendor.post(f"{API}/files/upload", params=params, content=b"".join(body),
                           headers=body.headers)
    assert response.status_code == 200, response.text
    return response.json()


def add(vendor: TestClient, *, signers: int = 1, type_: str = "concurrent", state: str = "open",
        **extra: Any) -> str:
    files = [upload(vendor)["fileId"]]
    body = {"name": "My First Signing", "type": type_, "state": state,
            "signers": [{"firstName": "Signer", "lastName": f"N{i}", "email": f"s{i}@example.com"}
                        for i in range(signers)],
            "documents": [{"fileName": "agreement.pdf", "fileId": f} for f in files], **extra}
    response = vendor.post(f"{API}/packages/add", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["packageId"])


def status(vendor: TestClient, package_id: str) -> Any:
    response = vendor.get(f"{API}/packages/{package_id}/status")
    assert response.status_code == 200, response.text
    return response.json()


# --- shapes ---------------------------------------------------------------------------------------
def test_upload_shape(vendor: TestClient) -> None:
    got = upload(vendor, externalId="ref-1")
    same_keys(got, example("files-upload.response.json"))
    assert got["type"] == "temporary"
    assert got["timeCreated"].endswith("Z")
    assert len(got["timeCreated"].split(".")[1]) == 8


def test_upload_understands_rfc5987(vendor: TestClient) -> None:
    assert upload(vendor, name="résumé.pdf")["fileName"] == "résumé.pdf"


def test_upload_refuses_non_pdf_and_nameless(vendor: TestClient) -> None:
    body = MultipartBody([FilePart("a.pdf", "application/pdf", content=b"PK\x03\x04 docx")])
    response = vendor.post(f"{API}/files/upload", content=b"".join(body), headers=body.headers)
    assert response.status_code == 400
    assert response.json()["message"] == "PDF Error: PDF header not found."
    raw = b"--b\r\nContent-Disposition: form-data\r\n\r\n%PDF-1.4\r\n--b--\r\n"
    response = vendor.post(f"{API}/files/upload", content=raw,
                           headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 400
    assert response.json()["error"] == "file_invalid_filename"


def test_status_with_links_matches_the_example(vendor: TestClient) -> None:
    package_id = add(vendor, type_="Sequential", generateSignerLinks=True)
    ours = status(vendor, package_id)
    documented = example("packages-status.response.json")
    # The example's "exernalId" is a documentation typo (§12.1); the schema says externalId.
    documented["documents"][0]["externalId"] = documented["documents"][0].pop("exernalId")
    same_keys(ours, documented)
    assert keys(ours) == keys(documented)
    signer = ours["signers"][0]
    assert signer["signLink"]["type"] == "package_sign"
    assert signer["links"][0]["type"] == "document"
    assert signer["mobileNumber"] == ""


def test_status_without_links_matches_the_placeholder(vendor: TestClient) -> None:
    ours = status(vendor, add(vendor))
    documented = example("packages-status.response.placeholder.json")
    documented["signers"][0]["links"] = []  # links appear only with generateSignerLinks (§5.5)
    same_keys(ours, documented)
    assert ours["signers"][0]["links"] == []
    assert ours["documents"][0]["revisions"][0]["link"] is None


def _seed_package_placeholder() -> Any:
    path = SEEDS / "004_877e225156d64eb9.txt"
    text = path.read_text("utf-8")
    start = text.index('{\n  "packageId": "<string>",\n  "package"')
    value, _ = json.JSONDecoder().raw_decode(text[start:])
    return value


def test_full_package_matches_the_seed_placeholder(vendor: TestClient) -> None:
    package_id = add(vendor, signers=2)
    response = vendor.get(f"{API}/packages/{package_id}")
    assert response.status_code == 200
    documented = _seed_package_placeholder()
    same_keys(response.json(), documented["package"])


def test_update_response_matches_the_seed(vendor: TestClient) -> None:
    package_id = add(vendor, state="draft")
    response = vendor.post(f"{API}/packages/update", json={"packageId": package_id, "returnPackage": True,
                                                           "addSignersToContacts": True})
    documented = _seed_package_placeholder()
    same_keys(response.json(), documented)


def test_sign_link_shape(vendor: TestClient) -> None:
    package_id = add(vendor)
    signer_id = status(vendor, package_id)["signers"][0]["signerId"]
    response = vendor.post(f"{API}/packages/{package_id}/link/sign/{signer_id}")
    same_keys(response.json(), example("links-sign.response.json"))
    same_keys(response.json(), example("links-sign.response.placeholder.json"))
    assert response.json()["type"] == "package_sign"


def test_webhook_shapes(vendor: TestClient) -> None:
    package_id = add(vendor, signers=2, type_="Sequential")
    first = status(vendor, package_id)["signers"][0]["signerId"]
    vendor.post(f"/_control/packages/{package_id}/sign/{first}")
    for action, name in [("document_signed", "webhook.document-signed.payload.json"),
                         ("package_executed", "webhook.package-executed.guide.payload.json")]:
        delivery = vendor.post(f"/_control/packages/{package_id}/webhook", json={"action": action}).json()
        payload = json.loads(delivery["body"])
        same_keys(payload, example(name))
        assert "X-Syngrafii-Signature" in delivery["headers"]
    signed = json.loads(vendor.post(f"/_control/packages/{package_id}/webhook",
                                    json={"action": "document_signed"}).json()["body"])
    assert signed["signerId"] == first
    assert signed["nextSignerId"] == status(vendor, package_id)["signers"][1]["signerId"]


def test_list_shape_and_paging(vendor: TestClient) -> None:
    ids = [add(vendor) for _ in range(5)]
    seen: list[str] = []
    skip = 0
    while True:
        page = vendor.post(f"{API}/packages/list", json={"take": 2, "skip": skip}).json()
        assert set(page) == set(example("templates-list.response.placeholder.json"))  # {items,total,take,skip}
        assert page["total"] == 5
        seen += [i["packageId"] for i in page["items"]]
        skip += len(page["items"])
        if skip >= page["total"]:
            break
    assert seen == list(reversed(ids))  # newest first
    item = vendor.post(f"{API}/packages/list", json={}).json()["items"][0]
    # §5.7 item fields, as listed in the reference.
    assert set(item) == {"packageId", "organizationId", "memberId", "teamId", "folderId", "shared", "timeCreated",
                         "timeLastModified", "timeSignBy", "name", "category", "clientNumber", "matterNumber",
                         "description", "type", "state", "externalData", "documents", "signers", "recipients",
                         "isExecuted", "timeExecuted"}
    assert set(item["documents"][0]) == {"documentId", "externalId", "index", "name", "fileName", "isExecuted",
                                         "timeExecuted"}
    assert set(item["signers"][0]) == {"signerId", "index", "firstName", "lastName", "email", "role", "type",
                                       "verify", "isVerified", "isNext", "isExecuted", "timeExecuted"}
    placeholder = example("packages-list.request.placeholder.json")
    assert vendor.post(f"{API}/packages/list", json=placeholder).status_code == 200


def test_list_filters(vendor: TestClient) -> None:
    draft = add(vendor, state="draft")
    sent = add(vendor)
    by_state = vendor.post(f"{API}/packages/list", json={"states": ["draft"]}).json()
    assert [i["packageId"] for i in by_state["items"]] == [draft]
    executed = vendor.post(f"{API}/packages/list", json=example("packages-list.request.json")).json()
    assert executed["items"] == []
    by_search = vendor.post(f"{API}/packages/list", json={"search": "s0@exam*"}).json()
    assert {i["packageId"] for i in by_search["items"]} == {draft, sent}


# --- rules ----------------------------------------------------------------------------------------
def test_api_key_required() -> None:
    with TestClient(create_app(api_keys={API_KEY}, access_tokens=())) as anonymous:
        for headers in ({}, {"api_key": "wrong"}, {"Authorization": f"Bearer {API_KEY}"}):
            response = anonymous.get(f"{API}/packages/x/status", headers=headers)
            assert response.status_code == 403
            assert set(response.json()) == {"error", "message"}
        assert anonymous.post("/_control/packages/x/expire").status_code == 404  # control needs no key
    with TestClient(create_app(access_tokens={"tok"})) as oauth:
        assert oauth.get(f"{API}/packages/x/status", headers={"Authorization": "Bearer tok"}).status_code == 404


def test_documented_errors_verbatim(vendor: TestClient) -> None:
    response = vendor.post(f"{API}/packages/add", json=example("packages-add.request.placeholder.json"))
    assert response.status_code == 400
    assert response.json() == example("error-400.response.json")
    response = vendor.get(f"{API}/packages/00000000-0000-4000-8000-000000000000/status")
    assert response.status_code == 404
    assert response.json() == example("error-404.response.json")


@pytest.mark.parametrize("wrong", ["sequential", "Concurrent", "live session", "Live_Session", ""])
def test_type_constants_are_case_sensitive(vendor: TestClient, wrong: str) -> None:
    response = vendor.post(f"{API}/packages/add", json={"name": "n", "type": wrong})
    assert response.json()["error"] == "package_invalid_type"


def test_open_needs_documents_and_signers(vendor: TestClient) -> None:
    response = vendor.post(f"{API}/packages/add", json={"name": "n", "type": "Live Session", "state": "open"})
    assert response.json()["error"] == "package_add_no_documents"
    file_id = upload(vendor)["fileId"]
    response = vendor.post(f"{API}/packages/add", json={
        "name": "n", "type": "concurrent", "state": "open", "documents": [{"fileId": file_id}]})
    assert response.json()["error"] == "package_add_no_signers"


def test_documented_add_examples_are_accepted(vendor: TestClient) -> None:
    for name in ("packages-add.request.json", "packages-add.sequential.request.json",
                 "packages-add.signer-links.request.json"):
        body = example(name)
        for doc in body["documents"]:
            doc["fileId"] = upload(vendor)["fileId"]
        body.pop("timeSignBy", None)  # 2025-12-31 may be in the past by now
        response = vendor.post(f"{API}/packages/add", json=body)
        assert response.status_code == 200, response.text
        got = response.json()
        assert set(got) == {"packageId", "package"}
        assert (got["package"] is not None) == bool(body.get("generateSignerLinks"))
        if body.get("generateSignerLinks"):
            assert isinstance(got["package"]["signers"][0]["signLink"], str)  # the guide's string form


def test_file_is_attached_once(vendor: TestClient) -> None:
    file_id = upload(vendor)["fileId"]
    first = {"name": "n", "type": "concurrent", "state": "draft", "documents": [{"fileId": file_id}]}
    assert vendor.post(f"{API}/packages/add", json=first).status_code == 200
    again = vendor.post(f"{API}/packages/add", json=first)
    assert again.status_code == 404
    assert again.json()["error"] == "file_not_found"


def test_base64_documents_and_sources(vendor: TestClient) -> None:
    doc = {"fileName": "b.pdf", "fileBase64": base64.b64encode(PDF).decode()}
    response = vendor.post(f"{API}/packages/add", json={"name": "n", "type": "concurrent", "documents": [doc]})
    assert response.status_code == 200
    two = {"fileBase64": "eA==", "fileUrl": "https://x.example/a.pdf"}
    response = vendor.post(f"{API}/packages/add", json={"name": "n", "type": "concurrent", "documents": [two]})
    assert response.json()["error"] == "document_invalid_source"


def test_state_transitions(vendor: TestClient) -> None:
    draft = add(vendor, state="draft")
    assert status(vendor, draft)["state"] == "draft"
    assert vendor.post(f"{API}/packages/rescind", json={"packageId": draft}).json()["error"] == \
        "package_invalid_state"
    assert vendor.post(f"{API}/packages/send", json={"packageId": draft}).json() == {"packageId": draft}
    assert status(vendor, draft)["state"] == "open"
    assert vendor.post(f"{API}/packages/send", json={"packageId": draft}).status_code == 400
    rescind = example("packages-rescind.request.json") | {"packageId": draft}
    assert vendor.post(f"{API}/packages/rescind", json=rescind).json() == {"packageId": draft}
    full = vendor.get(f"{API}/packages/{draft}").json()
    assert full["state"] == "rescinded"
    assert full["rescindMessage"] == rescind["rescindMessage"]
    assert vendor.post(f"{API}/packages/update", json={"packageId": draft, "name": "x"}).status_code == 400
    deleted = vendor.post(f"{API}/packages/delete", json=example("packages-delete.request.json") |
                          {"packageId": draft})
    assert deleted.json() == {"packageId": draft, "videos": []}
    assert vendor.get(f"{API}/packages/{draft}/status").status_code == 404


def test_update_moves_select_to_draft_unless_told(vendor: TestClient) -> None:
    package_id = add(vendor, state="select")
    vendor.post(f"{API}/packages/update", json={"packageId": package_id, "state": "select", "name": "a"})
    assert status(vendor, package_id)["state"] == "select"
    vendor.post(f"{API}/packages/update", json=example("packages-update.rename.request.json") |
                {"packageId": package_id})
    got = status(vendor, package_id)
    assert got["state"] == "draft"
    assert got["name"] == "Updated Package Name"


def test_update_signers_examples(vendor: TestClient) -> None:
    package_id = add(vendor, state="draft")
    added = example("packages-update.add-signers.request.json") | {"packageId": package_id}
    assert vendor.post(f"{API}/packages/update", json=added).status_code == 200
    signers = status(vendor, package_id)["signers"]
    assert [s["email"] for s in signers] == ["s0@example.com", "add.signer@example.com"]
    assert signers[1]["mobileNumber"] == "+1 555-555-5555"
    delete = example("packages-update.delete-signers.request.json") | {"packageId": package_id}
    assert vendor.post(f"{API}/packages/update", json=delete).json()["error"] == "signer_not_found"
    delete["deleteSigners"] = [{"signerId": signers[0]["signerId"]}]
    assert vendor.post(f"{API}/packages/update", json=delete).status_code == 200
    assert [s["order"] for s in status(vendor, package_id)["signers"]] == [0]


def test_email_change_invalidates_links(vendor: TestClient) -> None:
    package_id = add(vendor, signers=2, generateSignerLinks=True)
    before = status(vendor, package_id)["signers"]
    vendor.post(f"{API}/packages/update", json={"packageId": package_id, "updateSigners": [
        {"signerId": before[0]["signerId"], "email": "new@example.com"}], "generateSignerLinks": False})
    after = status(vendor, package_id)["signers"]
    assert after[0]["email"] == "new@example.com"
    assert after[0]["signLink"]["token"] != before[0]["signLink"]["token"]
    assert after[1]["signLink"]["token"] == before[1]["signLink"]["token"]  # false: no regeneration
    vendor.post(f"{API}/packages/update", json={"packageId": package_id, "name": "renamed"})
    assert status(vendor, package_id)["signers"][1]["signLink"]["token"] != before[1]["signLink"]["token"]


def test_sequential_signing(vendor: TestClient) -> None:
    package_id = add(vendor, signers=3, type_="Sequential")
    one, two, three = (s["signerId"] for s in status(vendor, package_id)["signers"])
    out_of_turn = vendor.post(f"/_control/packages/{package_id}/sign/{two}")
    assert out_of_turn.status_code == 400
    assert out_of_turn.json()["error"] == "signer_not_next"
    for signer in (one, two):
        assert vendor.post(f"/_control/packages/{package_id}/sign/{signer}").status_code == 200
    revisions = status(vendor, package_id)["documents"][0]["revisions"]
    assert [(r["isSigned"], r["isNext"]) for r in revisions] == [(True, False), (True, False), (False, True)]
    assert vendor.post(f"/_control/packages/{package_id}/sign/{three}").json()["state"] == "executed"
    got = status(vendor, package_id)
    assert got["isExecuted"] is True
    assert got["documents"][0]["isExecuted"] is True


def test_concurrent_signing_any_order(vendor: TestClient) -> None:
    package_id = add(vendor, signers=2)
    one, two = (s["signerId"] for s in status(vendor, package_id)["signers"])
    assert all(r["isNext"] for r in status(vendor, package_id)["documents"][0]["revisions"])
    assert vendor.post(f"/_control/packages/{package_id}/sign/{two}").json()["state"] == "open"
    assert vendor.post(f"/_control/packages/{package_id}/sign/{one}").json()["state"] == "executed"


def test_decline_and_expire(vendor: TestClient) -> None:
    package_id = add(vendor, signers=2)
    one = status(vendor, package_id)["signers"][0]["signerId"]
    vendor.post(f"/_control/packages/{package_id}/decline/{one}", json={"reason": "No"})
    full = vendor.get(f"{API}/packages/{package_id}").json()
    assert full["state"] == "open"
    assert full["signers"][0]["declineReason"] == "No"
    assert full["signers"][0]["timeDeclined"]
    other = add(vendor)
    assert vendor.post(f"/_control/packages/{other}/expire").json()["state"] == "expired"
    assert vendor.post(f"{API}/packages/rescind", json={"packageId": other}).status_code == 400


def test_sign_by_passing_expires_the_package() -> None:
    now = [datetime(2030, 1, 1, tzinfo=UTC)]
    with TestClient(create_app(clock=lambda: now[0]), headers={"api_key": "any"}) as vendor:
        package_id = add(vendor, timeSignBy="2030-01-02T00:00:00.1234567Z")
        assert status(vendor, package_id)["timeSignBy"] == "2030-01-02T00:00:00.1234560Z"
        now[0] += timedelta(days=2)
        assert status(vendor, package_id)["state"] == "expired"
        past = vendor.post(f"{API}/packages/add", json={"name": "n", "type": "concurrent",
                                                       "timeSignBy": "2029-01-01T00:00:00Z"})
        assert past.json()["error"] == "package_range_timeSignBy"


def test_executed_download(vendor: TestClient) -> None:
    import io

    import pypdf

    package_id = add(vendor)
    got = status(vendor, package_id)
    document_id = got["documents"][0]["documentId"]
    path = f"{API}/packages/{package_id}/documents/{document_id}/pdf/executed/download"
    assert vendor.get(path).json()["error"] == "document_invalid_state"
    vendor.post(f"/_control/packages/{package_id}/sign/{got['signers'][0]['signerId']}")
    response = vendor.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2  # the original page + the signature page
    assert "Signed by Signer N0" in reader.pages[1].extract_text()
    assert vendor.get(f"{API}/packages/{package_id}/documents/nope/pdf/executed/download").status_code == 404


def test_executed_download_of_a_non_latin1_name(vendor: TestClient) -> None:
    from signport.multipart import disposition_filename

    file_id = upload(vendor, "\u5951\u7d04\u66f8.pdf")["fileId"]
    response = vendor.post(f"{API}/packages/add", json={
        "name": "Keiyaku", "type": "concurrent", "state": "open",
        "signers": [{"firstName": "Signer", "lastName": "One", "email": "s1@example.com"}],
        "documents": [{"fileName": "\u5951\u7d04\u66f8.pdf", "fileId": file_id}]})
    package_id = response.json()["packageId"]
    got = status(vendor, package_id)
    vendor.post(f"/_control/packages/{package_id}/sign/{got['signers'][0]['signerId']}")
    document_id = got["documents"][0]["documentId"]
    download = vendor.get(f"{API}/packages/{package_id}/documents/{document_id}/pdf/executed/download")
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF-")
    assert disposition_filename(download.headers["content-disposition"]) == "\u5951\u7d04\u66f8-executed.pdf"
