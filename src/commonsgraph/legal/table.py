"""The verdicts a licence page shows: adapt and combine, towards the licences commons use most."""

from __future__ import annotations

from dataclasses import dataclass

from commonsgraph.legal.engine import Engine, Step
from commonsgraph.legal.expressions import Leaf

COMMON_TARGETS = (
    "CC0-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "etalab-2.0",
    "ODbL-1.0",
    "MIT",
    "Apache-2.0",
    "MPL-2.0",
    "LGPL-3.0-or-later",
    "GPL-3.0-or-later",
    "AGPL-3.0-or-later",
    "EUPL-1.2",
    "CECILL-2.1",
)
"""Licences of open content, open data and software that commons use most, the ones the French
public sector recommends among them."""


@dataclass(frozen=True)
class VerdictRow:
    target: str
    adapt: Step
    combine: Step


def verdict_table(engine: Engine, licence_id: str) -> list[VerdictRow]:
    """For a licence of the catalogue, the answers towards each common licence (itself
    excluded); none for an id the catalogue does not know."""
    key = engine.catalogue.key(licence_id)
    if key is None:
        return []
    return [
        VerdictRow(
            target,
            engine.step(Leaf(key), Leaf(target), "adapt"),
            engine.step(Leaf(key), Leaf(target), "combine"),
        )
        for target in COMMON_TARGETS
        if target != key and target in engine.catalogue.licences
    ]
