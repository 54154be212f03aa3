"""The service's state in one database: tokens, contributions, harvests, reconciliation, the
shared data version, leases, and the record of imported legacy files.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "token",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("revoked", sa.Text),
    )
    op.create_table(
        "contribution",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("contributor", sa.Text, nullable=False),
        sa.Column("contributor_label", sa.Text, nullable=False),
        sa.Column("submitted", sa.Text, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("licence", sa.Text, nullable=False),
        sa.Column("media_type", sa.Text, nullable=False),
        sa.Column("statements", sa.Integer, nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("reviewer", sa.Text),
        sa.Column("reviewer_label", sa.Text),
        sa.Column("reviewed", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("superseded", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("contribution_by_status", "contribution", ["status", "submitted"])
    op.create_table(
        "harvest_status",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("last_attempt", sa.Text),
        sa.Column("last_success", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", sa.Text),
        sa.Column("records", sa.Integer, nullable=False, server_default="0"),
        sa.Column("published", sa.Integer, nullable=False, server_default="0"),
        sa.Column("quarantined", sa.Integer, nullable=False, server_default="0"),
        sa.Column("statements", sa.Integer, nullable=False, server_default="0"),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("since", sa.Text),
    )
    op.create_table(
        "quarantine",
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("harvested", sa.Text, nullable=False),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("statements", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("source", "record"),
    )
    op.create_table(
        "reconciliation_candidate",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("theirs", sa.Text, nullable=False),
        sa.Column("ours", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("theirs_label", sa.Text, nullable=False),
        sa.Column("ours_label", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("found", sa.Text, nullable=False),
        sa.Column("decided_by", sa.Text),
        sa.Column("decided_by_label", sa.Text),
        sa.Column("decided_at", sa.Text),
        sa.Column("reason", sa.Text),
    )
    version = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(version, [{"id": 1, "version": 0}])
    op.create_table(
        "lease",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("expires", sa.Float, nullable=False),
    )
    op.create_table(
        "legacy_import",
        sa.Column("file", sa.Text, primary_key=True),
        sa.Column("imported", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "legacy_import", "lease", "data_version", "reconciliation_candidate", "quarantine",
        "harvest_status", "contribution", "token",
    ):  # fmt: skip
        op.drop_table(table)
