"""Parsing the values of ``--signer``, ``--sign-by`` and ``--field`` into the model."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from datetime import time as dtime

import attrs
import click

from ..model import Field, Placement, Signer
from ..states import FieldType
from . import _FIELD_TYPES, FIELD_SYNTAX

_SIGNER = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<\s*(?P<email>[^<>\s]+)\s*>\s*$")


def parse_signer(text: str) -> Signer:
    """``"First Last <email@example.com>"``: the first word is the first name, the rest the last name."""
    match = _SIGNER.match(text)
    if not match:
        raise click.BadParameter(f'expected "First Last <email@example.com>", got {text!r}')
    first, _, last = match["name"].strip().partition(" ")
    if not first or not last.strip():
        raise click.BadParameter(f"needs a first and a last name: {text!r}")
    return Signer(first_name=first, last_name=last.strip(), email=match["email"])


def parse_deadline(text: str) -> datetime:
    """``YYYY-MM-DD`` (the end of that day) or an ISO 8601 date-time; local time unless an offset is given."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            result = datetime.combine(date.fromisoformat(text), dtime(23, 59, 59))
        else:
            result = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"not a date (YYYY-MM-DD) or an ISO 8601 date-time: {text!r}") from None
    return result if result.tzinfo is not None else result.astimezone()


@attrs.frozen
class FieldSpec:
    """A parsed ``--field``: ``signer`` as written (a 1-based position or an email), to resolve later."""

    signer: str
    placement: Placement
    type: FieldType


def parse_field(text: str) -> FieldSpec:
    """``SIGNER:PAGE:X:Y:W:H[:TYPE]``: PDF points from the bottom-left of the page, pages from 1."""
    parts = [p.strip() for p in text.split(":")]
    example = "e.g. 1:2:72:100:200:40:signature"
    if len(parts) not in (6, 7) or not parts[0]:
        raise click.BadParameter(f"expected {FIELD_SYNTAX} ({example}), got {text!r}")
    try:
        page = int(parts[1])
    except ValueError:
        raise click.BadParameter(f"PAGE must be a whole number from 1, got {parts[1]!r}") from None
    if page < 1:
        raise click.BadParameter(f"PAGE must be a whole number from 1, got {parts[1]!r}")
    numbers: list[float] = []
    for name, raw in zip(("X", "Y", "W", "H"), parts[2:6], strict=True):
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or number < 0 or (name in "WH" and number == 0):
            rule = "a number > 0" if name in "WH" else "a number >= 0"
            raise click.BadParameter(f"{name} must be {rule} (PDF points), got {raw!r}")
        numbers.append(number)
    kind = parts[6].lower() if len(parts) == 7 else FieldType.SIGNATURE.value
    if kind not in _FIELD_TYPES:
        raise click.BadParameter(f"TYPE must be one of {', '.join(_FIELD_TYPES)}, got {parts[6]!r}")
    x, y, width, height = numbers
    return FieldSpec(parts[0], Placement(page=page, x=x, y=y, width=width, height=height), FieldType(kind))


def resolve_fields(specs: Iterable[FieldSpec], signers: tuple[Signer, ...]) -> list[Field]:
    """Turn each ``FieldSpec``'s SIGNER (a 1-based position or an email) into the signer's index."""
    fields: list[Field] = []
    for spec in specs:
        ref = spec.signer
        if ref.isdigit():
            index = int(ref) - 1
            if not 0 <= index < len(signers):
                raise click.BadParameter(f"SIGNER {ref} is not between 1 and {len(signers)} "
                                         "(the position of a --signer)", param_hint="'--field'")
        else:
            matches = [i for i, s in enumerate(signers) if (s.email or "").casefold() == ref.casefold()]
            if not matches:
                raise click.BadParameter(f"SIGNER {ref!r} is not the email of a --signer", param_hint="'--field'")
            index = matches[0]
        fields.append(Field(type=spec.type, signer=index, placement=spec.placement))
    return fields
