"""The event loop kept polling, not sleeping, around a lone query (busy-waiting).

A small query costs the store tens of microseconds, but waking a sleeping process costs more
(hundreds on a virtual machine), at each step of a query: the service waiting for the engine's
answer (a query worker, `store/pool.py`, or a remote server, `store/remote.py`), then for the
client's next request on its kept connection. So while a single query runs, and for `seconds`
after its answer, the event loop keeps turning without waiting in its poll: an answer, or the
next request, is read at once. Each turn yields the CPU (`sched_yield`): a polling loop that
does not holds up any process woken on its CPU (measured: a client working between its queries
saw each small query take 2.4 ms more). It stops as soon as a second query runs (then it would
take CPU from it); 0 seconds turns it off.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable


class Awake:
    """Keeps the running event loop polling while `running()` is at most one, until `seconds`
    after the last `stay` call."""

    def __init__(self, seconds: float, running: Callable[[], int]) -> None:
        self.seconds = seconds
        self._running = running
        self._until = 0.0
        self._task: asyncio.Task[None] | None = None

    def stay(self) -> None:
        """Keep the loop polling for `seconds` from now."""
        if not self.seconds:
            return
        self._until = time.perf_counter() + self.seconds
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.get_loop() is not loop:  # or of a loop gone
            self._task = loop.create_task(self._poll())

    async def _poll(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while time.perf_counter() < self._until and self._running() <= 1:
                await asyncio.sleep(0)  # one turn of the loop: its I/O polled without waiting
                os.sched_yield()  # a process woken on this CPU (a client, a worker) runs at once
        finally:
            if self._task is not None and self._task.get_loop() is loop:  # not a later one's
                self._task = None

    def close(self) -> None:
        task = self._task
        if task is not None and not task.get_loop().is_closed():
            task.cancel()
