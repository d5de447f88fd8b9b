# --8<-- [start:download]
from pathlib import Path

import signport
from signport import DocumentKind


def download_signed(client: signport.Client, envelope: signport.Envelope) -> list[Path]:
    """The signed documents: one per document where the provider has them, else each signer's copies."""
    kinds = client.capabilities.download_kinds
    kind = DocumentKind.EXECUTED if DocumentKind.EXECUTED in kinds else DocumentKind.SIGNER_COPIES
    return client.download(envelope, to="signed/", kind=kind)
# --8<-- [end:download]


if __name__ == "__main__":
    with signport.connect() as client:
        env = client.send(signport.Envelope(
            subject="NDA", documents=[signport.Document.from_path("nda.pdf")],
            signers=[signport.Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
        client.local.sign(env, env.signers[0])
        print(download_signed(client, env))
