"""The fault matrix on the DocuSign fake: every operation, every way an answer can break after the vendor
acted (or before). Counted: lost (made but not reported), duplicated, ambiguous (OutcomeUnknown), untyped.
All four must stay at zero."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stamina

import signport
from signport import State
from signport.fakeserver import Faults, serve
from signport_docusign.fake import ACCOUNT_ID, FakeDocuSign, create_app

from ...samples import envelope

TOKEN = "matrix-token"
KINDS = ["status", "reset", "html", "invalid_json", "empty", "wrong_shape"]


@pytest.fixture(scope="module")
def rig() -> Iterator[tuple[str, FakeDocuSign, httpx.Client]]:
    app = create_app(access_tokens=(TOKEN,))
    with stamina.set_testing(True, attempts=3), serve(Faults(app)) as url, \
            httpx.Client(base_url=url, timeout=10) as control:
        yield url, app.state.fake, control


def _client(url: str) -> signport.Client:
    return signport.connect("docusign", access_token=TOKEN, account_id=ACCOUNT_ID, base_uri=url, oauth_base_url=url,
                            retries=2)


def _arm(control: httpx.Client, method: str, path: str, kind: str, after: bool) -> None:
    control.delete("/_faults").raise_for_status()
    rule: dict[str, Any] = {"method": method, "path": path, "kind": kind, "after": after, "times": 1}
    if kind == "status":
        rule["status"] = 503
    control.post("/_faults", json=rule).raise_for_status()


OPERATIONS = {"send": ("POST", r"/envelopes$"), "send_draft": ("PUT", r"/envelopes/[^/]+$"),
              "void": ("PUT", r"/envelopes/[^/]+$"), "delete_draft": ("PUT", r"/folders/recyclebin$")}


@pytest.mark.parametrize("after", [True, False], ids=["after-commit", "before"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_fault_matrix(rig: tuple[str, FakeDocuSign, httpx.Client], operation: str, kind: str, after: bool) -> None:
    url, fake, control = rig
    subject = f"{operation} {kind} {after}"
    with _client(url) as client:
        prepared = None
        if operation == "send_draft" or operation == "delete_draft":
            prepared = client.create_draft(envelope(client.capabilities, subject=subject))
        elif operation == "void":
            prepared = client.send(envelope(client.capabilities, subject=subject))
        method, path = OPERATIONS[operation]
        _arm(control, method, path, kind, after)
        outcome: Any
        try:
            if operation == "send":
                outcome = client.send(envelope(client.capabilities, subject=subject))
            elif operation == "send_draft":
                outcome = client.send_draft(prepared.id)  # type: ignore[union-attr]
            elif operation == "void":
                outcome = client.void(prepared.id, reason="matrix")  # type: ignore[union-attr]
            else:
                outcome = client.delete_draft(prepared.id)  # type: ignore[union-attr]
        except Exception as exc:  # classified below
            outcome = exc
        control.delete("/_faults").raise_for_status()
        with fake.lock:
            made = [e for e in fake.envelopes.values() if e.subject == subject]
    if isinstance(outcome, Exception) and not isinstance(outcome, signport.SignportError):
        pytest.fail(f"untyped: {outcome!r}")
    if isinstance(outcome, signport.OutcomeUnknown):
        pytest.fail(f"ambiguous: {outcome!r}")
    assert len(made) <= 1, "duplicated"
    if not made:
        assert isinstance(outcome, signport.SignportError), "nothing was made, yet the send reported success"
        return
    [remote] = made
    if operation == "send":
        if isinstance(outcome, signport.Envelope):
            assert outcome.id == remote.envelope_id
        elif isinstance(outcome, signport.PartialFailure):
            assert outcome.envelope_id == remote.envelope_id  # made, and the error names it
        else:
            pytest.fail(f"lost: {remote.envelope_id} exists but {outcome!r} does not name it")
        return
    # A change: the answer says what happened to the envelope.
    happened = {"send_draft": remote.status == "sent", "void": remote.status == "voided",
                "delete_draft": remote.folder == "recyclebin"}[operation]
    if isinstance(outcome, signport.SignportError) and not isinstance(outcome, signport.PartialFailure):
        assert not happened, f"the change happened but {outcome!r} was raised"
    else:
        assert happened, f"{operation} reported success but did not happen"
        if isinstance(outcome, signport.Envelope):
            assert outcome.state in {State.SENT, State.VOIDED}
