"""The docs tell the truth: the feature matrix matches the code, the plugin guide's provider runs."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest

import signport
from signport import registry
from signport.cli import sample_pdf

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _load(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- docs/providers.md ----------------------------------------------------------------------------


def test_feature_matrix_matches_the_capabilities() -> None:
    gen = _load("signport_docs_gen_matrix", DOCS / "gen_matrix.py")
    text = (DOCS / "providers.md").read_text("utf-8")
    documented = text.split(gen.BEGIN, 1)[1].split(gen.END, 1)[0].strip()
    installed = gen.installed()
    assert {"local", "iinked", "easyink"} <= set(installed)
    assert documented == gen.render(installed).strip(), "run: python docs/gen_matrix.py --write"


def test_feature_matrix_cells_follow_each_capability() -> None:
    gen = _load("signport_docs_gen_matrix", DOCS / "gen_matrix.py")
    caps = {
        "a": signport.Capabilities(sequential_order=True, field_types=frozenset({signport.FieldType.DATE})),
        "b": signport.Capabilities(parallel_order=True, webhooks=True),
    }
    table = {row[0]: row[1:] for row in gen.rows(caps)}
    assert table["Sequential signing order"] == ["yes", "—"]
    assert table["Parallel signing (all at once)"] == ["—", "yes"]
    assert table["Field type: `date`"] == ["yes", "—"]
    assert table["Field type: `signature`"] == ["—", "—"]
    assert table["Webhooks (`parse_webhook`)"] == ["—", "yes"]
    assert len(table) == len(gen.rows(caps))  # no label used twice


# --- docs/plugins.md ------------------------------------------------------------------------------------


def _code_blocks(path: Path) -> list[str]:
    return re.findall(r"^ *```python\n(.*?)^ *```", path.read_text("utf-8"), flags=re.S | re.M)


class AcmeFake:
    """Acme as the guide describes it, in memory."""

    def __init__(self) -> None:
        self.files: list[bytes] = []
        self.envelopes: dict[str, dict[str, Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != "Bearer test-key":
            return httpx.Response(401, json={"code": "unauthorized", "message": "bad key"})
        path = request.url.path.removeprefix("/v1")
        if request.method == "POST" and path == "/files":
            self.files.append(request.read())
            return httpx.Response(201, json={"id": f"f{len(self.files)}"})
        if request.method == "POST" and path == "/envelopes":
            body = json.loads(request.content)
            env = {"id": f"e{len(self.envelopes) + 1}", "title": body["title"], "status": "sent",
                   "sequential": body["sequential"], "files": body["files"],
                   "signers": [{"id": f"s{i}", "status": "to_sign" if i == 0 or not body["sequential"]
                                else "waiting", **s} for i, s in enumerate(body["signers"])]}
            self.envelopes[env["id"]] = env
            return httpx.Response(201, json=env)
        match = re.fullmatch(r"/envelopes/(\w+)(/void|/signed\.pdf)?", path)
        if not match or match[1] not in self.envelopes:
            return httpx.Response(404, json={"code": "not_found", "message": "no such envelope"})
        env = self.envelopes[match[1]]
        if match[2] == "/void":
            env["status"] = "voided"
            return httpx.Response(204)
        if match[2] == "/signed.pdf":
            return httpx.Response(200, content=sample_pdf(), headers={"content-type": "application/pdf"})
        return httpx.Response(200, json=env)


@pytest.fixture
def acme() -> Iterator[types.ModuleType]:
    source = next(b for b in _code_blocks(DOCS / "plugins.md") if b.startswith("# signport_acme/provider.py"))
    module = types.ModuleType("signport_acme_doc")
    sys.modules[module.__name__] = module
    exec(compile(source, str(DOCS / "plugins.md"), "exec"), module.__dict__)  # noqa: S102

    class Plugin:
        @signport.hookimpl
        def register_providers(self, register: Any) -> None:
            register("acme", lambda: module.AcmeProvider)

    plugin = Plugin()
    registry.register_plugin(plugin, name="docs-acme")
    try:
        yield module
    finally:
        registry.unregister_plugin(plugin)
        sys.modules.pop(module.__name__, None)


def test_the_guide_provider_works(acme: types.ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNPORT_ACME_API_KEY", raising=False)
    fake = AcmeFake()
    pdf = tmp_path / "nda.pdf"
    pdf.write_bytes(sample_pdf())
    with signport.connect("acme", api_key="test-key", base_url="https://acme.test/v1",
                          transport=httpx.MockTransport(fake)) as client:
        assert "test-key" not in repr(client.provider.settings)
        env = client.send(signport.Envelope(
            subject="NDA", documents=[signport.Document.from_path(pdf)],
            signers=[signport.Signer(first_name="Ann", last_name="Lee", email="ann@example.com"),
                     signport.Signer(first_name="Bob", last_name="Ray", email="bob@example.com")],
            order=signport.SigningOrder.SEQUENTIAL))
        assert env.state is signport.State.SENT
        assert env.provider == "acme"
        assert [s.state for s in env.signers] == [signport.SignerState.NEXT, signport.SignerState.PENDING]
        assert len(fake.files) == 1
        assert b'filename="nda.pdf"' in fake.files[0]
        assert client.void(env.id or "", reason="wrong").state is signport.State.VOIDED
        [path] = client.download(env.id or "", to=tmp_path / "out")
        assert path == tmp_path / "out" / f"{env.id}.pdf"
        assert path.read_bytes().startswith(b"%PDF-")
        with pytest.raises(signport.NotFound) as missing:
            client.get("nope")
        assert missing.value.code == "not_found"
        assert missing.value.status == 404
        with pytest.raises(signport.UnsupportedFeature):
            client.create_draft(env)
    fake.envelopes["e1"]["status"] = "archived"
    with signport.connect("acme", api_key="test-key", transport=httpx.MockTransport(fake)) as client:
        archived = client.get("e1")
    assert archived.state is signport.State.UNKNOWN
    assert archived.native_state == "archived"
    with pytest.raises(signport.ConfigError, match="SIGNPORT_ACME_API_KEY"):
        signport.connect("acme")
    with signport.connect("acme", api_key="wrong", base_url="https://acme.test/v1",
                          transport=httpx.MockTransport(fake)) as client, pytest.raises(signport.AuthError):
        client.get("e1")


def test_the_guide_parse_keeps_unknown_states(acme: types.ModuleType) -> None:
    provider = acme.AcmeProvider(acme.AcmeSettings(api_key="k"))
    env = provider.parse_envelope({"id": "e1", "title": "T", "status": "archived",
                                   "signers": [{"id": "s", "first_name": "A", "last_name": "B", "status": "?"}]})
    assert env.state is signport.State.UNKNOWN
    assert env.native_state == "archived"
    assert env.signers[0].state is signport.SignerState.UNKNOWN


def test_the_guide_mock_transport_snippet(acme: types.ModuleType) -> None:
    snippet = next(b for b in _code_blocks(DOCS / "plugins.md") if "MockTransport(handler)" in b)
    exec(compile(textwrap.dedent(snippet), "plugins.md", "exec"),  # noqa: S102
         {"httpx": httpx, "signport": signport})


# --- docs/quickstart.md -----------------------------------------------------------------------------------


def test_the_quickstart_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    for var in [v for v in os.environ if v.startswith("SIGNPORT_")]:
        monkeypatch.delenv(var)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "contract.pdf").write_bytes(sample_pdf())
    blocks = [b for b in _code_blocks(DOCS / "quickstart.md") if not b.startswith("# test_")]
    assert len(blocks) == 4
    namespace: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, "quickstart.md", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    assert "State.SENT" in out
    assert "SignerState.NEXT" in out
    assert "(provider=local)" in out
    assert (tmp_path / "signed" / "contract.pdf").is_file()
    assert "Consulting agreement" in out  # listed by the async block


def test_settings_reference_matches_the_settings_classes() -> None:
    gen = _load("signport_docs_gen_matrix", DOCS / "gen_matrix.py")
    text = (DOCS / "configuration.md").read_text("utf-8")
    documented = text.split(gen.SETTINGS_BEGIN, 1)[1].split(gen.SETTINGS_END, 1)[0].strip()
    assert documented == gen.render_settings(gen.provider_classes()).strip(), "run: python docs/gen_matrix.py --write"
    assert "| `api_key` (secret) | `SIGNPORT_IINKED_API_KEY` |" in documented


def test_the_guide_describes_every_capability() -> None:
    text = (DOCS / "plugins.md").read_text("utf-8")
    table = text.split("## 5. Capabilities", 1)[1].split("## 6.", 1)[0]
    documented = set(re.findall(r"`(\w+)`", "\n".join(line.split("|")[1] for line in table.splitlines()
                                                      if line.startswith("| `"))))
    assert documented == {a.name for a in attrs.fields(signport.Capabilities)}
