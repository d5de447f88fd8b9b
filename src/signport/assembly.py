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
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

import attrs

from .model import Document, Envelope, Field, Signer

P = ParamSpec("P")
T = TypeVar("T")


def assembler(cls: Callable[P, T]) -> Callable[P, T]:
    """``cls``'s constructor, same parameters, for values already of their attributes' types."""
    kind = cast(type[Any], cls)
    if getattr(kind, "__attrs_post_init__", None) is not None or getattr(kind, "__attrs_pre_init__", None) is not None:
        raise TypeError(f"{kind.__qualname__} runs code at construction; an assembler would skip it")
    names: dict[str, Any] = {"_new": object.__new__, "_cls": kind, "_NOTHING": attrs.NOTHING,
                             "_type": type, "_dict": dict}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for a in attrs.fields(kind):
        if not a.name.isidentifier() or a.name.startswith("_") or a.name == "self":  # names the code uses
            raise TypeError(f"{kind.__qualname__}.{a.name}: not an attribute name an assembler can take")
        if not a.init or a.validator is not None or a.alias != a.name:
            raise TypeError(f"{kind.__qualname__}.{a.name}: an assembler takes only plain attributes "
                            "(in __init__ under their own name, no validator)")
        names[f"_set_{a.name}"] = getattr(kind, a.name).__set__  # the slot's own descriptor
        value = a.name
        if a.default is attrs.NOTHING:
            parameter = a.name
        elif isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]  # attrs types Factory loosely
            names[f"_factory_{a.name}"] = a.default.factory
            parameter = f"{a.name}=_NOTHING"
            value = f"_factory_{a.name}() if {a.name} is _NOTHING else {a.name}"
        else:
            names[f"_default_{a.name}"] = a.default
            parameter = f"{a.name}=_default_{a.name}"
        if a.name == "raw" and a.converter is not None:  # a decoded dict as it is; any other the class's way
            names["_convert_raw"] = a.converter
            value = f"raw if _type(raw) is _dict else _convert_raw({value})"
        (keyword if a.kw_only else positional).append(parameter)
        body.append(f"    _set_{a.name}(self, {value})")
    signature = ", ".join(positional + (["*", *keyword] if keyword else []))
    source = f"def assemble({signature}):\n    self = _new(_cls)\n" + "\n".join(body) + "\n    return self\n"
    filename = f"<signport assembler {kind.__module__}.{kind.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # readable tracebacks
    exec(compile(source, filename, "exec"), names)  # noqa: S102  # attribute names only, as attrs does
    assemble = cast(Callable[P, T], names["assemble"])
    assemble.__qualname__ = assemble.__name__ = f"assemble_{kind.__name__}"
    return assemble


document = assembler(Document)
signer = assembler(Signer)
field = assembler(Field)
envelope = assembler(Envelope)
