import signport
from signport import Document, Envelope, Field, FieldType, Placement, Signer

envelope = Envelope(subject="NDA", documents=[Document.from_path("nda.pdf")],
                    signers=[Signer(first_name="Ann", last_name="Lee", email="ann@example.com", key="ann")],
                    fields=[Field(type=FieldType.SIGNATURE, signer="ann",
                                  placement=Placement(page=1, x=72, y=100, width=200, height=50))])

with signport.connect() as client:                # local, with server_url set
    env = client.send(envelope)
    for signer in env.signers:                    # Ann Lee: http://127.0.0.1:8025/sign/<token>
        print(f"{signer.name}: {client.signing_url(env, signer)}", flush=True)
    done = client.wait(env, timeout=600, poll=2)  # returns once the people have signed
    print(done.state)                             # State.COMPLETED (DECLINED if Ann declines)
