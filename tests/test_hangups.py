"""A query whose client hangs up is cancelled; one that answers, or is cancelled by someone else,
is left alone. By events (the ASGI `receive` is the client's side); the real server is in
test_sparql_server."""

import asyncio

import pytest

from commonsgraph.web.hangups import WATCH_AFTER, HungUp, unless_hung_up


class Client:
    """The `receive` of a request whose body was read: it gives `http.disconnect` once the
    client hangs up."""

    def __init__(self) -> None:
        self.gone = asyncio.Event()
        self.listened = asyncio.Event()

    async def receive(self) -> dict[str, object]:
        self.listened.set()
        await self.gone.wait()
        return {"type": "http.disconnect"}


async def forever(cancelled: asyncio.Event) -> int:
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        cancelled.set()
        raise
    return 0


def test_a_quick_answer_is_returned_without_listening() -> None:
    async def scenario() -> None:
        client = Client()

        async def quick() -> int:
            return 42

        assert await unless_hung_up(client.receive, quick()) == 42
        await asyncio.sleep(WATCH_AFTER * 2)  # no watch was left behind to listen later
        assert not client.listened.is_set()

    asyncio.run(scenario())


def test_a_client_that_hangs_up_cancels_its_work() -> None:
    async def scenario() -> None:
        client = Client()
        cancelled = asyncio.Event()
        request = asyncio.create_task(unless_hung_up(client.receive, forever(cancelled)))
        await client.listened.wait()  # the work runs past WATCH_AFTER: watched
        client.gone.set()
        with pytest.raises(HungUp):
            await request
        assert cancelled.is_set()
        assert request.cancelling() == 0, "the request itself goes on (to log, not to answer)"

    asyncio.run(scenario())


def test_a_cancellation_from_elsewhere_is_not_taken_for_a_hang_up() -> None:
    async def scenario() -> None:
        client = Client()
        cancelled = asyncio.Event()
        request = asyncio.create_task(unless_hung_up(client.receive, forever(cancelled)))
        await client.listened.wait()
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        assert cancelled.is_set()

    asyncio.run(scenario())
