"""Partner sources in the database (they were only in `<data dir>/sources.toml`, one machine's
file), and the digest of a file read in whenever it changes (`sources.toml`).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_source",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("declaration", sa.Text, nullable=False),
        sa.Column("origin", sa.Text),
    )
    with op.batch_alter_table("legacy_import") as table:
        table.add_column(sa.Column("digest", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("legacy_import") as table:
        table.drop_column("digest")
    op.drop_table("partner_source")
