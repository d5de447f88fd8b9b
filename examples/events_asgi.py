# --8<-- [start:mount]
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount

from events_receiver import receiver  # the receiver above (examples/events_receiver.py)

app = Starlette(routes=[Mount("/webhooks", app=receiver)])

api = FastAPI()
api.mount("/webhooks", receiver)
# --8<-- [end:mount]


async def post(deliveries: list[tuple[dict[str, str], bytes]]) -> None:
    """Post the deliveries to each app: the first handles them, the second finds them handled already."""
    import httpx

    for name, asgi in (("starlette", app), ("fastapi", api)):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://app") as http:
            for headers, body in deliveries:
                reply = await http.post("/webhooks/local", headers=headers, content=body)
                print(name, reply.status_code, reply.json()["outcome"])


if __name__ == "__main__":
    import asyncio

    from events_receiver import local_deliveries

    asyncio.run(post(local_deliveries()))
