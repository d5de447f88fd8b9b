"""Every documented DocuSign example payload parses or maps onto what signport sends and reads."""

from __future__ import annotations

import json

import httpx
import pytest

import signport
from signport import EventKind, State, Verification
from signport_docusign import payloads
from signport_docusign.errors import classify, error_fields, item_errors, map_error
from signport_docusign.provider import DocuSignProvider, _raise_item_errors
from signport_docusign.routes import Routes
from signport_docusign.settings import DocuSignSettings

from .conftest import EXAMPLES, example

ROUTES = Routes("https://demo.docusign.net/restapi", "acct")


def test_every_example_is_covered_here() -> None:
    covered = {"connect-event.schema-sample.payload.json", "documents-get.download-limit.error.json",
               "envelopes-create.email-signing.request.json", "envelopes-create.upload-limit.error.json",
               "envelopes-liststatus.request.json", "envelopes-update.send.request.json",
               "envelopes-update.void.request.json", "folders-recyclebin.request.json",
               "recipients-update.partial-failure.response.json", "views-recipient.request.json"}
    assert {p.name for p in EXAMPLES.glob("*.json")} == covered


def test_connect_schema_sample_parses_as_an_event_and_its_summary_as_an_envelope() -> None:
    raw = (EXAMPLES / "connect-event.schema-sample.payload.json").read_bytes()
    provider = DocuSignProvider(DocuSignSettings(access_token="t"))
    event = provider.parse_webhook({}, raw)
    assert event.kind is EventKind.UNKNOWN  # the sample's event is ""
    assert event.envelope_id == "sample string"
    assert event.signer_id is None  # "" reads as no signer
    assert event.verification is Verification.NOT_CONFIGURED
    summary = json.loads(raw)["data"]["envelopeSummary"]
    envelope = payloads.parse_envelope(summary)
    assert envelope.state is State.UNKNOWN
    assert envelope.native_state == "sample string 2"
    assert envelope.signers
    assert envelope.raw == summary


def test_email_signing_request_reads_back_as_an_envelope() -> None:
    body = example("envelopes-create.email-signing.request.json")
    envelope = payloads.parse_envelope(body)
    assert envelope.subject == "Please sign this document set"
    assert [s.id for s in envelope.signers] == ["1"]
    assert [d.id for d in envelope.documents] == []  # a create body carries documents, not envelopeDocuments
    assert [d["documentId"] for d in body["documents"]] == ["1", "2", "3"]
    # What signport sends uses the same keys for documents and signers.
    sent = payloads.signer_body(signport.Signer(first_name="A", last_name="B", email="a@example.com"), "1", 1,
                                embedded=False)
    assert {"email", "name", "recipientId", "routingOrder"} <= set(sent)
    assert set(body["recipients"]["signers"][0]) - {"tabs"} <= set(sent)


@pytest.mark.parametrize("name", ["documents-get.download-limit.error.json",
                                  "envelopes-create.upload-limit.error.json"])
def test_limit_error_bodies_map_to_rate_limited(name: str) -> None:
    body = example(name)
    error = map_error(httpx.Response(400, json=body))
    assert isinstance(error, signport.RateLimited)
    assert error.code == body["errorCode"]
    assert error.raw == body
    assert error.provider == "docusign"


def test_send_and_void_bodies_are_the_documented_ones() -> None:
    assert example("envelopes-update.send.request.json") == {"status": "sent"}
    request = ROUTES.update("e1", {"status": "voided", "voidedReason": "The reason for voiding the envelope"})
    assert json.loads(request.content) == example("envelopes-update.void.request.json")
    assert request.method == "PUT"


def test_recycle_bin_body_is_the_documented_one() -> None:
    request = ROUTES.recycle("${envelope_id}")
    assert json.loads(request.content) == example("folders-recyclebin.request.json")
    assert request.url.path.endswith("/folders/recyclebin")
    # The batch status body names envelopes with the same key.
    assert set(example("envelopes-liststatus.request.json")) == set(json.loads(request.content))


def test_partial_failure_answer_raises_invalid_state() -> None:
    body = example("recipients-update.partial-failure.response.json")
    assert item_errors(body, "recipientUpdateResults") == [
        ("999", "RECIPIENT_UPDATE_FAILED", body["recipientUpdateResults"][0]["errorDetails"]["message"])]
    with pytest.raises(signport.InvalidState) as info:
        _raise_item_errors(body, "recipientUpdateResults")
    assert info.value.code == "RECIPIENT_UPDATE_FAILED"
    assert info.value.status == 200


def test_recipient_view_request_keys_and_a_numeric_client_user_id() -> None:
    body = example("views-recipient.request.json")
    assert payloads.text(body["clientUserId"]) == "1000"  # a number in the example, a string elsewhere (§3)
    assert {"returnUrl", "authenticationMethod", "email", "userName", "clientUserId"} == set(body)


@pytest.mark.parametrize(("code", "kind"), [
    ("ENVELOPE_DOES_NOT_EXIST", signport.NotFound),
    ("envelope_does_not_exist", signport.NotFound),
    ("HOURLY_APIINVOCATION_LIMIT_EXCEEDED", signport.RateLimited),
    ("Hourly_Envelope_Polling_Limit_Exceeded", signport.RateLimited),
    ("ENVELOPE_INVALID_STATUS", signport.InvalidState),
    ("ENVELOPE_CANNOT_VOID_INVALID_STATE", signport.InvalidState),
    ("AUTHORIZATION_INVALID_TOKEN", signport.AuthError),
    ("USER_LACKS_PERMISSIONS", signport.AuthError),
    ("INVALID_EMAIL_ADDRESS_FOR_RECIPIENT", signport.ValidationError),
    ("SOMETHING_NEW", signport.ValidationError),
])
def test_error_codes_classify_before_status(code: str, kind: type[signport.SignportError]) -> None:
    error = classify(code, "text", status=400, raw={"errorCode": code})
    assert type(error) is kind
    assert error.code == code


def test_bodies_without_details_fall_back_to_the_status() -> None:
    assert isinstance(map_error(httpx.Response(404)), signport.NotFound)
    assert isinstance(map_error(httpx.Response(401, text="<html>no</html>")), signport.AuthError)
    assert isinstance(map_error(httpx.Response(429)), signport.RateLimited)
    assert isinstance(map_error(httpx.Response(444)), signport.RateLimited)
    server = map_error(httpx.Response(503))
    assert type(server) is signport.ProviderError
    assert error_fields(["not", "a", "map"]) == (None, None)
