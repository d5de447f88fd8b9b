import threading

from signport import Document, Envelope, Signer, events
from signport.testing import IinkedControl, running_fake


@events.on()
def show(event: events.Event) -> None:
    print(" ", event.kind.value, event.verification.value)   # polled: read by the watcher; verified: a webhook


# iinked's fake on 127.0.0.1 stands in for the vendor and its signers.
with running_fake("iinked") as vendor, vendor.connect() as iinked, events.SQLiteStore("events.sqlite3") as store:
    assert isinstance(vendor, IinkedControl)
    events.Watcher(iinked, store=store).poll()      # as if it ran before: a new watcher's first sweep only notes

    # --8<-- [start:refresh]
    watcher = events.Watcher(iinked, store=store)                               # one store for both
    receiver = events.Receiver(iinked, store=store, refresh={"iinked": watcher})   # notifications trigger a read
    stop = threading.Event()
    sweeper = threading.Thread(target=watcher.run, args=(stop,), daemon=True)   # the fallback for the rest
    sweeper.start()                                                             # stop.set() ends it
    # --8<-- [end:refresh]

    env = iinked.send(Envelope(subject="NDA", documents=[Document.from_path("nda.pdf")],
                               signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
    vendor.sign(env, env.signers[0])                 # Ann signs; iinked posts thin notifications
    ids = {"documentId": env.documents[0].id or "", "signerId": env.signers[0].id or ""}
    for action in ("document_signed", "document_executed", "package_executed"):
        headers, body = vendor.webhook(env, action, **ids)
        print(action, receiver.respond("POST", "/webhooks/iinked", headers, body).status)
    stop.set()
    sweeper.join()
    # The sweep the thread would make next: it reports what a sweep in progress kept a notification from reading.
    print("next sweep:", events.Watcher(iinked, store=store).poll())
