# --8<-- [start:send]
from datetime import UTC, datetime, timedelta

import signport
from signport import Document, Envelope, Field, FieldType, Placement, Signer, SigningOrder, State

client = signport.connect("local", path="signport-data")   # a folder: SQLite file + PDFs

envelope = client.send(Envelope(
    subject="Consulting agreement",
    documents=[Document.from_path("contract.pdf")],
    signers=[
        Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann"),
        Signer(first_name="Bob", last_name="Ray", email="bob@example.com", key="bob"),
    ],
    fields=[
        # PDF points, pages 1-based, origin at the bottom-left of the page as a reader sees it.
        Field(type=FieldType.SIGNATURE, signer="ann", placement=Placement(page=1, x=72, y=100, width=200, height=50)),
        Field(type=FieldType.SIGNATURE, signer="bob", placement=Placement(page=1, x=320, y=100, width=200, height=50)),
    ],
    order=SigningOrder.SEQUENTIAL,
    sign_by=datetime.now(UTC) + timedelta(days=14),
    message="Please sign by the end of next week.",
))
print(envelope.id, envelope.state)                    # ... State.SENT
print([(s.name, s.state) for s in envelope.signers])  # Ann: SignerState.NEXT, Bob: SignerState.PENDING
# --8<-- [end:send]

# --8<-- [start:follow]
client.local.sign(envelope, "ann")                    # a Signer, its id or its key
client.local.sign(envelope, "bob")

done = client.wait(envelope, timeout=600, poll=5)     # polls until completed/declined/voided/expired
assert done.state is State.COMPLETED

paths = client.download(envelope, to="signed/", kind=signport.DocumentKind.EXECUTED)
print(paths)                                          # [PosixPath('/.../signed/contract.pdf')]
# A file already in signed/ is never replaced silently: pass overwrite=True to replace it.

for e in client.list(states={State.SENT, State.IN_PROGRESS}):   # lazily, page by page
    print(e.id, e.subject, e.state)

client.close()
# --8<-- [end:follow]
