"""Discoveries: what the site's other indexes (search API, RSS, sitemap) showed, and the days audited.

Revision ID: 0009_discoveries
Revises: 0008_section_listings
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC = sa.DateTime(timezone=True)

revision: str = "0009_discoveries"
down_revision: str | None = "0008_section_listings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discoveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("section_hint", sa.Text(), nullable=True),
        sa.Column("listed_at_discovery", sa.Boolean(), nullable=False),
        sa.Column("first_found_at", UTC, nullable=False),
        sa.Column("last_found_at", UTC, nullable=False),
        sa.UniqueConstraint("canonical_url", "source"),
    )
    op.create_index("ix_discoveries_day", "discoveries", ["day"])
    op.create_table(
        "audited_days",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("audited_at", UTC, nullable=False),
        sa.UniqueConstraint("source", "day"),
    )


def downgrade() -> None:
    op.drop_table("audited_days")
    op.drop_index("ix_discoveries_day", "discoveries")
    op.drop_table("discoveries")
