"""Helpers every provider plugin shares."""

from __future__ import annotations

import httpx
import pytest

import signport
from signport.multipart import content_disposition, disposition_filename
from signport.provider import Flow, read_back, retry_after


def failing_get() -> Flow[signport.Envelope]:
    yield httpx.Request("GET", "https://x.invalid/e1")
    raise signport.ProviderError("boom", provider="toy", status=500)


def test_read_back_names_the_envelope_when_the_read_fails() -> None:
    flow = read_back(failing_get(), "e1", provider="toy", done="sent")
    next(flow)
    with pytest.raises(signport.PartialFailure) as info:
        flow.send(httpx.Response(500))
    error = info.value
    assert error.envelope_id == "e1"
    assert error.remote_ids == ["e1"]
    assert not error.cleaned_up
    assert error.status == 500
    assert "sent" in error.message


def test_read_back_passes_the_envelope_through() -> None:
    def ok() -> Flow[signport.Envelope]:
        yield httpx.Request("GET", "https://x.invalid/e1")
        return signport.Envelope(subject="s", id="e1")

    flow = read_back(ok(), "e1", provider="toy", done="sent")
    next(flow)
    with pytest.raises(StopIteration) as stop:
        flow.send(httpx.Response(200))
    assert stop.value.value.id == "e1"


@pytest.mark.parametrize("name", ["plain.pdf", "r\u00e9sum\u00e9.pdf", 'quote".pdf', "\u5951\u7d04.pdf"])
def test_attachment_disposition_round_trips(name: str) -> None:
    value = content_disposition(name, None, kind="attachment")
    assert value.startswith("attachment; filename=")
    value.encode("latin-1")
    assert disposition_filename(value) == name


def test_retry_after_seconds_and_dates() -> None:
    assert retry_after(httpx.Response(429, headers={"Retry-After": "7"})) == 7.0
    assert retry_after(httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after(httpx.Response(429)) is None
