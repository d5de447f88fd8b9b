"""A receiver or watcher process for the scale test: ``python -m tests.events.scale_worker ROLE ...``.

Each handler call appends ``<event id> <kind>`` to this process's output file, so the test can count
every event across processes by id.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading

import signport
from signport.events import Event, Handlers, Receiver, Watcher
from signport.events.stores import open_store


def recorder(path: str) -> Handlers:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    handlers = Handlers()

    @handlers.on()
    def record(event: Event) -> None:
        os.write(fd, f"{event.id} {event.kind.value}\n".encode())

    return handlers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["receiver", "watcher"])
    parser.add_argument("--store", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--vendor-url", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    handlers = recorder(args.out)
    store = open_store(args.store)
    stop = threading.Event()
    if args.role == "receiver":
        import uvicorn

        client = signport.connect("iinked", api_key="events-key", base_url=f"{args.vendor_url}/api/v1")
        receiver = Receiver(client, handlers, store, busy_wait=30)
        uvicorn.run(receiver, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off",
                    access_log=False)
        return
    client = signport.connect("easyink", access_token="events-token", base_url=args.vendor_url,
                              identity_url=args.vendor_url)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    Watcher(client, handlers, store, name="scale", requests_per_minute=600_000, burst=10_000, interval=0.2,
            backfill=True).run(stop)


if __name__ == "__main__":
    main()
