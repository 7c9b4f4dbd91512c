"""Section listings: every section path an article was listed under.

Revision ID: 0008_section_listings
Revises: 0007_templates_and_pages
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

UTC = sa.DateTime(timezone=True)

revision: str = "0008_section_listings"
down_revision: str | None = "0007_templates_and_pages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "section_listings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("section_path", sa.Text(), nullable=False),
        sa.Column("first_listed_at", UTC, nullable=False),
        sa.Column("last_listed_at", UTC, nullable=False),
        sa.UniqueConstraint("canonical_url", "section_path"),
    )
    op.create_index("ix_section_listings_path", "section_listings", ["section_path"])
    # Articles archived before this revision were listed under the section of the spider that
    # found them; that is not recorded, so their `sections` start empty and fill as lists show them.


def downgrade() -> None:
    op.drop_index("ix_section_listings_path", "section_listings")
    op.drop_table("section_listings")
