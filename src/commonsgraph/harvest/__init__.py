"""Harvesting partner platforms: declared sources, fetched within limits, mapped onto our
model, validated record by record, published with their provenance. See harvester.py."""

from __future__ import annotations

from commonsgraph.config import Settings
from commonsgraph.database import Database
from commonsgraph.harvest.harvester import Harvester, HarvestReport
from commonsgraph.harvest.ledger import HarvestLedger, Quarantined, SourceStatus
from commonsgraph.harvest.sources import KINDS, Source, SourceRegistry
from commonsgraph.store import Store
from commonsgraph.validation import Validates


def open_harvester(
    store: Store, settings: Settings, validator: Validates, database: Database
) -> Harvester:
    """The harvester of a deployment: sources and ledger in the database (and the data
    directory's `sources.toml`, read in when it changes)."""
    directory = settings.data_dir
    return Harvester(
        store,
        settings,
        SourceRegistry(database, None if directory is None else directory / "sources.toml"),
        HarvestLedger(database),
        validator,
    )


__all__ = [
    "KINDS",
    "HarvestLedger",
    "HarvestReport",
    "Harvester",
    "Quarantined",
    "Source",
    "SourceRegistry",
    "SourceStatus",
    "open_harvester",
]
