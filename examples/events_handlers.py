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

    with signport.connect("local") as client:
        env = client.send(Envelope(subject="NDA", documents=[Document.from_path("nda.pdf")],
                                   signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
        client.local.sign(env, env.signers[0])
        for event in client.local.events(env):   # the events a receiver or a watcher would hand over
            events.handlers.call(event)
