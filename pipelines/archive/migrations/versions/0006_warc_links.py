"""WARC capture: where a run's WARC files are, and the records each article version came from.

Revision ID: 0006_warc_links
Revises: 0005_full_text_search
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0006_warc_links"
down_revision: str | None = "0005_full_text_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("crawl_runs", sa.Column("warc_files", JSON_DOCUMENT, nullable=True))
    op.add_column("article_versions", sa.Column("warc_records", JSON_DOCUMENT, nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would break the
    # article_edits view that reads article_versions.
    op.drop_column("article_versions", "warc_records")
    op.drop_column("crawl_runs", "warc_files")
