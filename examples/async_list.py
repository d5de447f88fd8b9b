import asyncio

import signport
from signport import State


async def main() -> None:
    async with signport.connect_async("local", path="signport-data") as aclient:
        async for e in aclient.list(states={State.COMPLETED}):
            print(e.id, e.subject)


asyncio.run(main())
