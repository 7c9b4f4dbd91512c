"""Probe fingerprints: how the site answers URLs that cannot exist, for soft-404 calibration.

Revision ID: 0002_probe_fingerprints
Revises: 0001_baseline
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_probe_fingerprints"
down_revision: str | None = "0001_baseline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
JSONDOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "probe_fingerprints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("shape", sa.String(32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("shingles", JSONDOC, nullable=False),
        sa.Column("fetched_at", UTC, nullable=False),
        sa.UniqueConstraint("origin", "shape"),
    )


def downgrade() -> None:
    op.drop_table("probe_fingerprints")
