# test_on_the_fake.py
from signport import Client, Document, Envelope, Signer, State
from signport.testing import FakeVendor


def test_completes_on_easyink(signport_easyink_fake: FakeVendor[Client]) -> None:
    client = signport_easyink_fake.client
    env = client.send(Envelope(subject="Contract", documents=[Document.from_path("contract.pdf")],
                               signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
    for signer in env.signers:
        signport_easyink_fake.sign(env, signer)
    assert client.get(env).state is State.COMPLETED
