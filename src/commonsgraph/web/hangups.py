"""A query whose client hung up is stopped: its worker and its turn go to the queries still awaited.

A client that gives up (its own timeout, a closed tab, Ctrl-C) would otherwise leave its query
burning a query worker until the deadline, and holding one of its client's turns
(`web/scheduler.py`). A query still running after `WATCH_AFTER` seconds has its request's ASGI
`receive` watched: after the request's body, the only message it can give is `http.disconnect`,
and on that message the query is cancelled (a worker running it is replaced, `store/pool.py`; a
turn waited for is withdrawn). Nothing is answered: nobody is left to read it.

The watch starts late because most queries answer in microseconds, and a watching task would
cost them more than their evaluation; a timer costs them next to nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.types import Receive

T = TypeVar("T")

WATCH_AFTER = 0.5
"""Seconds a query runs before its client's connection is watched."""


class HungUp(Exception):
    """The client hung up before its answer was ready; the work was cancelled."""


async def unless_hung_up(receive: Receive, work: Awaitable[T]) -> T:
    """The result of `work`, or `HungUp` once `receive` says the client disconnected (`work`
    is then cancelled where it waits). Call it after the request's body was read."""
    loop = asyncio.get_running_loop()  # once: each call asks the kernel for the process id
    task = asyncio.current_task(loop)
    assert task is not None
    hung_up = False
    watch: asyncio.Task[None] | None = None

    async def until_hung_up() -> None:
        nonlocal hung_up
        while (await receive())["type"] != "http.disconnect":
            pass  # a body's last empty message: only the disconnect can follow
        hung_up = True
        task.cancel()

    def start_watching() -> None:
        nonlocal watch
        watch = loop.create_task(until_hung_up())

    timer = loop.call_later(WATCH_AFTER, start_watching)
    try:
        result = await work
    except BaseException:  # the cancellation, or what the work made of it
        if not hung_up:
            raise  # not the client's leaving: not ours to swallow
        task.uncancel()
        raise HungUp from None
    finally:
        timer.cancel()
        if watch is not None:
            watch.cancel()
    if hung_up:  # the work ended as the client left, and kept the cancellation to itself
        task.uncancel()
        raise HungUp
    return result
