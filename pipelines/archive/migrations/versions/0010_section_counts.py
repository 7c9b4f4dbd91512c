"""Section counts: articles per section path listed under, kept up by the writer, filled here for archives made before.

Revision ID: 0010_section_counts
Revises: 0009_discoveries
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_section_counts"
down_revision: str | None = "0009_discoveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The count `stats --by section` made before this revision, as it stood then: each article
# once under every section path that listed it under its own URL or another it stands under;
# one listed nowhere once under "(not listed)".
BACKFILL = """
INSERT INTO section_counts (section_path, articles)
SELECT key, articles FROM (
    SELECT key, count(DISTINCT article_id) AS articles FROM (
        SELECT l.section_path AS key, a.id AS article_id
        FROM section_listings l JOIN articles a ON a.canonical_url = l.canonical_url
        UNION ALL
        SELECT l.section_path, u.article_id
        FROM section_listings l JOIN article_urls u ON u.canonical_url = l.canonical_url
    ) pairs GROUP BY key
    UNION ALL
    SELECT '(not listed)', count(*) FROM articles a
    WHERE NOT EXISTS (SELECT 1 FROM section_listings l WHERE l.canonical_url = a.canonical_url)
    AND NOT EXISTS (
        SELECT 1 FROM article_urls u JOIN section_listings l ON l.canonical_url = u.canonical_url
        WHERE u.article_id = a.id
    )
) counted WHERE articles > 0
"""


def upgrade() -> None:
    op.create_table(
        "section_counts",
        sa.Column("section_path", sa.Text(), primary_key=True),
        sa.Column("articles", sa.Integer(), nullable=False),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("section_counts")
