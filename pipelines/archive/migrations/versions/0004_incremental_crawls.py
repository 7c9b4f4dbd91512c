"""Incremental crawls: each section's backfill state, and the validators for conditional re-checks.

Revision ID: 0004_incremental_crawls
Revises: 0003_story_dedup_and_edits
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_incremental_crawls"
down_revision: str | None = "0003_story_dedup_and_edits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("articles", sa.Column("http_etag", sa.Text(), nullable=True))
    op.add_column("articles", sa.Column("http_last_modified", sa.Text(), nullable=True))
    op.create_table(
        "crawl_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("section_url", sa.Text(), nullable=False, unique=True),
        sa.Column("backfill_complete", sa.Boolean(), nullable=False),
        sa.Column("reached_page", sa.Integer(), nullable=False),
        sa.Column("last_page", sa.Integer(), nullable=True),
        sa.Column("backfill_finished_at", UTC, nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("crawl_state")
    op.drop_column("articles", "http_last_modified")
    op.drop_column("articles", "http_etag")
