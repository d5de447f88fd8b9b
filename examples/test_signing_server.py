# test_signing_server.py
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import signport
from signport import Client, Document, Envelope, Signer, State
from signport_local.provider import LocalProvider
from signport_local.server import running


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    """A local client whose signing links open on a signing server over the same store."""
    with signport.connect("local", path=tmp_path) as server_side:
        assert isinstance(server_side.provider, LocalProvider)
        with running(server_side.provider) as url, \
                signport.connect("local", path=tmp_path, server_url=url) as client:  # url: http://127.0.0.1:<port>
            yield client


def test_the_link_opens_the_signers_page(client: Client) -> None:
    env = client.send(Envelope(subject="Contract", documents=[Document.from_path("contract.pdf")],
                               signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
    link = client.signing_url(env, env.signers[0])
    page = httpx.get(link)
    assert page.status_code == 200
    assert "For Ann Lee" in page.text
    client.local.sign(env, env.signers[0])        # simulated; a person signs on the page
    assert client.get(env).state is State.COMPLETED
    assert "Thank you, you have signed." in httpx.get(link).text
