"""The scheduler's turns, by events: shares, the rotation between clients, the bounds of the
queues, and turns given back whatever happens to the query that held them."""

import asyncio
import os

import pytest

from commonsgraph.config import Settings
from commonsgraph.errors import Overloaded
from commonsgraph.web.scheduler import Scheduler


class Queries:
    """Queries that hold their turn until the test lets them end; `order` records which
    client's query got a turn, in order."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.order: list[str] = []
        self.running: dict[str, list[asyncio.Event]] = {}

    def start(self, client: str) -> asyncio.Task[None]:
        async def query() -> None:
            async with self.scheduler.turn(client):
                self.order.append(client)
                done = asyncio.Event()
                self.running.setdefault(client, []).append(done)
                await done.wait()

        return asyncio.get_running_loop().create_task(query())

    def finish(self, client: str) -> None:
        self.running[client].pop(0).set()


async def settle() -> None:
    """Let every task that can run, run (no clock involved)."""
    for _ in range(10):
        await asyncio.sleep(0)


def scheduler(
    capacity: int = 4, share: int = 2, per_client: int = 32, waiting: int = 256
) -> Scheduler:
    return Scheduler(capacity, share, per_client, waiting, max_wait=30)


async def test_one_client_gets_its_share_and_leaves_the_rest_to_others() -> None:
    queries = Queries(scheduler(capacity=4, share=2))
    crowd = [queries.start("a") for _ in range(6)]
    await settle()
    assert queries.order == ["a", "a"]  # its share; the other four wait
    assert queries.scheduler.waiting == 4
    other = queries.start("b")
    await settle()
    assert queries.order == ["a", "a", "b"], "another client's query runs at once"
    queries.finish("b")
    await other
    for task in crowd:
        task.cancel()
    await asyncio.gather(*crowd, return_exceptions=True)
    assert queries.scheduler.running == {}
    assert queries.scheduler.waiting == 0


async def test_free_turns_go_to_waiting_clients_in_rotation_not_in_arrival_order() -> None:
    queries = Queries(scheduler(capacity=1, share=1))
    tasks = [queries.start("a") for _ in range(4)]  # a burst: one runs, three wait
    await settle()
    tasks += [queries.start("b"), queries.start("c")]  # then one query each from b and c
    await settle()
    for _ in range(5):  # each time the running query ends, the next turn is given
        queries.finish(queries.order[-1])
        await settle()
    assert queries.order == ["a", "a", "b", "c", "a", "a"], "b and c wait one turn, not three"
    queries.finish("a")
    await asyncio.gather(*tasks)
    assert queries.scheduler.running == {}


async def test_a_burst_waits_for_its_turns_and_every_query_runs() -> None:
    queries = Queries(scheduler(capacity=4, share=2))
    burst = [queries.start("comunica") for _ in range(16)]
    await settle()
    for count in range(16):
        assert len(queries.order) == min(16, count + 2)
        queries.finish("comunica")
        await settle()
    await asyncio.gather(*burst)
    assert queries.order == ["comunica"] * 16


async def test_past_its_queue_a_client_is_refused_with_retry_after() -> None:
    queries = Queries(scheduler(capacity=4, share=1, per_client=2))
    held = [queries.start("a") for _ in range(3)]  # one runs, two wait
    await settle()
    with pytest.raises(
        Overloaded, match="this client already runs 1 queries and has 2 waiting"
    ) as refused:
        await queries.scheduler.acquire("a")
    assert refused.value.retry_after >= 1
    other = queries.start("b")  # another client is not refused
    await settle()
    assert queries.order == ["a", "b"]
    queries.finish("b")
    await other
    for _ in range(3):
        queries.finish("a")
        await settle()
    await asyncio.gather(*held)


async def test_past_the_global_bound_everyone_is_refused() -> None:
    queries = Queries(scheduler(capacity=1, share=1, waiting=2))
    held = [queries.start(client) for client in ("a", "b", "c")]  # a runs, b and c wait
    await settle()
    with pytest.raises(Overloaded, match="2 queries are waiting"):
        await queries.scheduler.acquire("d")
    for client in ("a", "b", "c"):
        queries.finish(client)
        await settle()
    await asyncio.gather(*held)


async def test_a_query_that_waits_too_long_is_refused_and_leaves_the_queue() -> None:
    waiting = Scheduler(1, 1, 32, 256, max_wait=0.05)
    await waiting.acquire("a")
    with pytest.raises(
        Overloaded, match=r"no query worker was free for this client within 0\.05 s"
    ):
        await waiting.acquire("a")
    assert waiting.waiting == 0
    waiting.release("a")
    assert waiting.running == {}
    await waiting.acquire("b")  # the turn is free again
    waiting.release("b")


async def test_a_cancelled_request_gives_back_the_turn_it_was_just_given() -> None:
    turns = scheduler(capacity=1, share=1)
    await turns.acquire("a")
    waiter = asyncio.get_running_loop().create_task(turns.acquire("b"))
    await settle()
    turns.release("a")  # the turn goes to b…
    waiter.cancel()  # …whose request is cancelled before it could use it
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert turns.running == {}
    await turns.acquire("c")
    turns.release("c")


async def test_a_cancelled_waiting_request_leaves_the_queue() -> None:
    turns = scheduler(capacity=1, share=1)
    await turns.acquire("a")
    waiter = asyncio.get_running_loop().create_task(turns.acquire("b"))
    await settle()
    assert turns.waiting == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert turns.waiting == 0
    turns.release("a")
    assert turns.running == {}


async def test_a_failing_query_gives_its_turn_back() -> None:
    turns = scheduler(capacity=1, share=1)
    with pytest.raises(ValueError, match="boom"):
        async with turns.turn("a"):
            raise ValueError("boom")
    assert turns.running == {}


def test_the_share_is_below_the_workers_by_default() -> None:
    assert Settings(query_workers=8).client_share == 4
    assert Settings(query_workers=3).client_share == 2  # half, rounded up: still fewer
    assert Settings(query_workers=2).client_share == 1
    assert Settings(query_workers=1).client_share == 1
    assert Settings(query_workers=8, max_queries_per_client=3).client_share == 3
    built = Scheduler.from_settings(Settings(query_workers=4, query_timeout=8))
    assert (built.capacity, built.share, built.max_wait) == (4, 2, 8)


def test_the_query_workers_are_one_per_core_and_one_more_by_default() -> None:
    """Each worker reads the store through its own RocksDB instance, which costs CPU per query:
    one per core keeps the cores busy, one more keeps them busy while answers travel."""
    assert Settings().query_workers == min(8, (os.cpu_count() or 1) + 1)
