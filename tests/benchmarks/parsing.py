"""The parsing row: a status payload of many documents, ``json.loads`` + ``parse_envelope`` vs ``json.loads``.

The payloads grow the vendors' documented examples (tests/data/vendor-examples) to any number of
documents: iinked's ``packages-status.response.json`` (each document with its revision, and the
signer's link to it), EasyInk's ``session-get.response.json`` (each document with its signed copy).
Linear means the cost per document at 1,000 documents is within ``LINEAR`` of the cost at 100.

Each timed call starts after a full garbage collection (not timed). Both sides allocate thousands of
objects per call and free them after it, so the collector's runs come at the same points of every
round: without the collection first, a full collection (a walk over every object of the process)
landed on the same side round after round, and one run put EasyInk's row at 0.93x, another at 2.00x.
After a collection, each call pays for the collections its own objects bring about.
"""

from __future__ import annotations

import copy
import gc
import json
import uuid
from collections.abc import Callable
from typing import Any

from ..samples import VENDOR_EXAMPLES
from .table import Row, ratios, stats, timed

DOCUMENTS = 1000
#: Cost per document at DOCUMENTS within this factor of the cost at DOCUMENTS / 10.
LINEAR = 1.5
TITLES = {"iinked": "iinked", "easyink": "EasyInk"}


def _id(kind: int, n: int) -> str:
    return str(uuid.UUID(int=kind << 64 | n))


def _example(provider: str, name: str) -> dict[str, Any]:
    example: dict[str, Any] = json.loads((VENDOR_EXAMPLES / provider / name).read_text("utf-8"))
    return example


def iinked_status(documents: int) -> dict[str, Any]:
    """``packages-status.response.json`` with ``documents`` documents."""
    example = _example("iinked", "packages-status.response.json")
    [doc] = example["documents"]
    [link] = example["signers"][0]["links"]
    docs, links = [], []
    for n in range(documents):
        document_id, revision_id = _id(1, n), _id(2, n)
        item = copy.deepcopy(doc)
        item.update(documentId=document_id, fileName=f"agreement-{n}.pdf", order=n)
        for revision in item["revisions"]:
            revision.update(documentId=document_id, revisionId=revision_id, isNext=n == 0)
        docs.append(item)
        links.append({**link, "name": f"agreement-{n}", "documentId": document_id, "revisionId": revision_id})
    example["documents"] = docs
    example["signers"][0]["links"] = links
    return example


def easyink_session(documents: int) -> dict[str, Any]:
    """``session-get.response.json`` with ``documents`` documents (and their signed copies)."""
    example = _example("easyink", "session-get.response.json")
    [doc], [signed] = example["documents"], example["signedDocuments"]
    example["documents"] = [{**doc, "documentId": _id(1, n), "title": f"Contract {n}.pdf"}
                            for n in range(documents)]
    example["signedDocuments"] = [{**signed, "signedDocumentId": _id(2, n),
                                   "title": f"Contract {n} - John Smith (Signed).pdf"} for n in range(documents)]
    return example


PAYLOADS: dict[str, Callable[[int], dict[str, Any]]] = {"iinked": iinked_status, "easyink": easyink_session}


def name(provider: str, documents: int = DOCUMENTS) -> str:
    return f"{TITLES[provider]}: parse a {documents:,}-document status: (json.loads + parse) / json.loads"


def parsing_row(provider: str, n: int, documents: int = DOCUMENTS) -> Row:
    """The ratio at ``documents`` documents; linearity against a tenth of them (ten payloads in a row)."""
    import signport

    settings: dict[str, Any] = {"iinked": {"api_key": "k"}, "easyink": {"access_token": "t"}}[provider]
    big = json.dumps(PAYLOADS[provider](documents))
    small = json.dumps(PAYLOADS[provider](max(documents // 10, 1)))
    with signport.connect(provider, **settings) as client:
        parse = client.provider.parse_envelope
        parsed = parse(json.loads(big))
        assert len(parsed.documents) == documents, "every document of the payload is parsed"
        median, low, high = stats(ratios(timed(lambda: parse(json.loads(big)), gc.collect),
                                         timed(lambda: json.loads(big), gc.collect), n))
        growth, _, _ = stats(ratios(timed(lambda: parse(json.loads(big)), gc.collect),
                                    timed(lambda: [parse(json.loads(small)) for _ in range(10)], gc.collect), n))
    linear = growth <= LINEAR
    return Row(name(provider, documents), median, low, high, "≤ 2x, linear", median <= 2 and linear,
               f"per document at {documents:,} vs {max(documents // 10, 1):,}: {growth:.2f}x"
               f"{'' if linear else f' (not linear: > {LINEAR}x)'}")
