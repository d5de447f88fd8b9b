from datetime import UTC, datetime, timedelta

import signport
from signport import Document, DocumentKind, Envelope, Field, FieldType, Placement, Signer, SigningOrder, State

with signport.connect() as client:          # provider from config; "local" by default
    caps = client.capabilities              # what this provider supports: ask instead of guessing
    env = client.send(Envelope(
        subject="NDA",
        documents=[Document.from_path("nda.pdf")],
        signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann"),
                 Signer(first_name="Bob", last_name="Ray", email="bob@example.com", key="bob")],
        fields=[Field(type=FieldType.SIGNATURE, signer="ann",
                      placement=Placement(page=1, x=100, y=200, width=200, height=50))]
        if FieldType.SIGNATURE in caps.field_types else [],
        order=SigningOrder.SEQUENTIAL,
        sign_by=datetime.now(UTC) + timedelta(days=30) if caps.sign_by else None,
    ))
    print(env.id, env.state, [s.state for s in env.signers])
    if caps.simulated_signing:              # local: play the signers; on a vendor, people sign there
        for signer in env.signers:
            client.local.sign(env, signer)
    done = client.wait(env, timeout=600, poll=5)
    print(done.state)
    if done.state is State.COMPLETED:       # EasyInk keeps a signed copy per signer, not one per document
        kind = DocumentKind.EXECUTED if DocumentKind.EXECUTED in caps.download_kinds else DocumentKind.SIGNER_COPIES
        print(client.download(done, to="signed/", kind=kind))
