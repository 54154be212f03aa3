"""Contributions: uploads validated by the shapes, staged, reviewed by curators, published
atomically with their provenance, and revertible. See workflow.py."""

from commonsgraph.contributions.changes import ResourceChange
from commonsgraph.contributions.ledger import STATUSES, Contribution, Ledger
from commonsgraph.contributions.workflow import Contributions, Preview, Review

__all__ = [
    "STATUSES",
    "Contribution",
    "Contributions",
    "Ledger",
    "Preview",
    "ResourceChange",
    "Review",
]
