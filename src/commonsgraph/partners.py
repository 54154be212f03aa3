"""Partners: their sources harvested, then what they describe that we hold too looked for.

`Partners` is what the command line and the service use: a harvest of one source or of all,
followed (when something changed) by a reconciliation search, so that the curators' report is
always about the data as it stands. `every` runs harvests on a schedule inside the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from commonsgraph import safetext
from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.errors import CommonsGraphError
from commonsgraph.harvest import Harvester, HarvestReport, open_harvester
from commonsgraph.reconcile import Reconciliation, SearchReport
from commonsgraph.store import Store
from commonsgraph.validation import Validates

T = TypeVar("T")

logger = safetext.logger("commonsgraph.partners")
SCHEDULE = "harvest-schedule"
"""The lease of the process that runs the harvest schedule."""


@dataclass(frozen=True)
class Harvested:
    reports: list[HarvestReport]
    search: SearchReport | None
    """The reconciliation search that followed (None when no harvest changed anything)."""

    @property
    def failed(self) -> bool:
        return any(report.error for report in self.reports)


class Partners:
    """Harvests and reconciliation over one store."""

    def __init__(self, harvester: Harvester, reconciliation: Reconciliation) -> None:
        self.harvester = harvester
        self.reconciliation = reconciliation

    @classmethod
    def open(
        cls, store: Store, settings: Settings, validator: Validates, database: Database
    ) -> Partners:
        """The partners of a deployment (sources, statuses and the report in its database);
        confirmed links a stopped process left unpublished are published."""
        partners = cls(
            open_harvester(store, settings, validator, database),
            Reconciliation.open(store, settings, database),
        )
        partners.reconciliation.settle()
        return partners

    def harvest(self, name: str | None = None, full: bool = False) -> Harvested:
        """Harvest one source (or every one, `name` None), then search for candidate links
        if a harvest changed the store."""
        harvester = self.harvester
        reports = harvester.run_all(full) if name is None else [harvester.run(name, full)]
        changed = any(
            report.ok
            and report.change is not None
            and (report.change.added or report.change.removed)
            for report in reports
        )
        return Harvested(reports, self.reconciliation.search() if changed else None)

    async def every(self, seconds: float) -> None:
        """Harvest every source every `seconds`, until cancelled (the service's schedule);
        cancelled during a harvest, it returns once that harvest is over. Of the processes
        that share the database, the one that holds the lease `SCHEDULE` harvests; another
        takes it over when its holder has not renewed it for three rounds and a harvest's
        timeout (the holder stopped): renewed before each round and after it."""
        database = self.harvester.ledger.database
        holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        lease = 3 * seconds + self.harvester.settings.harvest_timeout
        try:
            while True:
                await asyncio.sleep(seconds)
                if await _to_the_end(database.hold, SCHEDULE, holder, lease):
                    await self._scheduled()
                    await _to_the_end(database.hold, SCHEDULE, holder, lease)
        finally:
            with contextlib.suppress(CommonsGraphError):
                database.release(SCHEDULE, holder)

    async def _scheduled(self) -> None:
        """One round of the schedule."""
        try:
            harvested = await _to_the_end(self.harvest)
        except CommonsGraphError as error:  # e.g. sources.toml no longer reads
            logger.error("scheduled harvest: %s", error)
            return
        for report in harvested.reports:
            if report.error:
                logger.warning("harvest of %s failed: %s", report.source, report.error)


async def _to_the_end(call: Callable[..., T], *args: object) -> T:
    """`call(*args)` in a thread; cancelled meanwhile, it waits for the thread before going
    (a thread cannot be stopped: a harvest or a lease's renewal under way finishes before the
    service closes the database it writes)."""
    running = asyncio.ensure_future(asyncio.to_thread(call, *args))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        with contextlib.suppress(CommonsGraphError):
            await running
        raise
