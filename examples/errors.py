import signport

try:
    with signport.connect("local", path="signport-data") as client:
        client.void("no-such-envelope", reason="sent by mistake")
except signport.NotFound as exc:
    print(exc)   # the message, then (provider=local)
