"""Reliability against the vendor fakes: retries, Retry-After, broken streams, failures halfway through.

Each fake runs on 127.0.0.1 behind ``signport.fakeserver.Faults``, which answers chosen requests with an
error status or cuts a response short. The same checks run on every vendor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import stamina

import signport
from signport import DocumentKind, State
from signport.fakeserver import Faults, serve

from ..samples import envelope


@attrs.frozen
class Vendor:
    name: str
    app: Callable[[], Any]
    settings: Callable[[str], dict[str, Any]]
    sign_path: Callable[[str, str], str]
    get_path: str            # the GET that reads an envelope
    create_path: str         # the POST that creates the envelope
    later_step_path: str     # a POST after something was created remotely
    download_path: str       # the download of ``download_kind``
    download_kind: DocumentKind = DocumentKind.EXECUTED
    later_step_method: str = "POST"  # the method of ``later_step_path``


def _iinked_app() -> Any:
    from signport_iinked.fake import create_app

    return create_app(api_keys={"rel-key"})


def _easyink_app() -> Any:
    from signport_easyink.fake import create_app

    return create_app(access_tokens=("rel-token",))


def _docusign_app() -> Any:
    from signport_docusign.fake import create_app

    return create_app(access_tokens=("rel-token",))


def _docusign_settings(url: str) -> dict[str, Any]:
    from signport_docusign.fake import ACCOUNT_ID

    return {"access_token": "rel-token", "account_id": ACCOUNT_ID, "base_uri": url, "oauth_base_url": url}


VENDORS = [
    Vendor("iinked", _iinked_app, lambda url: {"api_key": "rel-key", "base_url": f"{url}/api/v1"},
           lambda e, s: f"/_control/packages/{e}/sign/{s}",
           get_path=r"/packages/[^/]+$", create_path=r"/packages/add$",
           later_step_path=r"/packages/add$", download_path=r"/pdf/executed/download$"),
    Vendor("easyink", _easyink_app,
           lambda url: {"access_token": "rel-token", "base_url": url, "identity_url": url,
                        "poll_interval": 0.01, "poll_max": 0.02, "processing_timeout": 5.0},
           lambda e, s: f"/_control/sessions/{e}/participants/{s}/sign",
           get_path=r"/api/signingSessions/[^/]+$", create_path=r"/api/signingSessionDrafts$",
           later_step_path=r"/participants$", download_path=r"/signedDocuments/[^/]+$",
           download_kind=DocumentKind.SIGNER_COPIES),
    # DocuSign creates an envelope in one POST; what follows it is the read-back GET.
    Vendor("docusign", _docusign_app, _docusign_settings,
           lambda e, s: f"/_control/envelopes/{e}/recipients/{s}/sign",
           get_path=r"/envelopes/[^/]+$", create_path=r"/envelopes$",
           later_step_path=r"/envelopes/[^/]+$", download_path=r"/documents/[^/]+$", later_step_method="GET"),
]


class Rig:
    def __init__(self, vendor: Vendor, url: str) -> None:
        self.vendor = vendor
        self.url = url
        self.control = httpx.Client(base_url=url, timeout=10)

    def client(self, **kw: Any) -> signport.Client:
        return signport.connect(self.vendor.name, **self.vendor.settings(self.url), **kw)

    def fault(self, method: str, path: str, **kw: Any) -> None:
        self.control.post("/_faults", json={"method": method, "path": path, **kw}).raise_for_status()

    def hits(self) -> list[str]:
        return list(self.control.get("/_faults").json()["hits"])

    def sign(self, envelope_id: str, signer_id: str) -> None:
        self.control.post(self.vendor.sign_path(envelope_id, signer_id)).raise_for_status()


@pytest.fixture(params=VENDORS, ids=[v.name for v in VENDORS])
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    vendor: Vendor = request.param
    with stamina.set_testing(True, attempts=4), serve(Faults(vendor.app())) as url:
        r = Rig(vendor, url)
        try:
            yield r
        finally:
            r.control.close()


def test_reads_survive_transient_503s(rig: Rig) -> None:
    with rig.client() as client:
        sent = client.send(envelope(client.capabilities))
        rig.fault("GET", rig.vendor.get_path, status=503, times=2)
        assert client.get(sent.id).id == sent.id
    assert len(rig.hits()) == 2


def test_429_with_retry_after_is_retried_even_for_a_create(rig: Rig) -> None:
    with rig.client() as client:
        rig.fault("POST", rig.vendor.create_path, status=429, retry_after="0", times=1)
        sent = client.send(envelope(client.capabilities, subject="Rate limited once"))
        assert sent.state in {State.SENT, State.IN_PROGRESS}
        assert [e.subject for e in client.list()].count("Rate limited once") == 1
    assert len(rig.hits()) == 1


def test_persistent_429_becomes_rate_limited(rig: Rig) -> None:
    with rig.client() as client:
        sent = client.send(envelope(client.capabilities))
        rig.fault("GET", rig.vendor.get_path, status=429, retry_after="0", times=10)
        with pytest.raises(signport.RateLimited) as info:
            client.get(sent.id)
        assert info.value.provider == rig.vendor.name
        assert info.value.status == 429
    assert len(rig.hits()) == 4


def test_a_create_is_not_replayed_after_a_503(rig: Rig) -> None:
    with rig.client() as client:
        rig.fault("POST", rig.vendor.create_path, status=503, times=5)
        with pytest.raises(signport.SignportError):
            client.send(envelope(client.capabilities, subject="Never twice"))
        assert "Never twice" not in [e.subject for e in client.list()]
    assert len(rig.hits()) == 1


def test_failure_halfway_names_or_cleans_what_was_created(rig: Rig) -> None:
    with rig.client() as client:
        rig.fault(rig.vendor.later_step_method, rig.vendor.later_step_path, status=500, times=5)
        with pytest.raises(signport.PartialFailure) as info:
            client.send(envelope(client.capabilities, subject="Halfway"))
        error = info.value
        assert error.provider == rig.vendor.name
        assert error.cleaned_up or error.remote_ids or error.envelope_id
        leftovers = [e for e in client.list() if e.subject == "Halfway"]
        if error.cleaned_up:
            assert leftovers == []
        else:
            assert all(e.id in {error.envelope_id, *error.remote_ids} for e in leftovers)


def _completed(rig: Rig, client: signport.Client) -> signport.Envelope:
    sent = client.send(envelope(client.capabilities))
    for signer in sent.signers:
        rig.sign(sent.id, signer.id)
    done = client.wait(sent.id, timeout=10, poll=0.01)
    assert done.state is State.COMPLETED
    return done


def test_a_download_cut_short_is_retried_and_complete(rig: Rig, tmp_path: Path) -> None:
    with rig.client() as client:
        done = _completed(rig, client)
        clean = client.download(done.id, to=tmp_path / "clean", kind=rig.vendor.download_kind)
        rig.fault("GET", rig.vendor.download_path, truncate=200, times=1)
        again = client.download(done.id, to=tmp_path / "retried", kind=rig.vendor.download_kind)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in clean]
    assert not list((tmp_path / "retried").glob("*.part"))
    assert len(rig.hits()) == 1


def test_a_download_that_keeps_breaking_leaves_nothing(rig: Rig, tmp_path: Path) -> None:
    with rig.client() as client:
        done = _completed(rig, client)
        rig.fault("GET", rig.vendor.download_path, truncate=200, times=50)
        with pytest.raises(signport.TransportError):
            client.download(done.id, to=tmp_path / "out", kind=rig.vendor.download_kind)
    assert not (tmp_path / "out").exists()  # nothing written, and the folder the download made is gone
