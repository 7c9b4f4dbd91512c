"""Templates and pages: which site template an article was read in, and how many of its pages were stored.

Revision ID: 0007_templates_and_pages
Revises: 0006_warc_links
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0007_templates_and_pages"
down_revision: str | None = "0006_warc_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    # Articles stored before this revision keep template NULL (not recorded) and count as whole.
    op.add_column("articles", sa.Column("template", sa.String(32), nullable=True))
    op.add_column("articles", sa.Column("pages_expected", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("articles", sa.Column("pages_stored", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("articles", sa.Column("pages_missing", JSON_DOCUMENT, nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as 0006 does.
    for column in ("pages_missing", "pages_stored", "pages_expected", "template"):
        op.drop_column("articles", column)
