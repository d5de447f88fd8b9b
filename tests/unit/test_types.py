"""Types that help: mypy --strict accepts the client's results where ids go and refuses strings where
objects belong; every method taking an envelope (or signer) id takes the object too; ``client.local``;
the events receiver is an ASGI app to Starlette's and FastAPI's types."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx
import pytest
from mypy import api as mypy_api

import signport
from signport import Envelope, Signer, State, StoredEnvelope, UnsupportedFeature, ValidationError
from signport.client import AsyncClient, Client
from signport.convert import unstructure

from ..samples import envelope
from .toy import ToyProvider, ToySettings

ROOT = Path(__file__).resolve().parents[2]

GOOD = '''
    from pathlib import Path

    import signport
    from signport import Document, Envelope, Signer, SigningOrder, StoredEnvelope


    def app(client: signport.Client, pdf: Path) -> str:
        env = client.send(Envelope(
            subject="NDA",
            documents=[Document.from_path(pdf)],
            signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")],
            order=SigningOrder.SEQUENTIAL,
        ))
        done: StoredEnvelope = client.wait(env.id)
        client.wait(env)
        client.download(env, to="out")
        client.get(env).id.upper()
        client.local.sign(env, env.signers[0])
        url: str = env.id
        return url + done.id


    async def async_app(client: signport.AsyncClient, env: Envelope) -> str:
        got = await client.get(env)
        await client.local.decline(got, got.signers[0], reason="no")
        async for e in client.list():
            return e.id
        return got.id
'''

BAD = '''
    import signport
    from signport import Envelope, Field, Placement

    Envelope(subject="NDA", signers=["ann@example.com"], documents=["nda.pdf"], order="sequentail")
    Field(type="signature", signer=0, placement=Placement(page=1, x=0, y=0, width=1, height=1))


    def app(client: signport.Client, draft: Envelope) -> None:
        client.wait(draft.id)
'''


#: The events receiver where ASGI frameworks take an app: their scope and messages are ``MutableMapping``s.
ASGI = '''
    from fastapi import FastAPI
    from starlette.applications import Starlette
    from starlette.routing import Mount

    import signport
    from signport import events

    receiver = events.Receiver(signport.connect("local"))
    app = Starlette(routes=[Mount("/webhooks", app=receiver)])
    FastAPI().mount("/webhooks", receiver)
'''


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def run_mypy(source: str, tmp_path: Path, cache: Path) -> tuple[str, int]:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(source))
    out, err, status = mypy_api.run([
        "--strict", "--no-error-summary", "--show-error-codes", "--cache-dir", str(cache),
        "--config-file", str(ROOT / "pyproject.toml"), str(snippet)])
    return out + err, status


def test_mypy_accepts_client_results_where_ids_go(tmp_path: Path, mypy_cache: Path) -> None:
    output, status = run_mypy(GOOD, tmp_path, mypy_cache)
    assert status == 0, output
    assert output.strip() == ""


def test_mypy_refuses_strings_where_objects_belong(tmp_path: Path, mypy_cache: Path) -> None:
    output, status = run_mypy(BAD, tmp_path, mypy_cache)
    assert status == 1, output
    errors = [line for line in output.splitlines() if ": error:" in line]
    lines = {int(line.split(":")[1]) for line in errors}
    text = "\n".join(errors)
    assert 'incompatible type "str"; expected "Signer"' in text, text
    assert 'incompatible type "str"; expected "Document"' in text, text
    assert 'Argument "order" to "Envelope" has incompatible type "str"; expected "SigningOrder"' in text, text
    assert 'Argument "type" to "Field" has incompatible type "str"; expected "FieldType"' in text, text
    # an Envelope the caller built has no id yet: ``draft.id`` is ``str | None``
    assert 'Argument 1 to "wait" of "Client"' in text, text
    assert lines == {5, 6, 10}, text
    assert len(errors) == 5, text


def test_mypy_accepts_the_receiver_as_an_asgi_app(tmp_path: Path, mypy_cache: Path) -> None:
    output, status = run_mypy(ASGI, tmp_path, mypy_cache)
    assert status == 0, output


def test_client_results_are_stored_envelopes_with_ids(tmp_path: Path) -> None:
    with signport.connect("local", path=tmp_path / "store") as client:
        sent = client.send(envelope())
        assert type(sent) is StoredEnvelope
        assert isinstance(sent, Envelope)
        assert sent.id
        assert client.get(sent).id == sent.id
        assert all(type(e) is StoredEnvelope for e in client.list())
        # the same data as an Envelope: fields in the same order when unstructured
        assert list(unstructure(sent)) == [a.name for a in attrs.fields(Envelope)]
        assert attrs.evolve(sent, subject="x").id == sent.id


def test_every_method_takes_the_envelope_and_the_signer(tmp_path: Path) -> None:
    with signport.connect("local", path=tmp_path / "store") as client:
        draft = client.create_draft(envelope())
        draft = client.update_draft(draft, subject="NDA 2", remove_signers=[draft.signers[1]])
        assert [s.key for s in draft.signers] == ["ann"]
        updated = client.update_signer(draft, draft.signers[0], email="ann@example.org")
        assert updated.signers[0].email == "ann@example.org"
        sent = client.send_draft(draft)
        assert sent.state is State.SENT
        copy = client.duplicate(sent, subject="Copy")
        client.delete_draft(copy)
        signed = client.local.sign(sent, sent.signers[0])
        assert signed.state is State.COMPLETED
        done = client.wait(sent, timeout=0)
        assert done.state is State.COMPLETED
        files = client.download(done, to=tmp_path / "out")
        assert len(files) == 1
        assert files[0].is_file()
        other = client.send(envelope())
        assert client.void(other, reason="changed").void_reason == "changed"


def test_an_envelope_without_an_id_is_refused_naming_the_argument(tmp_path: Path) -> None:
    with signport.connect("local", path=tmp_path / "store") as client:
        with pytest.raises(ValidationError) as info:
            client.get(envelope())
        assert info.value.path == "envelope_id"
        assert info.value.provider == "local"
        sent = client.send(envelope())
        with pytest.raises(ValidationError) as info:
            client.update_signer(sent, Signer(first_name="A", last_name="B"), email="a@example.com")
        assert info.value.path == "signer_id"


def test_local_signs_declines_and_expires_by_object_id_or_key(tmp_path: Path) -> None:
    with signport.connect("local", path=tmp_path / "store") as client:
        given = envelope()
        sent = client.send(given)
        after = client.local.sign(sent.id, given.signers[0])  # the caller's own Signer: by key
        assert after.signer("ann").signed_at is not None
        declined = client.local.decline(sent, "bob", reason="no")
        assert declined.state is State.DECLINED
        assert type(declined) is StoredEnvelope
        assert [e.kind.value for e in client.local.events(sent)][-1] == "envelope_declined"
        expired = client.local.expire(client.send(envelope()))
        assert expired.state is State.EXPIRED
        assert "local" in repr(client.local)


async def test_async_local_is_awaited(tmp_path: Path) -> None:
    async with signport.connect_async("local", path=tmp_path / "store") as client:
        sent = await client.send(envelope())
        await client.local.sign(sent, sent.signers[0])
        done = await client.local.sign(sent, sent.signers[1])
        assert done.state is State.COMPLETED
        assert (await client.wait(done)).state is State.COMPLETED
        assert len(await client.local.events(done)) > 2


@pytest.fixture
def toy_clients() -> Iterator[tuple[Client, AsyncClient]]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected: {request.method} {request.url}")

    transport = httpx.MockTransport(handler)
    sync = Client(ToyProvider(ToySettings()), transport_=transport)
    yield sync, AsyncClient(ToyProvider(ToySettings()), transport_=transport)
    sync.close()


async def test_local_on_another_provider_names_provider_and_feature(toy_clients: tuple[Client, AsyncClient]) -> None:
    sync, async_ = toy_clients
    for client in (sync, async_):
        with pytest.raises(UnsupportedFeature) as info:
            client.local  # noqa: B018
        assert info.value.provider == "toy"
        assert info.value.feature == "simulated_signing"
        assert "toy" in str(info.value)
        assert "simulated signing" in str(info.value)
    await async_.aclose()
