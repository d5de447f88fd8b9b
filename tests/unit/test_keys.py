"""Signer and document keys survive a create on providers that cannot store them."""

from __future__ import annotations

import attrs

from signport import Document, Envelope, Signer
from signport.client import restore_keys

GIVEN = Envelope(subject="s", documents=[Document(name="a.pdf", key="main"), Document(name="b.pdf")],
                 signers=[Signer("Ann", "Lee", email="Ann@Example.com", key="ann"),
                          Signer("Bob", "Ray", email="bob@example.com", key="bob")])


def created(*signers: Signer, documents: tuple[Document, ...] = ()) -> Envelope:
    return Envelope(subject="s", signers=signers, documents=documents, id="e1")


def test_keys_matched_by_email_even_when_reordered() -> None:
    out = restore_keys(created(Signer("Bob", "Ray", email="bob@example.com", id="2"),
                               Signer("Ann", "Lee", email="ann@example.com", id="1")), GIVEN)
    assert [(s.id, s.key) for s in out.signers] == [("2", "bob"), ("1", "ann")]


def test_keys_by_position_when_the_vendor_changed_the_contact() -> None:
    out = restore_keys(created(Signer("Ann", "Lee", email=None, id="1"),
                               Signer("Bob", "Ray", email=None, id="2"),
                               documents=(Document(name="a", id="d1"), Document(name="b", id="d2"))), GIVEN)
    assert [s.key for s in out.signers] == ["ann", "bob"]
    assert [d.key for d in out.documents] == ["main", None]


def test_no_guess_when_counts_differ_and_nothing_matches() -> None:
    out = restore_keys(created(Signer("Cy", "Ng", email="cy@example.com", id="3")), GIVEN)
    assert out.signers[0].key is None


def test_a_key_the_provider_kept_is_left_alone() -> None:
    kept = Signer("Ann", "Lee", email="ann@example.com", key="stored", id="1")
    out = restore_keys(created(kept, Signer("Bob", "Ray", email="bob@example.com", id="2")), GIVEN)
    assert [s.key for s in out.signers] == ["stored", "bob"]


def test_nothing_to_do_without_keys() -> None:
    plain = attrs.evolve(GIVEN, signers=[attrs.evolve(s, key=None) for s in GIVEN.signers],
                         documents=[attrs.evolve(d, key=None) for d in GIVEN.documents])
    result = created(Signer("Ann", "Lee", email="ann@example.com", id="1"))
    assert restore_keys(result, plain) is result
