import signport
from signport_iinked.provider import hmac_verifier

client = signport.connect("iinked", webhook_secret="...",
                          webhook_verifier=hmac_verifier(digest="sha256", encoding="base64"))
