import signport
from signport import Document, Envelope, Signer
from signport_local.provider import LocalProvider

with signport.connect("local", path="signport-data") as client:
    env = client.send(Envelope(subject="NDA", documents=[Document.from_path("nda.pdf")],
                               signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
    client.local.sign(env, env.signers[0])
    provider = client.provider
    assert isinstance(provider, LocalProvider)
    for headers, body in provider.webhook_deliveries(env.id):
        event = client.parse_webhook(headers, body)      # Event(kind=EventKind.SIGNER_SIGNED, ...)
        print(event.kind, event.occurred_at)
