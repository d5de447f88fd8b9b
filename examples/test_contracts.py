# test_contracts.py
from signport import Client, Document, Envelope, Signer, State, StoredEnvelope


def send_contract(client: Client, email: str) -> StoredEnvelope:   # your code, given a signport client
    return client.send(Envelope(subject="Contract", documents=[Document.from_path("contract.pdf")],
                                signers=[Signer(first_name="Ann", last_name="Lee", email=email)]))


def test_contract_completes(signport_local: Client) -> None:
    envelope = send_contract(signport_local, "ann@example.com")
    for signer in envelope.signers:
        signport_local.local.sign(envelope, signer)
    assert signport_local.get(envelope).state is State.COMPLETED
