"""A query whose client hung up is stopped: its worker and its turn go to the queries still awaited.

A client that gives up (its own timeout, a closed tab, Ctrl-C) would otherwise leave its query
burning a query worker until the deadline, and holding one of its client's turns
(`web/scheduler.py`). While a query runs, its request's ASGI `receive` is watched: after the
request's body, the only message it can give is `http.disconnect`, and on that message the query
is cancelled (a worker running it is replaced, `store/pool.py`; a turn waited for is withdrawn).
Nothing is answered: nobody is left to read it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from starlette.types import Receive

T = TypeVar("T")


class HungUp(Exception):
    """The client hung up before its answer was ready; the work was cancelled."""


async def unless_hung_up(receive: Receive, work: Coroutine[Any, Any, T]) -> T:
    """The result of `work`, or `HungUp` once `receive` says the client disconnected (`work`
    is then cancelled, and its end awaited). Call it after the request's body was read."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(_hang_up(receive))
    try:
        await asyncio.wait((task, watch), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
        if not task.done():  # the client hung up, or this request was itself cancelled
            task.cancel()
            await asyncio.wait((task,))
    if task.cancelled():
        raise HungUp
    return task.result()


async def _hang_up(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass  # a body's last empty message: only the disconnect can follow
