# --8<-- [start:archive]
import sqlite3
from contextlib import closing

import signport
from signport import EventKind, events

client = signport.connect()                          # the provider from configuration ("local" by default)
DB = "app.sqlite3"                                   # your application's database (SQLite here)

with closing(sqlite3.connect(DB)) as db, db:
    db.execute("CREATE TABLE IF NOT EXISTS archived (event_id TEXT PRIMARY KEY, envelope_id TEXT NOT NULL)")


@events.on(EventKind.ENVELOPE_COMPLETED)
def archive(event: events.Event) -> None:
    assert event.id is not None                      # the stable id: set on every delivered event
    assert event.envelope_id is not None
    with closing(sqlite3.connect(DB, isolation_level=None)) as db, db:   # committed at the end, rolled back on error
        db.execute("BEGIN IMMEDIATE")               # the check and the record in one transaction, one writer at once
        if db.execute("SELECT 1 FROM archived WHERE event_id = ?", (event.id,)).fetchone():
            return                                   # done before the crash: nothing to do
        paths = client.download(event.envelope_id, to=f"archive/{event.envelope_id}", overwrite=True)
        db.execute("INSERT INTO archived VALUES (?, ?)", (event.id, event.envelope_id))
        print("archived", event.envelope_id, [p.name for p in paths])
# --8<-- [end:archive]


if __name__ == "__main__":  # the events of a completed envelope, delivered as usual, then again as after a crash
    from signport import Document, Envelope, Signer
    from signport_local.provider import LocalProvider

    env = client.send(Envelope(subject="NDA", documents=[Document.from_path("nda.pdf")],
                               signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
    client.local.sign(env, env.signers[0])
    provider = client.provider
    assert isinstance(provider, LocalProvider)

    @events.on(EventKind.ENVELOPE_COMPLETED)
    def delivered(event: events.Event) -> None:
        print("handlers ran for", event.id)

    # The second store has no record of these events, like a store whose process died after the handlers ran
    # but before it recorded them: the handlers run again, and archive() finds the work done.
    for name in ("events.sqlite3", "events-without-the-record.sqlite3"):
        with events.SQLiteStore(name) as store:
            receiver = events.Receiver(client, store=store)
            for headers, body in provider.webhook_deliveries(env.id):
                assert receiver.respond("POST", "/webhooks", headers, body).status == 200
    with closing(sqlite3.connect(DB)) as db:
        print(db.execute("SELECT count(*) FROM archived").fetchone()[0], "archived")
    client.close()
