"""Every documented example through the pure parsers, with the mapped values asserted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import signport
from signport import DocumentKind, EventKind, SignerState, SigningOrder, State, Verification
from signport.errors import NotFound, ValidationError
from signport_iinked import payloads
from signport_iinked.errors import map_error
from signport_iinked.provider import IinkedProvider
from signport_iinked.states import PACKAGE_STATES, native_filter

from .conftest import EXAMPLES, example, reply

STATUS_ID = "7a17e4e7-bc32-4256-bf81-27eac794c2b7"


def test_status_example(provider: IinkedProvider) -> None:
    env = provider.parse_envelope(example("packages-status.response.json"))
    assert env.id == STATUS_ID
    assert env.provider == "iinked"
    assert env.subject == "My First Signing"
    assert env.state is State.SENT
    assert env.native_state == "open"
    assert env.order is SigningOrder.SEQUENTIAL
    assert env.sign_by == datetime(2022, 3, 2, 20, 8, 41, tzinfo=UTC)
    (doc,) = env.documents
    assert doc.id == "ad8eac67-94e9-481b-a799-7396b447b8eb"
    assert doc.name == "agreement.pdf"  # "name" is null, fileName is used
    assert doc.key is None  # the vendor typo "exernalId": null
    (signer,) = env.signers
    assert signer.id == "229c1a3b-c9d3-4546-bcf5-44cb8ea3bd1c"
    assert (signer.first_name, signer.last_name, signer.email) == ("Signer", "One", "signer.one@example.com")
    assert signer.phone is None  # "mobileNumber": ""
    assert signer.state is SignerState.NEXT  # revision isNext, not signed
    assert signer.order == 0
    assert signer.signing_url == "https://localhost/tws/link/MnWkMecgfNjfFZsye1YJmg"  # signLink object
    assert env.raw["packageId"] == STATUS_ID


def test_guide_status_example_is_completed() -> None:
    env = payloads.parse_envelope(example("packages-status.guide-sign.response.json"))
    assert env.id == "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    assert env.state is State.COMPLETED
    assert env.native_state == "executed"
    assert env.order is SigningOrder.PARALLEL  # "concurrent"
    assert [d.id for d in env.documents] == ["f3223ba8-ed0e-44eb-bee3-e99b03ff1b1f"]
    (signer,) = env.signers
    assert signer.id == "30d4193b-81d6-463e-a861-4e272c324991"
    assert signer.state is SignerState.SIGNED
    assert signer.signing_url is None
    assert env.sign_by is None


def test_status_placeholder_is_tolerated() -> None:
    env = payloads.parse_envelope(example("packages-status.response.placeholder.json"))
    assert env.state is State.UNKNOWN
    assert env.native_state == "<string>"
    assert env.sign_by is None  # "<string>" is not a timestamp
    assert env.order is SigningOrder.PARALLEL
    assert env.documents[0].key == "<string>"  # externalId spelt right here
    assert env.signers[0].state is SignerState.SIGNED  # its revision says isSigned: true


def test_data_placeholder_parses_as_a_package() -> None:
    env = payloads.parse_envelope(example("packages-data.response.placeholder.json"))
    assert env.state is State.UNKNOWN
    assert env.native_state == "<string>"
    assert [d.id for d in env.documents] == ["<string>"]


def test_add_response_fragment_with_only_a_package() -> None:
    env = payloads.parse_envelope(example("packages-add.edit-link.response-fragment.json"))
    assert env.id is None
    assert env.state is State.UNKNOWN
    assert env.signers == ()


def test_document_signed_webhook(provider: IinkedProvider) -> None:
    body = (EXAMPLES / "webhook.document-signed.payload.json").read_bytes()
    event = provider.parse_webhook({"Content-Type": "application/json"}, body)
    assert event.kind is EventKind.DOCUMENT_SIGNED
    assert event.native_kind == "document_signed"
    assert event.envelope_id == "24428e41-8b96-40cc-96e6-b74c7c539fcb"
    assert event.document_id == "73f34799-c3a2-49e3-aa5f-33b0c2c1f111"
    assert event.signer_id == "d5397c13-5dcf-4574-b94b-5addf95c91df"
    assert event.id == "f3a27f18-b892-4c4d-8ffa-81f2f459017f"
    assert event.occurred_at == datetime(2022, 2, 23, 20, 19, 56, 820874, tzinfo=UTC)  # 7 digits in
    assert event.verification is Verification.NOT_CONFIGURED
    assert not event.verified
    assert event.raw["nextSignerId"] == "f700fdfa-b493-467e-b30d-7eb17e2bb769"


def test_package_executed_webhook(provider: IinkedProvider) -> None:
    body = (EXAMPLES / "webhook.package-executed.guide.payload.json").read_text("utf-8")
    event = provider.parse_webhook({}, body)
    assert event.kind is EventKind.ENVELOPE_COMPLETED
    assert event.envelope_id == "24428e41-8b96-40cc-96e6-b74c7c539fcb"
    assert event.id == "0ea12600-85bc-46dd-af85-f82f621c1abc"
    assert event.signer_id is None
    assert event.occurred_at == datetime(2022, 2, 23, 20, 20, 15, 971432, tzinfo=UTC)


@pytest.mark.parametrize(("action", "kind"), [
    ("package_add", EventKind.ENVELOPE_CREATED), ("package_executed", EventKind.ENVELOPE_COMPLETED),
    ("document_signed", EventKind.DOCUMENT_SIGNED), ("document_executed", EventKind.DOCUMENT_COMPLETED),
    ("package_rescinded", EventKind.UNKNOWN), ("", EventKind.UNKNOWN),
])
def test_webhook_actions(provider: IinkedProvider, action: str, kind: EventKind) -> None:
    event = provider.parse_webhook({}, b'{"action": "%s", "packageId": "p1", "eventId": null}' % action.encode())
    assert event.kind is kind
    assert event.native_kind == (action or None)
    assert event.envelope_id == "p1"
    assert event.id is None


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_webhook_garbage_is_a_validation_error(provider: IinkedProvider, body: bytes) -> None:
    with pytest.raises(signport.ValidationError):
        provider.parse_webhook({}, body)


def test_link_examples() -> None:
    assert payloads.link_from_response(example("links-sign.response.json")) == \
        "https://sign.syngrafii.com/link/6iC4sCyjRaMTm2FcMjwIVA"
    assert payloads.link_from_response(example("links-edit.response.json")) == \
        "https://sign.syngrafii.com/link/6iC4sCyjRaMTm2FcMjwIVA"
    assert payloads.link_from_response(example("links-sign.response.placeholder.json")) == "<string>"
    with pytest.raises(signport.ProviderError):
        payloads.link_from_response({"name": "x"})


def test_upload_example_and_list_shapes() -> None:
    assert payloads.uploaded_file_ids(example("files-upload.response.json")) == \
        ["51400d7a-4f34-4844-9138-46a365130f97"]
    assert payloads.uploaded_file_ids([{"fileId": "a"}, {"fileId": "b"}]) == ["a", "b"]
    assert payloads.uploaded_file_ids({"files": [{"fileId": "a"}]}) == ["a"]  # wrapper name undocumented
    assert payloads.uploaded_file_ids({"items": []}) == []
    assert payloads.uploaded_file_ids(None) == []


def test_list_response_shape_from_templates_placeholder() -> None:
    # packages/list answers {items, total, take, skip} like templates/list (§5.7).
    items, skip, total = payloads.list_page(example("templates-list.response.placeholder.json"))
    assert (len(items), skip, total) == (1, 123, 123)


def test_error_examples() -> None:
    bad = map_error(reply(400, example("error-400.response.json")))
    assert isinstance(bad, ValidationError)
    assert bad.code == "package_invalid_type"
    assert bad.vendor_message == "Valid Package 'type' is required."
    assert bad.path == "order"
    assert bad.status == 400
    assert bad.provider == "iinked"
    missing = map_error(reply(404, example("error-404.response.json")))
    assert isinstance(missing, NotFound)
    assert missing.code == "package_not_found"
    assert "not found" in str(missing)


# --- quirks and mapping rules ---------------------------------------------------------------------
def _status(state: str = "open", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "packageId": "p", "name": "N", "type": "concurrent", "state": state, "isExecuted": False,
        "documents": [{"documentId": "d1", "fileName": "a.pdf", "order": 0, "revisions": [
            {"signerId": "s1", "isSigned": False, "isNext": True},
            {"signerId": "s2", "isSigned": False, "isNext": True}]}],
        "signers": [{"signerId": "s2", "firstName": "B", "lastName": "Two", "order": 1},
                    {"signerId": "s1", "firstName": "A", "lastName": "One", "order": 0}],
    }
    body.update(extra)
    return body


def test_signers_sorted_by_order() -> None:
    env = payloads.parse_envelope(_status())
    assert [s.id for s in env.signers] == ["s1", "s2"]
    assert [s.state for s in env.signers] == [SignerState.NEXT, SignerState.NEXT]


def test_open_with_a_signature_is_in_progress() -> None:
    data = _status()
    data["documents"][0]["revisions"][0].update(isSigned=True, isNext=False)
    env = payloads.parse_envelope(data)
    assert env.state is State.IN_PROGRESS
    assert [s.state for s in env.signers] == [SignerState.SIGNED, SignerState.NEXT]


def test_open_but_executed_flag_is_completed() -> None:
    # Before 4.0 an executed package still read "open" (§4.2); isExecuted is the second signal.
    assert payloads.parse_envelope(_status(isExecuted=True)).state is State.COMPLETED


def test_declined_signer_makes_the_envelope_declined() -> None:
    package = {"packageId": "p", "state": "open", "message": "Hi", "rescindMessage": None,
               "timeCreated": "2024-01-01T00:00:00.1234567Z",
               "signers": [{"signerId": "s1", "index": 0, "timeDeclined": "2024-01-02T03:04:05.9999999Z",
                            "declineReason": "Wrong name", "locale": "fr"},
                           {"signerId": "s2", "index": 1}]}
    env = payloads.parse_envelope({"status": _status(), "package": package})
    assert env.state is State.DECLINED
    first, second = env.signers
    assert first.state is SignerState.DECLINED
    assert first.decline_reason == "Wrong name"
    assert first.declined_at == datetime(2024, 1, 2, 3, 4, 5, 999999, tzinfo=UTC)
    assert first.language == "fr"
    assert second.state is SignerState.NEXT
    assert env.message == "Hi"
    assert env.created_at == datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)


def test_unknown_state_keeps_native() -> None:
    env = payloads.parse_envelope(_status("archived_v5"))
    assert env.state is State.UNKNOWN
    assert env.native_state == "archived_v5"
    assert all(s.state is SignerState.PENDING for s in env.signers)


@pytest.mark.parametrize(("native", "state"), sorted(PACKAGE_STATES.items()))
def test_state_table(native: str, state: State) -> None:
    assert payloads.parse_envelope(_status(native)).state is state


def test_rescinded_package_carries_the_reason() -> None:
    env = payloads.parse_envelope({"status": _status("rescinded"),
                                   "package": {"state": "rescinded", "rescindMessage": "Terms changed"}})
    assert env.state is State.VOIDED
    assert env.void_reason == "Terms changed"


def test_sign_link_as_a_string_and_timestamps_with_any_precision() -> None:
    data = _status(timeSignBy="2030-01-01T00:00:00Z")
    data["signers"][1]["signLink"] = "https://sign.syngrafii.com/link/abc"
    data["signers"][0]["signLink"] = None
    env = payloads.parse_envelope(data)
    assert env.signer("s1").signing_url == "https://sign.syngrafii.com/link/abc"
    assert env.signer("s2").signing_url is None
    for text, micro in [("2030-01-01T00:00:00.1Z", 100000), ("2030-01-01T00:00:00.1234567Z", 123456)]:
        assert payloads.parse_envelope(_status(timeSignBy=text)).sign_by == datetime(
            2030, 1, 1, microsecond=micro, tzinfo=UTC)


def test_nulls_anywhere() -> None:
    nulls = {"packageId": None, "name": None, "type": None, "state": None, "timeSignBy": None,
             "externalData": None, "isExecuted": None, "documents": None, "signers": None}
    env = payloads.parse_envelope(nulls)
    assert env.state is State.UNKNOWN
    assert env.subject == ""
    assert env.documents == ()
    assert env.signers == ()
    weird = {"state": "open", "documents": [None, 3, {"documentId": None, "revisions": [None]}],
             "signers": [None, {"signerId": None, "firstName": None, "mobileNumber": None, "links": None,
                                "signLink": {"link": None}}]}
    env = payloads.parse_envelope(weird)
    assert len(env.documents) == 1
    assert env.documents[0].id is None
    assert len(env.signers) == 1
    assert env.signers[0].phone is None
    assert env.signers[0].signing_url is None
    assert payloads.parse_envelope("not a mapping").state is State.UNKNOWN  # type: ignore[arg-type]


def test_list_item() -> None:
    item = {"packageId": "p", "name": "L", "type": "Sequential", "state": "open",
            "timeCreated": "2024-05-01T10:00:00Z", "timeExecuted": None, "isExecuted": False,
            "documents": [{"documentId": "d", "externalId": "contract-7", "index": 0, "fileName": "x.pdf"}],
            "signers": [{"signerId": "a", "index": 0, "isNext": False, "isExecuted": True,
                         "timeExecuted": "2024-05-02T10:00:00.5Z"},
                        {"signerId": "b", "index": 1, "isNext": True, "isExecuted": False}]}
    env = payloads.parse_envelope(item)
    assert env.state is State.IN_PROGRESS
    assert env.order is SigningOrder.SEQUENTIAL
    assert env.documents[0].key == "contract-7"
    assert [s.state for s in env.signers] == [SignerState.SIGNED, SignerState.NEXT]
    assert env.signers[0].signed_at == datetime(2024, 5, 2, 10, 0, 0, 500000, tzinfo=UTC)
    assert env.created_at == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_round_trip_of_raw() -> None:
    combined = {"status": _status(), "package": {"state": "open", "message": "m"}}
    env = payloads.parse_envelope(combined)
    assert payloads.parse_envelope(env.raw) == env


def test_native_filter() -> None:
    assert native_filter(None) is None
    assert native_filter({State.SENT, State.IN_PROGRESS}) == ["open"]
    assert native_filter({State.DRAFT}) == ["draft", "select", "add"]
    assert native_filter({State.VOIDED, State.COMPLETED}) == ["executed", "rescinded"]


def test_capabilities_are_honest() -> None:
    caps = IinkedProvider.capabilities
    assert caps.field_types == frozenset()
    assert caps.download_kinds == frozenset({DocumentKind.EXECUTED})
    assert State.DECLINED not in caps.list_filters
    assert not caps.sms_delivery
    assert not caps.duplicate
    assert caps.signing_urls
    assert caps.webhooks
    assert caps.sequential_order
    assert caps.parallel_order


def test_misspelt_external_id_is_read() -> None:
    data = example("packages-status.response.json")
    data["documents"][0]["exernalId"] = "contract-42"  # §12.1: the status example's spelling
    assert payloads.parse_envelope(data).documents[0].key == "contract-42"
