"""The parsers' constructors (``signport.assembly``) build what the model's classes build.

The assemblers store values as given, so a parser that handed one a list, an enum's value or a
string for a time would build an object the classes never would. Every vendor payload we hold
(documented examples and every JSON answer in the cassettes, whole and with each key nulled) is
parsed twice, once with the assemblers and once with the classes in their place, and the two
results must be equal attribute by attribute, with the same types.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml

from signport import assembly
from signport.model import Document, Envelope, Field, Placement, Signer, StoredEnvelope
from signport.states import Delivery, FieldType, SignerState, State

from ..samples import VENDOR_EXAMPLES

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
ASSEMBLED = {"document": Document, "signer": Signer, "field": Field, "envelope": Envelope}


def same(ours: object, theirs: object, path: str = "") -> None:
    """Equal, with the same type, all the way down (``==`` alone takes a list for a tuple)."""
    assert type(ours) is type(theirs), f"{path}: {type(ours).__name__} vs {type(theirs).__name__}"
    if attrs.has(type(ours)):
        for a in attrs.fields(type(ours)):
            same(getattr(ours, a.name), getattr(theirs, a.name), f"{path}.{a.name}")
    elif isinstance(ours, tuple | list):
        assert isinstance(theirs, tuple | list), path
        for n, (x, y) in enumerate(zip(ours, theirs, strict=True)):
            same(x, y, f"{path}[{n}]")
    else:
        assert ours == theirs, path


@pytest.mark.parametrize("name", sorted(ASSEMBLED))
def test_an_assembler_takes_what_its_class_takes(name: str) -> None:
    cls = ASSEMBLED[name]
    ours = inspect.signature(getattr(assembly, name)).parameters
    theirs = inspect.signature(cls.__init__).parameters
    assert [(p.name, p.kind, p.default is inspect.Parameter.empty) for p in ours.values()] == [
        (p.name, p.kind, p.default is inspect.Parameter.empty) for p in list(theirs.values())[1:]]


def test_defaults_and_factories_are_those_of_the_class() -> None:
    made = [(assembly.document(name="a.pdf"), Document(name="a.pdf")),
            (assembly.signer(first_name="Ann", last_name="Lee"), Signer(first_name="Ann", last_name="Lee")),
            (assembly.envelope(subject="NDA"), Envelope(subject="NDA"))]
    for ours, theirs in made:
        same(ours, theirs)
    # A factory runs per object: no two objects share a default raw mapping.
    assert assembly.document(name="a").raw is not assembly.document(name="b").raw
    assert assembly.signer(first_name="A", last_name="B").delivery == frozenset({Delivery.EMAIL})


def test_values_are_stored_as_given() -> None:
    raw = {"documentId": "d1", "title": "a.pdf"}
    doc = assembly.document(name="a.pdf", id="d1", raw=raw)
    assert doc.raw is raw, "a decoded dict is kept, not copied"
    signed = datetime(2024, 12, 17, 14, 30, tzinfo=UTC)
    signer = assembly.signer(first_name="Ann", last_name="Lee", state=SignerState.SIGNED, signed_at=signed)
    env = assembly.envelope(subject="NDA", documents=(doc,), signers=(signer,), state=State.COMPLETED, id="e1")
    assert env.documents[0] is doc
    assert env.signers[0] is signer
    assert env.state is State.COMPLETED
    field = assembly.field(type=FieldType.SIGNATURE, signer="p1", placement=Placement(1, 1, 2, 3, 4))
    same(field, Field(type=FieldType.SIGNATURE, signer="p1", placement=Placement(1, 1, 2, 3, 4)))
    # Other mappings become a dict, as the class makes them: raw is a plain dict at run time.
    from types import MappingProxyType

    proxied = assembly.document(name="a.pdf", raw=MappingProxyType(raw))
    assert type(proxied.raw) is dict
    assert proxied.raw == raw


def test_assembled_objects_behave_as_the_classes_do() -> None:
    doc = assembly.document(name="a.pdf", id="d1", raw={"x": 1})
    assert doc == Document(name="a.pdf", id="d1")
    assert hash(doc) == hash(Document(name="a.pdf", id="d1"))
    assert repr(doc) == repr(Document(name="a.pdf", id="d1"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        doc.name = "b.pdf"  # type: ignore[misc]
    env = assembly.envelope(subject="NDA", documents=(doc,), id="e1")
    assert StoredEnvelope.of(env).documents == (doc,)
    assert attrs.evolve(env, subject="MSA").documents == (doc,)


def test_classes_an_assembler_cannot_build_faithfully_are_refused() -> None:
    @attrs.frozen
    class Checked:
        n: int = attrs.field(validator=attrs.validators.instance_of(int))

    @attrs.frozen
    class Hooked:
        n: int

        def __attrs_post_init__(self) -> None:
            pass

    @attrs.frozen
    class Hidden:
        n: int = attrs.field(init=False, default=0)

    for cls in (Checked, Hooked, Hidden):
        with pytest.raises(TypeError):
            assembly.assembler(cls)


def test_a_traceback_shows_the_assembler_source() -> None:
    import traceback

    with pytest.raises(TypeError) as caught:
        assembly.document()  # type: ignore[call-arg]
    text = "".join(traceback.format_exception(caught.value))
    assert "assemble_Document" in text or "document()" in text


def _rows_with_the_class(cls: type[Any], columns: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    return lambda rows: tuple(cls(**dict(zip(columns, row, strict=True))) for row in rows)


def test_a_row_assembler_builds_what_the_class_builds() -> None:
    build = assembly.row_assembler(Document, ("name", "id", "raw"))
    raws = [{"documentId": "d1"}, {"documentId": "d2"}]
    rows = [("a.pdf", "d1", raws[0]), ("b.pdf", None, raws[1])]
    made = build(rows)
    assert type(made) is tuple
    same(made, _rows_with_the_class(Document, ("name", "id", "raw"))(rows))
    assert made[0].raw is raws[0], "a decoded dict is kept, not copied"
    assert build([]) == ()
    assert build(iter(rows)) == made, "any iterable of rows"
    # Attributes that are not columns take their defaults, a factory's afresh for each object.
    by_name = assembly.row_assembler(Document, ("name",))([("a.pdf",), ("b.pdf",)])
    same(by_name, (Document(name="a.pdf"), Document(name="b.pdf")))
    assert by_name[0].raw is not by_name[1].raw
    signers = assembly.row_assembler(Signer, ("first_name", "last_name"))([("Ann", "Lee")])
    same(signers, (Signer(first_name="Ann", last_name="Lee"),))


def test_a_row_assembler_refuses_columns_it_cannot_fill() -> None:
    for columns in [("name", "nope"), ("name", "name"), (), ("id",)]:  # unknown, twice, none, required missing
        with pytest.raises(TypeError):
            assembly.row_assembler(Document, columns)

    @attrs.frozen
    class Checked:
        n: int = attrs.field(validator=attrs.validators.instance_of(int))

    with pytest.raises(TypeError):
        assembly.row_assembler(Checked, ("n",))


# --- every payload we hold, parsed both ways ------------------------------------------------------
def _json_bodies(provider: str) -> Iterator[tuple[str, Any]]:
    for path in sorted((VENDOR_EXAMPLES / provider).glob("*.json")):
        yield path.name, json.loads(path.read_text("utf-8"))
    for path in sorted((CASSETTES / provider).glob("*.yaml")):
        for n, interaction in enumerate(yaml.safe_load(path.read_text("utf-8"))["interactions"]):
            body = interaction["response"]["body"].get("string")
            if not body:
                continue
            try:
                yield f"{path.name}#{n}", json.loads(body)
            except (ValueError, TypeError):
                continue


def _objects(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every JSON object in ``value``, itself first (a list answer holds envelopes)."""
    if isinstance(value, dict):
        yield value
        for v in value.values():
            if isinstance(v, list):
                yield from (x for x in v if isinstance(x, dict))
    elif isinstance(value, list):
        yield from (x for x in value if isinstance(x, dict))


def _nulled(payload: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The payload, then with each key null, then each key of its first nested objects null."""
    yield payload
    for key in payload:
        yield {**payload, key: None}
    for key, value in payload.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for inner in value[0]:
                yield {**payload, key: [{**value[0], inner: None}, *value[1:]]}


def _parsers(provider: str) -> list[Callable[[Mapping[str, Any]], object]]:
    if provider == "iinked":
        from signport_iinked import payloads as iinked

        return [iinked.parse_envelope, lambda p: iinked.merge(p, p), iinked.executed_documents]
    if provider == "easyink":
        from signport_easyink import payloads as easyink

        def ordered(p: Mapping[str, Any]) -> object:
            ids = [str(x.get("participantId") or x.get("id")) for x in easyink.as_list(p.get("participants"))]
            return easyink.parse_envelope(p, order=ids[::-1])

        return [easyink.parse_envelope, ordered]
    from signport_docusign import payloads as docusign

    return [docusign.parse_envelope]


def _outcome(parse: Callable[[Mapping[str, Any]], object], payload: Mapping[str, Any]) -> object:
    try:
        return parse(payload)
    except Exception as exc:  # the two ways must fail alike too
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("provider", ["iinked", "easyink", "docusign"])
def test_every_payload_parses_as_with_the_classes(provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    parsers = _parsers(provider)
    cases = [(f"{source} {n}", variant) for source, body in _json_bodies(provider)
             for n, obj in enumerate(_objects(body)) for variant in _nulled(obj)]
    assert len(cases) > 200, "the payloads are there"
    ours = [[_outcome(parse, payload) for parse in parsers] for _, payload in cases]
    for name, cls in ASSEMBLED.items():
        monkeypatch.setattr(assembly, name, cls)
    if provider == "easyink":  # a session's documents are built by a row assembler
        from signport_easyink import payloads as easyink

        monkeypatch.setattr(easyink, "_documents", _rows_with_the_class(Document, ("name", "id", "raw")))
    theirs = [[_outcome(parse, payload) for parse in parsers] for _, payload in cases]
    built = 0
    for (source, _), mine, classes in zip(cases, ours, theirs, strict=True):
        for n, (a, b) in enumerate(zip(mine, classes, strict=True)):
            same(a, b, f"{provider} {source} parser {n}")
            built += isinstance(a, Envelope)
    assert built > 100, "most payloads make an envelope"
