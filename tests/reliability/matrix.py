"""The fault matrix: every step of every multi-step flow x every fault x once and persistently.

A step is a request a flow sends. For each scenario the flow first runs clean to count its steps;
then each case breaks step ``k`` with one fault (``Faults`` rule ``at=k``; persistently: that same
request keeps failing, retries included) and judges the outcome against the fake's own state:

* ``ok``: success with exactly one remote envelope of its own (a create), the change made (a change),
  or a typed error with nothing left behind, or naming every remote object it left (or saying
  it cleaned up), or saying which changes took effect;
* ``lost``: an envelope exists remotely that the caller was not told about;
* ``duplicated``: more than one envelope made, or one made by a flow that should make none;
* ``ambiguous``: the caller cannot tell what happened (``OutcomeUnknown``; a change made but reported
  as a plain failure; a success reported for a change that did not happen);
* ``untyped``: an exception that is not a ``SignportError``.

CI runs a deterministic sample of the product; ``SIGNPORT_FAULTS=full`` runs all of it.
"""

from __future__ import annotations

import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import httpx

import signport
from signport import Document, DocumentKind, Signer, State
from signport.fakeserver import TIMEOUT_HEADER, Faults, serve

from ..samples import envelope, make_pdf

#: Every fault of issue 9: before and after the vendor committed, broken connections, broken bodies.
FAULTS: dict[str, dict[str, Any]] = {
    "500": {"status": 500},
    "502": {"status": 502},
    "503": {"status": 503},
    "500-after-commit": {"status": 500, "after": True},
    "502-after-commit": {"status": 502, "after": True},
    "503-after-commit": {"status": 503, "after": True},
    "reset-after-send": {"kind": "reset"},
    "reset-after-commit": {"kind": "reset", "after": True},
    "read-timeout-after-commit": {"kind": "timeout", "after": True, "signal": True},
    "truncated": {"kind": "truncate", "truncate": 3},
    "html": {"kind": "html", "after": True},
    "invalid-json": {"kind": "invalid_json", "after": True},
    "empty": {"kind": "empty", "after": True},
    "wrong-shape": {"kind": "wrong_shape", "after": True},
    "gzip": {"kind": "gzip", "after": True},
}
OUTCOMES = ("lost", "duplicated", "ambiguous", "untyped")
#: In CI one case in SAMPLE runs (chosen by a stable hash, so every run picks the same ones).
SAMPLE = 12
FULL = os.environ.get("SIGNPORT_FAULTS") == "full"

#: Tally of every case run in this session (printed by the conftest's terminal summary).
TALLY: Counter[str] = Counter()


def sampled(key: str) -> bool:
    return FULL or zlib.crc32(key.encode()) % SAMPLE == 0


class _TimeoutTransport(httpx.HTTPTransport):
    """Turns a ``Faults`` timeout signal into the ``httpx.ReadTimeout`` a slow vendor would cause."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if response.headers.get(TIMEOUT_HEADER):
            response.close()
            raise httpx.ReadTimeout("fault injected: read timeout", request=request)
        return response


class _AsyncTimeoutTransport(httpx.AsyncHTTPTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if response.headers.get(TIMEOUT_HEADER):
            await response.aclose()
            raise httpx.ReadTimeout("fault injected: read timeout", request=request)
        return response


# --- the two vendors, seen from their fakes' state ----------------------------------------------------------
@attrs.frozen
class Vendor:
    name: str
    make_app: Callable[[], Any]
    settings: Callable[[str], dict[str, Any]]
    sign_path: Callable[[str, str], str]
    live_ids: Callable[[Any], set[str]]
    snapshot: Callable[[Any, str], Any]


def _iinked_app() -> Any:
    from signport_iinked.fake import create_app

    return create_app(api_keys={"matrix-key"})


def _easyink_app() -> Any:
    from signport_easyink.fake import create_app

    return create_app(access_tokens=("matrix-token",), processing_reads=1)


def _iinked_snapshot(fake: Any, package_id: str) -> Any:
    p = fake.packages.get(package_id)
    if p is None or p.time_deleted is not None:
        return None
    return (p.state, p.name, p.message, p.time_sign_by, p.rescind_message,
            tuple((s.signer_id, s.email, s.mobile) for s in p.signers), tuple(d.file_id for d in p.documents))


def _easyink_snapshot(fake: Any, session_id: str) -> Any:
    s = fake.sessions.get(session_id)
    if s is None:
        return None
    return (s.status, s.subject, s.void_reason, tuple(s.order or ()), len(s.fields),
            tuple((p.id, p.email, p.phone, tuple(p.delivery)) for p in s.participants),
            tuple(d.id for d in s.documents))


VENDORS = {
    "iinked": Vendor(
        "iinked", _iinked_app, lambda url: {"api_key": "matrix-key", "base_url": f"{url}/api/v1"},
        lambda e, s: f"/_control/packages/{e}/sign/{s}",
        lambda fake: {i for i, p in fake.packages.items() if p.time_deleted is None}, _iinked_snapshot),
    "easyink": Vendor(
        "easyink", _easyink_app,
        lambda url: {"access_token": "matrix-token", "base_url": url, "identity_url": url,
                     "poll_interval": 0.001, "poll_max": 0.002, "processing_timeout": 2.0},
        lambda e, s: f"/_control/sessions/{e}/participants/{s}/sign",
        lambda fake: set(fake.sessions), _easyink_snapshot),
}


class Rig:
    """One fake behind ``Faults`` on 127.0.0.1; every case gets a fresh fake (the app is swapped)."""

    def __init__(self, vendor: Vendor, faults: Faults, url: str) -> None:
        self.vendor = vendor
        self.faults = faults
        self.url = url

    @property
    def fake(self) -> Any:
        return self.faults.app.state.fake

    def fresh(self) -> None:
        self.faults.faults.clear()
        self.faults.app = self.vendor.make_app()
        self.faults.hits.clear()
        self.faults.seen.clear()

    def arm(self, step: int, fault: str, persist: bool) -> None:
        self.faults.seen.clear()
        self.faults.faults.append({**FAULTS[fault], "at": step, "persist": persist})

    def disarm(self) -> int:
        self.faults.faults.clear()
        return len(self.faults.seen)

    def client(self) -> signport.Client:
        return signport.connect(self.vendor.name, transport=_TimeoutTransport(), timeout=10,
                                **self.vendor.settings(self.url))

    def async_client(self) -> signport.AsyncClient:
        return signport.connect_async(self.vendor.name, transport=_AsyncTimeoutTransport(), timeout=10,
                                      **self.vendor.settings(self.url))

    def sign_all(self, envelope: signport.Envelope) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as control:
            for signer in envelope.signers:
                assert signer.id is not None
                control.post(self.vendor.sign_path(str(envelope.id), signer.id)).raise_for_status()


@contextmanager
def rig(name: str) -> Iterator[Rig]:
    vendor = VENDORS[name]
    faults = Faults(vendor.make_app())
    with serve(faults) as url:
        yield Rig(vendor, faults, url)


# --- scenarios ----------------------------------------------------------------------------------------------
Call = tuple[str, tuple[Any, ...], dict[str, Any]]


@attrs.frozen
class Scenario:
    """``setup`` prepares the remote side with a clean client; ``call`` is the operation under test."""

    vendor: str
    name: str
    kind: str  # "create" (makes one envelope), "change" (changes one), "read"
    setup: Callable[[Rig, signport.Client], Any]
    call: Callable[[Any, Path], Call]

    @property
    def id(self) -> str:
        return f"{self.vendor}-{self.name}"


def _two_documents(caps: signport.Capabilities, subject: str) -> signport.Envelope:
    env = envelope(caps, subject=subject)
    return attrs.evolve(env, documents=[*env.documents, Document(name="annex.pdf", content=make_pdf(1))])


def _none(rig: Rig, client: signport.Client) -> Any:
    return client.capabilities


def _draft(rig: Rig, client: signport.Client) -> signport.Envelope:
    return client.create_draft(envelope(client.capabilities, subject="Draft"))


def _sent(rig: Rig, client: signport.Client) -> signport.Envelope:
    return client.send(envelope(client.capabilities, subject="Sent"))


def _completed(rig: Rig, client: signport.Client) -> signport.Envelope:
    sent = _sent(rig, client)
    rig.sign_all(sent)
    done = client.wait(str(sent.id), timeout=10, poll=0.01)
    assert done.state is State.COMPLETED
    return done


def _update(env: signport.Envelope, folder: Path) -> Call:
    return ("update_draft", (env.id,), {
        "subject": "Changed", "add_signers": [Signer(first_name="Cy", last_name="Day", email="cy@example.com")],
        "add_documents": [Document(name="extra.pdf", content=make_pdf(1))]})


def _scenarios(vendor: str) -> list[Scenario]:
    out = [
        Scenario(vendor, "send", "create", _none, lambda caps, d: ("send", (_two_documents(caps, "Sent"),), {})),
        Scenario(vendor, "create_draft", "create", _none,
                 lambda caps, d: ("create_draft", (envelope(caps, subject="Drafted"),), {})),
        Scenario(vendor, "send_draft", "change", _draft, lambda env, d: ("send_draft", (env.id,), {})),
        Scenario(vendor, "update_draft", "change", _draft, _update),
        Scenario(vendor, "update_signer", "change", _sent,
                 lambda env, d: ("update_signer", (env.id, env.signers[0].id), {"email": "new@example.com"})),
        Scenario(vendor, "void", "change", _sent, lambda env, d: ("void", (env.id,), {"reason": "Changed plans"})),
        Scenario(vendor, "delete_draft", "change", _draft, lambda env, d: ("delete_draft", (env.id,), {})),
    ]
    if vendor == "iinked":
        out.append(Scenario(vendor, "download", "read", _completed,
                            lambda env, d: ("download", (env.id,), {"to": d, "kind": DocumentKind.EXECUTED})))
    if vendor == "easyink":
        out += [
            Scenario(vendor, "duplicate", "create", _sent,
                     lambda env, d: ("duplicate", (env.id,), {"subject": "Copy"})),
            Scenario(vendor, "duplicate_and_void", "create", _sent,
                     lambda env, d: ("duplicate", (env.id,), {"void_original": True, "reason": "Redo"})),
            Scenario(vendor, "download_original", "read", _sent,
                     lambda env, d: ("download", (env.id,), {"to": d, "kind": DocumentKind.ORIGINAL})),
            Scenario(vendor, "download_signer_copies", "read", _completed,
                     lambda env, d: ("download", (env.id,), {"to": d, "kind": DocumentKind.SIGNER_COPIES})),
        ]
    return out


SCENARIOS = [s for v in VENDORS for s in _scenarios(v)]


# --- judging ------------------------------------------------------------------------------------------------
def judge(kind: str, target: str | None, before: set[str], after: set[str], was: Any, now: Any,
          outcome: Any) -> str:
    """``ok`` or the name of what went wrong (see the module docstring)."""
    if isinstance(outcome, BaseException) and not isinstance(outcome, signport.SignportError):
        return "untyped"
    if isinstance(outcome, signport.OutcomeUnknown):
        return "ambiguous"
    created = after - before
    if kind == "create":
        if isinstance(outcome, signport.SignportError):
            if not created:
                return "ok"
            if not isinstance(outcome, signport.PartialFailure) or outcome.cleaned_up:
                return "lost"
            return "ok" if created <= {outcome.envelope_id, *outcome.remote_ids} else "lost"
        if len(created) > 1:
            return "duplicated"
        return "ok" if created == {outcome.id} else "lost"
    if created:
        return "duplicated"
    changed = was != now
    if kind == "read":
        return "ambiguous" if changed else "ok"
    if isinstance(outcome, signport.SignportError):
        if not changed:
            return "ok"
        if isinstance(outcome, signport.PartialFailure) and (outcome.applied or outcome.envelope_id):
            return "ok"
        return "ambiguous"
    return "ok" if changed else "ambiguous"


@attrs.define
class Case:
    scenario: Scenario
    mode: str
    step: int
    fault: str
    persist: bool

    @property
    def key(self) -> str:
        how = "persistent" if self.persist else "once"
        return f"{self.scenario.id}/{self.mode}/step {self.step}/{self.fault}/{how}"


def cases(scenario: Scenario, mode: str, steps: int) -> list[Case]:
    every = [Case(scenario, mode, k, fault, persist)
             for k in range(steps) for fault in FAULTS for persist in (False, True)]
    return [c for c in every if sampled(c.key)]


def record(results: list[tuple[Case, str, Any]]) -> list[str]:
    """Add ``results`` to the tally; returns the descriptions of the bad ones."""
    bad = []
    for case, verdict, outcome in results:
        TALLY["cases"] += 1
        if verdict != "ok":
            TALLY[verdict] += 1
            bad.append(f"{verdict}: {case.key}: {type(outcome).__name__}: {outcome}")
    return bad


def summary() -> str:
    counts = ", ".join(f"{name}: {TALLY[name]}" for name in OUTCOMES)
    return f"faults: {TALLY['cases']} cases, {counts}"
