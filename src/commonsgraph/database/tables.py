"""The tables of the service's own state (everything it keeps besides the graph), one per
concept. Times are ISO 8601 text in UTC, as the service always wrote them; statements are
N-Triples or N-Quads text; findings and notes JSON text. The schema is made and changed by the
Alembic revisions in `migrations/versions`, never by `create_all`."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

metadata = MetaData()

token = Table(
    "token",
    metadata,
    Column("id", Text, primary_key=True),
    Column("digest", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("created", Text, nullable=False),
    Column("revoked", Text),
)
"""API tokens (`tokens.py`): the secret's SHA-256, never the secret."""

contribution = Table(
    "contribution",
    metadata,
    Column("id", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("contributor", Text, nullable=False),
    Column("contributor_label", Text, nullable=False),
    Column("submitted", Text, nullable=False),
    Column("source", Text),
    Column("licence", Text, nullable=False),
    Column("media_type", Text, nullable=False),
    Column("statements", Integer, nullable=False),
    Column("findings", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("reviewer", Text),
    Column("reviewer_label", Text),
    Column("reviewed", Text),
    Column("reason", Text),
    Column("data", Text, nullable=False),
    Column("superseded", Text, nullable=False, server_default=""),
    Index("contribution_by_status", "status", "submitted"),
)
"""Contributions (`contributions/ledger.py`): staged statements, report, review, and what an
accept took from earlier contributions."""

harvest_status = Table(
    "harvest_status",
    metadata,
    Column("name", Text, primary_key=True),
    Column("last_attempt", Text),
    Column("last_success", Text),
    Column("last_error", Text),
    Column("last_error_at", Text),
    Column("records", Integer, nullable=False, server_default="0"),
    Column("published", Integer, nullable=False, server_default="0"),
    Column("quarantined", Integer, nullable=False, server_default="0"),
    Column("statements", Integer, nullable=False, server_default="0"),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("since", Text),
)
"""Each partner source's last harvests (`harvest/ledger.py`)."""

quarantine = Table(
    "quarantine",
    metadata,
    Column("source", Text, nullable=False),
    Column("record", Text, nullable=False),
    Column("harvested", Text, nullable=False),
    Column("findings", Text, nullable=False),
    Column("statements", Text, nullable=False),
    PrimaryKeyConstraint("source", "record"),
)
"""Harvested records that did not pass the shapes, out of the public graph."""

candidate = Table(
    "reconciliation_candidate",
    metadata,
    Column("id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("theirs", Text, nullable=False),
    Column("ours", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("theirs_label", Text, nullable=False),
    Column("ours_label", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("found", Text, nullable=False),
    Column("decided_by", Text),
    Column("decided_by_label", Text),
    Column("decided_at", Text),
    Column("reason", Text),
)
"""The reconciliation report (`reconcile/ledger.py`): candidate links and their decisions."""

data_version = Table(
    "data_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)
"""One row: a number every write to the graph through any process bumps (caches, ETags)."""

lease = Table(
    "lease",
    metadata,
    Column("name", Text, primary_key=True),
    Column("holder", Text, nullable=False),
    Column("expires", Float, nullable=False),
)
"""Work one process does for all (the harvest schedule): who holds it, until when (Unix
time)."""

legacy_import = Table(
    "legacy_import",
    metadata,
    Column("file", Text, primary_key=True),
    Column("imported", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("digest", Text),
)
"""The data files of the layout before this database (`<data dir>/tokens.sqlite3`, …)
already imported, by absolute path; for `sources.toml`, read again whenever it changes, the
SHA-256 of what was read."""

partner_source = Table(
    "partner_source",
    metadata,
    Column("name", Text, primary_key=True),
    Column("declaration", Text, nullable=False),
    Column("origin", Text),
)
"""Partner sources (`harvest/sources.py`): the declaration as JSON (the TOML table's keys);
`origin`, the `sources.toml` that declared it (None: `commonsgraph source add` or the API)."""
