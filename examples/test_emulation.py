# test_emulation.py
from datetime import UTC, datetime, timedelta

import pytest

from signport import Client, Document, Envelope, Signer, State, UnsupportedFeature


def contract() -> Envelope:
    return Envelope(subject="Contract", documents=[Document.from_path("contract.pdf")],
                    signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")],
                    sign_by=datetime.now(UTC) + timedelta(days=30))


@pytest.mark.parametrize("signport_local", [None, "iinked", "easyink"], indirect=True)
def test_send_contract(signport_local: Client) -> None:
    if signport_local.capabilities.sign_by:
        assert signport_local.send(contract()).state is State.SENT
    else:                                      # EasyInk takes the deadline from its own settings
        with pytest.raises(UnsupportedFeature):
            signport_local.send(contract())
