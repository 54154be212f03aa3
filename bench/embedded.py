"""Our service as `commonsgraph serve` runs it, but in granian's embedded server instead of
uvicorn (the bench's comparison of HTTP servers, `bench/sparql.py --embedded`): one process, the
store named by the COMMONSGRAPH_* variables, the app on this process's one event loop (uvloop)
and granian's HTTP/1.1 in Rust threads. SIGINT and SIGTERM stop it cleanly (the app's lifespan
shutdown runs).

    COMMONSGRAPH_DATA_DIR=… COMMONSGRAPH_PORT=… .venv/bin/python bench/embedded.py
"""

from __future__ import annotations

import asyncio
import signal

import uvloop
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server.embed import Server

from commonsgraph.cli.base import opened
from commonsgraph.config import Settings
from commonsgraph.web import create_app


async def serve(app: object, settings: Settings) -> None:
    server = Server(
        target=app,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,  # with the lifespan (query workers, gateway, schedules)
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(keep_alive=True),
        websockets=False,
        backlog=1024,  # the kernel's queue of connections not yet accepted
        backpressure=256,  # exchanges in the app at once; the scheduler queues the queries
        log_level=LogLevels.warning,
        log_access=settings.access_log,
    )  # the app decides who the client is (web/clients.py): granian reads no proxy headers
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, server.stop)
    await server.serve()


def main() -> None:
    settings = Settings.from_env()
    with opened(settings) as store:
        print(f"serving on http://{settings.host}:{settings.port}/", flush=True)
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve(create_app(settings, store), settings))


if __name__ == "__main__":  # the query workers' fork server imports this module again
    main()
