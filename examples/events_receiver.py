# --8<-- [start:receiver]
import events_handlers  # noqa: F401 - importing it registers its handlers (events.on)
import signport
from signport import events

iinked = signport.connect("iinked")                  # settings from SIGNPORT_IINKED_* or signport.toml
local = signport.connect("local")
receiver = events.Receiver({"iinked": iinked, "local": local},     # or Receiver(iinked) for one provider
                           store=events.SQLiteStore("events.sqlite3"))   # default: signport's data folder
# --8<-- [end:receiver]


def local_deliveries() -> list[tuple[dict[str, str], bytes]]:
    """For the examples: the webhook deliveries of an envelope sent and signed on ``local``."""
    from signport import Document, Envelope, Signer
    from signport_local.provider import LocalProvider

    env = local.send(Envelope(subject="NDA", documents=[Document.from_path("nda.pdf")],
                              signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com")]))
    local.local.sign(env, env.signers[0])
    provider = local.provider
    assert isinstance(provider, LocalProvider)
    return provider.webhook_deliveries(env.id)


if __name__ == "__main__":  # each delivery posted twice: the handlers run once per event
    import json

    for headers, body in local_deliveries() * 2:
        reply = receiver.respond("POST", "/webhooks/local", headers, body)
        print("receiver", reply.status, json.loads(reply.body)["outcome"])
    iinked.close()
    local.close()
