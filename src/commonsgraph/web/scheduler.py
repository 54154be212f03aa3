"""Fair turns for public queries: one client cannot starve the others, nor is its burst refused.

Every public query (`/sparql`, the named queries) takes a turn from the service's one
`Scheduler` before it reaches the store, whichever backend runs it. At most `capacity` queries
run at once (the query workers), and at most `share` of them for one client: fewer than the
workers, so that a client running long queries (cross products until their deadline) always
leaves workers free, and another client's trivial query answers at once instead of waiting for
those queries to time out.

A client's queries past its share wait in its own queue: a burst (Comunica sends a COUNT and an
ASK per triple pattern, in parallel, before a federated query) is answered, not refused. When a
turn ends, the next one goes to the waiting clients in rotation, not to the oldest request: a
client with thirty queries waiting delays another client's single query by one turn, not
thirty. A query is refused (`Overloaded`: 503 with Retry-After) only when its client already
has `max_waiting_per_client` queries waiting, when `max_waiting` queries wait in all, or when
it has waited `max_wait` seconds.

Clients are keys (addresses, see `web/clients.py`). The event loop is the only user: no locks.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from types import TracebackType

from commonsgraph.config import Settings
from commonsgraph.errors import Overloaded


class Scheduler:
    """Turns to run public queries: `capacity` at once, `share` per client, the rest waiting."""

    def __init__(
        self,
        capacity: int,
        share: int,
        max_waiting_per_client: int,
        max_waiting: int,
        max_wait: float,
    ) -> None:
        self.capacity = capacity
        self.share = max(1, min(share, capacity))
        self.max_waiting_per_client = max_waiting_per_client
        self.max_waiting = max_waiting
        self.max_wait = max_wait
        self.retry_after = max(1, int(max_wait // 4))
        self.running: dict[str, int] = {}
        """Turns being used (or given and about to be), per client."""
        self._total = 0
        self._queues: OrderedDict[str, deque[asyncio.Future[None]]] = OrderedDict()
        """The clients that wait, in the order of the rotation; each one's waiting turns."""
        self._waiting = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> Scheduler:
        return cls(
            capacity=settings.query_workers,
            share=settings.client_share,
            max_waiting_per_client=settings.max_waiting_per_client,
            max_waiting=settings.max_waiting_queries,
            max_wait=settings.query_timeout,
        )

    @property
    def waiting(self) -> int:
        """Queries waiting for a turn, all clients together."""
        return self._waiting

    @property
    def taken(self) -> int:
        """Turns in use (a query running, or given one and about to run), all clients together."""
        return self._total

    def turn(self, client: str) -> Turn:
        """`async with scheduler.turn(client):` runs the block in one of the client's turns."""
        return Turn(self, client)

    async def acquire(self, client: str) -> None:
        """Wait for a turn of `client` (refused with `Overloaded`); `release` gives it back."""
        if (
            self._total < self.capacity
            and self.running.get(client, 0) < self.share
            and client not in self._queues
        ):
            self._take(client)  # the usual case: nobody needs to wait
            return
        queue = self._queues.get(client)
        if (len(queue) if queue else 0) >= self.max_waiting_per_client:
            raise Overloaded(
                self.retry_after,
                f"this client already runs {self.running.get(client, 0)} queries and has "
                f"{self.max_waiting_per_client} waiting",
            )
        if self._waiting >= self.max_waiting:
            raise Overloaded(self.retry_after, f"{self._waiting} queries are waiting for a turn")
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if queue is None:
            queue = self._queues[client] = deque()
        queue.append(turn)
        self._waiting += 1
        try:
            async with asyncio.timeout(self.max_wait):
                await turn
        except TimeoutError:
            self._withdraw(client, turn)
            raise Overloaded(
                self.retry_after,
                f"no query worker was free for this client within {self.max_wait:g} s",
            ) from None
        except asyncio.CancelledError:  # the request was cancelled while it waited
            self._withdraw(client, turn)
            raise

    def release(self, client: str) -> None:
        """Give a turn back, and pass the free turns on to the clients that wait."""
        left = self.running[client] - 1
        if left:
            self.running[client] = left
        else:
            del self.running[client]
        self._total -= 1
        if self._queues:
            self._dispatch()

    def _take(self, client: str) -> None:
        self.running[client] = self.running.get(client, 0) + 1
        self._total += 1

    def _dispatch(self) -> None:
        """Give free turns to the waiting clients under their share, in rotation."""
        while self._total < self.capacity:
            client = next((c for c in self._queues if self.running.get(c, 0) < self.share), None)
            if client is None:
                return  # nobody waits, or every client that waits has its share
            queue = self._queues[client]
            turn = queue.popleft()
            self._waiting -= 1
            given = not turn.cancelled()  # cancelled: its request gave up, and is leaving
            if given:
                self._take(client)
                turn.set_result(None)
            if not queue:
                del self._queues[client]
            elif given:
                self._queues.move_to_end(client)  # its next query after everyone else's

    def _withdraw(self, client: str, turn: asyncio.Future[None]) -> None:
        """Stop waiting for `turn`: pass it on if it was given at the last moment, else take
        it out of its client's queue."""
        if turn.done() and not turn.cancelled():
            self.release(client)
            return
        queue = self._queues.get(client)
        if queue is not None and turn in queue:
            queue.remove(turn)
            self._waiting -= 1
            if not queue:
                del self._queues[client]


class Turn:
    """One turn of a client, as an async context manager (cheaper than a generator-based one,
    on the path of every query)."""

    __slots__ = ("client", "scheduler")

    def __init__(self, scheduler: Scheduler, client: str) -> None:
        self.scheduler = scheduler
        self.client = client

    async def __aenter__(self) -> None:
        await self.scheduler.acquire(self.client)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.scheduler.release(self.client)
