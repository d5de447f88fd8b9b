import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import signport
from signport import Document, Envelope, Signer
from signport_local.provider import LocalProvider

# --8<-- [start:receiver]
client = signport.connect_async("local", path="signport-data")  # the provider your app is configured for
seen: set[str] = set()  # your store: an insert under a unique key


async def webhook(request: Request) -> Response:
    try:
        event = client.parse_webhook(request.headers, await request.body())
    except signport.WebhookVerificationError:
        return Response(status_code=401)
    except signport.ValidationError:
        return Response(status_code=400)
    if event.id is not None:
        if event.id in seen:
            return Response(status_code=200)  # a repeat: already handled
        seen.add(event.id)
    if event.envelope_id is not None:
        envelope = await client.get(event.envelope_id)  # the truth, not the hint
        print(event.kind.value, "->", envelope.state.value)
    return Response(status_code=200)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    async with client:  # closed when the server stops
        yield


app = Starlette(routes=[Route("/webhooks/signport", webhook, methods=["POST"])], lifespan=lifespan)
# --8<-- [end:receiver]


async def main() -> None:
    """Send, sign, and deliver the local provider's webhooks to the app, each one twice."""
    async with client:
        env = await client.send(Envelope(subject="NDA", documents=[Document.from_path("nda.pdf")],
                                         signers=[Signer(first_name="Ann", last_name="Lee",
                                                         email="ann@example.com")]))
        await client.local.sign(env, env.signers[0])
        provider = client.provider
        assert isinstance(provider, LocalProvider)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as http:
            for headers, body in provider.webhook_deliveries(env.id) * 2:
                response = await http.post("/webhooks/signport", headers=headers, content=body)
                assert response.status_code == 200
    print(len(seen), "events handled once each")


if __name__ == "__main__":
    asyncio.run(main())
