# --8<-- [start:handlers]
from signport import EventKind, events


@events.on(EventKind.ENVELOPE_COMPLETED)
def archive(event: events.Event) -> None:
    print("archive:", event.envelope_id)               # your code: store the signed PDFs, ...


@events.on(EventKind.SIGNER_SIGNED, EventKind.SIGNER_DECLINED)
async def notify(event: events.Event) -> None:          # async handlers too
    print("notify:", event.kind.value, event.signer_id)


@events.on()                                             # no kind: a catch-all, sees every event
def audit(event: events.Event) -> None:
    print("audit:", event.provider, event.kind.value, event.envelope_id)
# --8<-- [end:handlers]


if __name__ == "__main__":  # an envelope sent and signed on local: its events go to the handlers above
    import signport
    from signport import Document, Envelope, Signer
    from signport_local.provider import LocalProvider

    with signport.connect("local") as client:
        env = client.send(Envelope(subject="NDA", documents=[Document.from_path("nda.pdf")],
                                   signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
        client.local.sign(env, env.signers[0])
        provider = client.provider
        assert isinstance(provider, LocalProvider)
        for headers, body in provider.webhook_deliveries(env.id):
            events.handlers.call(client.parse_webhook(headers, body))   # what a receiver or watcher does
