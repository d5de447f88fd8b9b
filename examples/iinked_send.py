import signport

# api_key from SIGNPORT_IINKED_API_KEY; environment="sandbox" unless SIGNPORT_IINKED_ENVIRONMENT says otherwise
with signport.connect("iinked") as client:
    env = client.send(signport.Envelope(subject="NDA", documents=[signport.Document.from_path("nda.pdf")],
                                        signers=[signport.Signer(first_name="Ann", last_name="Lee",
                                                                 email="ann@example.com")]))
    print(env.id, env.state)
