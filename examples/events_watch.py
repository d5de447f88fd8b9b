# --8<-- [start:watch]
import signport
from signport import events

store = events.SQLiteStore("events.sqlite3")         # the default, SQLiteStore(), is in signport's data folder


def sweep() -> int:
    """One sweep over every envelope (what `signport watch --once` does); returns the events handled."""
    with signport.connect() as client:               # the provider from configuration, e.g. SIGNPORT_PROVIDER=easyink
        return client.watch(store=store).poll()      # or events.Watcher(client, store=store).poll()


async def asweep() -> int:
    async with signport.connect_async() as client:
        return await client.watch(store=store).poll()   # an events.AsyncWatcher
# --8<-- [end:watch]


@events.on()
def show(event: events.Event) -> None:
    print(" ", event.kind.value, event.verification.value)


if __name__ == "__main__":
    import asyncio

    from signport import Document, Envelope, Signer

    def send() -> None:
        with signport.connect() as client:
            env = client.send(Envelope(subject="NDA", documents=[Document.from_path("nda.pdf")],
                                       signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
            if client.capabilities.simulated_signing:   # local: Ann signs; on a vendor, people sign there
                client.local.sign(env, env.signers[0])

    print("first sweep:", sweep())                   # a new watcher notes what exists and reports nothing
    send()
    print("sweep:", sweep())                         # what changed since
    send()
    print("async sweep:", asyncio.run(asweep()))
    store.close()
