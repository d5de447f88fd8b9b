"""The one cattrs converter: neutral objects <-> plain JSON-ready data.

Built once at import; nothing builds a converter per call. Datetimes are ISO 8601
strings, enums their values, sets sorted lists; a document's bytes are never
unstructured (they are transport data, not state).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import cattrs
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter
from cattrs.strategies import configure_union_passthrough

from .model import Document, Envelope, StoredEnvelope
from .states import Delivery


def _build() -> cattrs.Converter:
    conv = make_converter()
    configure_union_passthrough(int | str | float | bool | None, conv)
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_structure_hook(datetime, lambda v, _: v if isinstance(v, datetime) else datetime.fromisoformat(v))
    conv.register_unstructure_hook(Path, str)
    conv.register_structure_hook(Path, lambda v, _: Path(v))
    conv.register_structure_hook_func(lambda t: t in (Mapping[str, Any], dict[str, Any]),
                                      lambda v, _: dict(v or {}))
    conv.register_unstructure_hook_func(
        lambda t: t == frozenset[Delivery], lambda s: sorted(d.value for d in s))
    conv.register_structure_hook_func(
        lambda t: t == frozenset[Delivery], lambda v, _: frozenset(Delivery(x) for x in v))
    conv.register_unstructure_hook(
        Document, make_dict_unstructure_fn(Document, conv, content=override(omit=True)))
    # A client result unstructures exactly like the Envelope it is (same keys, same order).
    envelope_fn = make_dict_unstructure_fn(Envelope, conv)
    conv.register_unstructure_hook(StoredEnvelope, envelope_fn)
    return conv


converter: cattrs.Converter = _build()


def unstructure(obj: Any) -> Any:
    """``obj`` as plain data (dicts, lists, strings, numbers)."""
    return converter.unstructure(obj)


def structure(data: Any, cls: type[Any]) -> Any:
    """Plain data back into ``cls``."""
    return converter.structure(data, cls)
