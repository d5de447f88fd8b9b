"""Parsers' constructors for the model: the values are stored as given, with no converter run.

An application's values go through the model's classes, whose converters check and convert what
a caller may pass (a list for a tuple, an enum's value for its member, a mapping copied for
``raw``). A parser has already made each value its attribute's type while reading the vendor's
payload, so for it that work is wasted; on a session of a thousand documents it was most of the
parse (docs/performance.md). ``assembler(cls)`` gives ``cls``'s constructor with the same
parameters that stores each value as it is, through the slots themselves:

- sequences must be tuples, enums members, times ``datetime``, ``delivery`` a ``frozenset``;
- ``raw`` is kept, not copied, when it is a ``dict``: a parser passes the mapping it decoded (a
  document's is also a part of the envelope's own ``raw``); any other mapping becomes a ``dict``.

tests/unit/test_assembly.py holds every parser to this: each vendor payload parsed with the
assemblers equals, attribute by attribute and type by type, the same payload parsed with the classes.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ParamSpec, TypeVar, cast

import attrs

from .model import Document, Envelope, Field, Signer

P = ParamSpec("P")
T = TypeVar("T")


@attrs.frozen
class _Plan:
    """How an assembler stores each attribute: the names its code uses, and per attribute its name, the
    expression of its default (``None``: required), the expression of the value stored, and whether it
    is keyword-only."""

    names: dict[str, Any]
    attributes: tuple[tuple[str, str | None, str, bool], ...]


def _plan(kind: type[Any]) -> _Plan:
    if getattr(kind, "__attrs_post_init__", None) is not None or getattr(kind, "__attrs_pre_init__", None) is not None:
        raise TypeError(f"{kind.__qualname__} runs code at construction; an assembler would skip it")
    names: dict[str, Any] = {"_new": object.__new__, "_cls": kind, "_NOTHING": attrs.NOTHING,
                             "_type": type, "_dict": dict}
    attributes = []
    for a in attrs.fields(kind):
        if not a.name.isidentifier() or a.name.startswith("_") or a.name in ("self", "rows", "out", "append"):
            raise TypeError(f"{kind.__qualname__}.{a.name}: not an attribute name an assembler can take")
        if not a.init or a.validator is not None or a.alias != a.name:
            raise TypeError(f"{kind.__qualname__}.{a.name}: an assembler takes only plain attributes "
                            "(in __init__ under their own name, no validator)")
        names[f"_set_{a.name}"] = getattr(kind, a.name).__set__  # the slot's own descriptor
        value = a.name
        default: str | None = None  # required
        if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]  # attrs types Factory loosely
            names[f"_factory_{a.name}"] = a.default.factory
            default = "_NOTHING"
            value = f"_factory_{a.name}() if {a.name} is _NOTHING else {a.name}"
        elif a.default is not attrs.NOTHING:
            names[f"_default_{a.name}"] = a.default
            default = f"_default_{a.name}"
        if a.name == "raw" and a.converter is not None:  # a decoded dict as it is; any other the class's way
            names["_convert_raw"] = a.converter
            value = f"raw if _type(raw) is _dict else _convert_raw({value})"
        attributes.append((a.name, default, value, a.kw_only))
    return _Plan(names, tuple(attributes))


def _compile(kind: type[Any], source: str, names: dict[str, Any], function: str) -> Any:
    filename = f"<signport {function} {kind.__module__}.{kind.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # readable tracebacks
    exec(compile(source, filename, "exec"), names)  # noqa: S102  # attribute names only, as attrs does
    built = names[function]
    built.__qualname__ = built.__name__ = f"{function}_{kind.__name__}"
    return built


def assembler(cls: Callable[P, T]) -> Callable[P, T]:
    """``cls``'s constructor, same parameters, for values already of their attributes' types."""
    kind = cast(type[Any], cls)
    plan = _plan(kind)
    parameters = [(name if default is None else f"{name}={default}", kw_only)
                  for name, default, _, kw_only in plan.attributes]
    positional = [parameter for parameter, kw_only in parameters if not kw_only]
    keyword = [parameter for parameter, kw_only in parameters if kw_only]
    signature = ", ".join(positional + (["*", *keyword] if keyword else []))
    body = "".join(f"    _set_{name}(self, {value})\n" for name, _, value, _ in plan.attributes)
    source = f"def assemble({signature}):\n    self = _new(_cls)\n{body}    return self\n"
    return cast(Callable[P, T], _compile(kind, source, dict(plan.names), "assemble"))


def row_assembler(cls: type[T], columns: Sequence[str]) -> Callable[[Iterable[Sequence[Any]]], tuple[T, ...]]:
    """Many instances of ``cls`` at once, one per row of values for ``columns`` (in that order); every
    other attribute takes its default. For the parts of a payload that come by the thousand (a session's
    documents): one call for all of them instead of one each, as ``assembler(cls)`` would build them."""
    plan = _plan(cast(type[Any], cls))
    known = {name: default for name, default, _, _ in plan.attributes}
    for column in columns:
        if column not in known:
            raise TypeError(f"{cls.__qualname__} has no attribute {column!r}")
    if len(set(columns)) != len(columns) or not columns:
        raise TypeError(f"columns must name attributes of {cls.__qualname__} once each: {columns!r}")
    defaults = []
    for name, default in known.items():
        if name in columns:
            continue
        if default is None:
            raise TypeError(f"{cls.__qualname__}.{name} has no default: it must be a column")
        defaults.append(f"    {name} = {default}\n")  # the default, as if not passed
    body = "".join(f"        _set_{name}(self, {value})\n" for name, _, value, _ in plan.attributes)
    source = (f"def assemble_rows(rows):\n{''.join(defaults)}    out = []\n    append = out.append\n"
              f"    for {', '.join(columns)}, in rows:\n        self = _new(_cls)\n{body}"
              f"        append(self)\n    return tuple(out)\n")
    built: Callable[[Iterable[Sequence[Any]]], tuple[T, ...]] = _compile(
        cast(type[Any], cls), source, dict(plan.names), "assemble_rows")
    return built


document = assembler(Document)
signer = assembler(Signer)
field = assembler(Field)
envelope = assembler(Envelope)
