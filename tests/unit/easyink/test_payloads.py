"""Every documented example through the pure mappers: parse_envelope, the error mapper, the request bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

import signport
from signport import Delivery, Field, FieldType, Placement, SignerState, SigningOrder, State
from signport_easyink import payloads
from signport_easyink.errors import is_processing, map_error, parse_api_error
from signport_easyink.provider import EasyInkProvider
from signport_easyink.settings import EasyInkSettings

from .conftest import EXAMPLES, example


@pytest.fixture
def provider() -> EasyInkProvider:
    return EasyInkProvider(EasyInkSettings())


def test_session_view_example(provider: EasyInkProvider) -> None:
    env = provider.parse_envelope(example("session-get.response.json"))
    assert env.provider == "easyink"
    assert env.id == "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert env.subject == "Employment Agreement - December 2024"
    assert env.state is State.COMPLETED
    assert env.native_state == "Finished"
    assert [d.id for d in env.documents] == ["7c9e6679-7425-40de-944b-e07fc1f90ae7"]
    assert env.documents[0].name == "Employment Contract.pdf"
    (john,) = env.signers
    assert john.id == "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
    assert (john.first_name, john.last_name, john.email) == ("John", "Smith", "john.smith@example.com")
    assert john.state is SignerState.SIGNED
    assert john.native_state == "Signed"
    assert john.signed_at == datetime(2024, 12, 17, 14, 30, tzinfo=UTC)
    assert env.completed_at == john.signed_at
    assert env.raw["canBeVoided"] is True


def test_draft_view_example(provider: EasyInkProvider) -> None:
    env = provider.parse_envelope(example("draft-get.response.json"))
    assert env.id == "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert env.state is State.DRAFT
    assert env.native_state == "Draft"
    assert env.subject == "Employment Agreement - John Smith"
    assert env.order is SigningOrder.PARALLEL
    assert [(d.id, d.name) for d in env.documents] == [("2b3c4d5e-6f7a-8b9c-0d1e-2f3a4b5c6d7e",
                                                         "Employment Contract")]
    (john,) = env.signers
    assert john.id == "4d5e6f7a-8b9c-0d1e-2f3a-4b5c6d7e8f9a"
    assert john.language == "en"
    assert john.delivery == frozenset()  # the draft view carries no deliveryMethods: unknown, not guessed
    assert john.state is SignerState.PENDING
    assert env.fields == ()


def test_search_items_example(provider: EasyInkProvider) -> None:
    page = example("session-search.response.json")
    first, second = (provider.parse_envelope(item) for item in page["items"])
    assert (first.id, first.subject, first.state, first.native_state) == (
        "3fa85f64-5717-4562-b3fc-2c963f66afa6", "Employment Agreement", State.IN_PROGRESS, "InProgress")
    assert first.created_at == datetime(2024, 12, 17, 10, 0, tzinfo=UTC)
    assert (second.state, second.native_state) == (State.COMPLETED, "Finished")
    assert first.signers == ()


@pytest.mark.parametrize(("native", "state"), [
    ("Draft", State.DRAFT), ("ReadyToStart", State.READY), ("Pending", State.SENT),
    ("InProgress", State.IN_PROGRESS), ("Finished", State.COMPLETED), ("Declined", State.DECLINED),
    ("Voided", State.VOIDED), ("Expired", State.EXPIRED), ("Archived", State.UNKNOWN), ("", State.UNKNOWN)])
def test_state_table(provider: EasyInkProvider, native: str, state: State) -> None:
    payload = dict(example("session-get.response.json"), status=native)
    env = provider.parse_envelope(payload)
    assert env.state is state
    assert env.native_state == (native or None)


def test_unknown_participant_status_is_unknown(provider: EasyInkProvider) -> None:
    payload = example("session-get.response.json")
    payload["participants"][0]["status"] = "Teleported"
    signer = provider.parse_envelope(payload).signers[0]
    assert signer.state is SignerState.UNKNOWN
    assert signer.native_state == "Teleported"


def _live(statuses: list[str]) -> dict[str, Any]:
    payload = example("session-get.response.json")
    template = payload["participants"][0]
    payload["participants"] = [dict(template, participantId=f"p{i}", status=s, signedAt=None)
                               for i, s in enumerate(statuses)]
    payload["status"] = "InProgress"
    return payload


def test_next_is_derived_from_the_one_by_one_order() -> None:
    env = payloads.parse_session(_live(["Signed", "Pending", "Pending"]), order=["p0", "p1", "p2"])
    assert [s.state for s in env.signers] == [SignerState.SIGNED, SignerState.NEXT, SignerState.PENDING]
    assert [s.order for s in env.signers] == [1, 2, 3]
    assert env.order is SigningOrder.SEQUENTIAL
    reordered = payloads.parse_session(_live(["Pending", "Pending", "Pending"]), order=["p2", "p0", "p1"])
    assert [s.state for s in reordered.signers] == [SignerState.PENDING, SignerState.PENDING, SignerState.NEXT]


def test_no_next_without_an_order_or_when_not_live() -> None:
    parallel = payloads.parse_session(_live(["Pending", "Pending"]))
    assert {s.state for s in parallel.signers} == {SignerState.PENDING}
    declined = _live(["Declined", "Pending"])
    declined["status"] = "Declined"
    env = payloads.parse_session(declined, order=["p0", "p1"])
    assert [s.state for s in env.signers] == [SignerState.DECLINED, SignerState.PENDING]


def test_unrecognised_payload_is_a_provider_error(provider: EasyInkProvider) -> None:
    with pytest.raises(signport.ProviderError):
        provider.parse_envelope({"hello": "world"})


def test_bare_string_ids() -> None:
    for name in ("draft-create.response.json", "participant-add.response.json",
                 "signature-field-add.response.json"):
        assert payloads.parse_id(example(name), "x") == example(name)
    with pytest.raises(signport.ProviderError):
        payloads.parse_id(example("signature-field-remove.response.json"), "x")


def test_participant_body_matches_the_documented_request() -> None:
    signer = signport.Signer(first_name="John", last_name="Smith", email="john.smith@example.com")
    assert payloads.participant_body(signer) == example("participant-add.request.json")
    both = signport.Signer(first_name="A", last_name="B", email="a@example.com", phone="2025559999",
                           delivery={Delivery.EMAIL, Delivery.SMS}, language="es")
    body = payloads.participant_body(both)
    assert body["deliveryMethods"] == ["Email", "Sms"]
    assert body["language"] == "Spanish"
    with pytest.raises(signport.ValidationError) as info:
        payloads.participant_body(signport.Signer(first_name="A", last_name="B", email="a@example.com",
                                                  language="fr"), "signers[0]")
    assert info.value.path == "signers[0].language"


def test_contact_body_matches_the_documented_requests() -> None:
    assert payloads.contact_body("participant@newcompany.com", None, frozenset({Delivery.EMAIL})) == example(
        "session-participant-update.request.json")
    assert payloads.contact_body("participant@example.com", "2025559999",
                                 frozenset({Delivery.EMAIL, Delivery.SMS})) == example(
        "session-participant-update.request.email-sms.json")


def test_field_body_keeps_points_bottom_left() -> None:
    field = Field(type=FieldType.SIGNATURE, signer=0, placement=Placement(page=1, x=395, y=792, width=200,
                                                                          height=50))
    body = payloads.field_body(field, "p", "d")
    assert body["field"]["placement"] == example("signature-field-placement-update.request.json")
    assert body["field"]["options"] == {"isRequired": True, "forType": "Signature"}
    assert (body["participantId"], body["documentId"], body["field"]["type"]) == ("p", "d", "Signature")


def test_draft_with_fields_and_order_round_trips() -> None:
    payload = example("draft-get.response.json")
    pid = payload["participants"][0]["id"]
    did = payload["documents"][0]["id"]
    field = Field(type=FieldType.SIGNATURE, signer=0, placement=Placement(page=2, x=1, y=2, width=3, height=4))
    payload["signatureFields"] = [dict(payloads.field_body(field, pid, did), id="f1"),
                                  {"id": "f2", "participantId": pid, "documentId": did,
                                   "field": {"type": "Date", "placement": {}}}]
    payload["signingOrderSettings"] = {"type": "OneByOne", "participantsOrder": [pid]}
    env = payloads.parse_draft(payload)
    assert env.order is SigningOrder.SEQUENTIAL
    assert env.signers[0].order == 1
    (parsed,) = env.fields  # the undocumented "Date" type is skipped, not guessed
    assert (parsed.id, parsed.signer, parsed.document, parsed.placement) == ("f1", pid, did, field.placement)


# --- errors ------------------------------------------------------------------------------------------------
def _response(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("GET", "https://api-staging.easyink.io/x"))


ERROR_EXAMPLES = [
    ("all-in-one-download.error.json", 400, signport.InvalidState),
    ("draft-delete.error.json", 400, signport.InvalidState),
    ("draft-document-download.error.json", 400, signport.ProviderError),
    ("draft-head.error.json", 400, signport.ValidationError),
    ("draft-update.error.json", 400, signport.ValidationError),
    ("error-validation.json", 400, signport.ValidationError),
    ("participant-remove.error.json", 400, signport.ValidationError),
    ("session-attachment-download.error.json", 400, signport.NotFound),
    ("session-document-download.error.json", 400, signport.NotFound),
    ("session-head.error.json", 400, signport.ValidationError),
    ("session-start.error.json", 400, signport.ValidationError),
    ("session-void.error.json", 400, signport.ValidationError),
    ("signature-field-options-update.error.json", 400, signport.ValidationError),
    ("signed-document-download.error.json", 400, signport.InvalidState),
    ("signing-order-all-at-once.error.json", 404, signport.NotFound),
]


@pytest.mark.parametrize(("name", "status", "kind"), ERROR_EXAMPLES)
def test_every_error_example_maps(name: str, status: int, kind: type[signport.SignportError]) -> None:
    body = example(name)
    error = map_error(_response(status, body))
    assert type(error) is kind
    assert error.provider == "easyink"
    assert error.status == status
    assert error.code == body["error"]["code"]
    assert error.vendor_message == body["error"]["message"]
    assert error.raw == body
    assert body["error"]["message"] in error.message


def test_every_error_example_is_covered() -> None:
    names = {p.name for p in EXAMPLES.glob("*.json") if "error" in p.name}
    covered = {name for name, _, _ in ERROR_EXAMPLES}
    assert names == covered


def test_inner_errors_name_the_field() -> None:
    error = map_error(_response(400, example("draft-head.error.json")))
    assert isinstance(error, signport.ValidationError)
    assert error.path == "email"
    assert error.errors == [("email", "The 'email' field is required")]
    assert "The 'email' field is required" in error.message


def test_void_reason_wording_drift_maps_the_same() -> None:
    for message in ("Voiding reason is required", "A reason for voiding is required."):
        error = map_error(_response(400, {"error": {"code": "ValidationError", "message": message}}))
        assert isinstance(error, signport.ValidationError)
        assert error.path == "reason"


@pytest.mark.parametrize(("code", "status", "kind"), [
    ("Unauthorized", 401, signport.AuthError), ("Forbidden", 403, signport.AuthError),
    ("InternalServerError", 500, signport.ProviderError), ("NotFound", 404, signport.NotFound),
    (None, 429, signport.RateLimited), (None, 401, signport.AuthError), (None, 502, signport.ProviderError),
])
def test_codes_and_statuses(code: str | None, status: int, kind: type[signport.SignportError]) -> None:
    body = {"error": {"code": code, "message": "x"}} if code else None
    response = httpx.Response(status, json=body) if body else httpx.Response(status)
    response.request = httpx.Request("GET", "https://api.easyink.io/x")
    error = map_error(response)
    assert type(error) is kind
    if kind is signport.AuthError and status == 401:
        assert "signport auth easyink" in error.message


def test_link_used_is_invalid_state() -> None:
    message = "Delivery method can't be changed because the participant has already used the signing link"
    assert isinstance(map_error(_response(400, {"error": {"code": "ValidationError", "message": message}})),
                      signport.InvalidState)


def test_processing_is_recognised_for_retry() -> None:
    assert is_processing(_response(400, example("draft-document-download.error.json")))
    assert not is_processing(_response(400, example("draft-delete.error.json")))
    assert parse_api_error("junk").code is None


@pytest.mark.parametrize("message", ["Blob 'a1' not found", "Signing session draft is locked and cannot be removed",
                                     "Document processing is in progress. Try again later."])
def test_a_server_failure_stays_a_provider_error_whatever_it_says(message: str) -> None:
    # Quirks 1 and 2 (§4) are ValidationError bodies; a 500 is the vendor's failure, not the caller's.
    response = _response(500, {"error": {"code": "InternalServerError", "message": message}})
    error = map_error(response)
    assert type(error) is signport.ProviderError
    assert error.vendor_message == message
    assert not is_processing(response)
