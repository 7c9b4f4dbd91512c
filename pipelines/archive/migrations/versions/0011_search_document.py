"""PostgreSQL: the searchable document stored in a generated column, and the GIN index on it.

Searches ranked (and rechecked) each candidate by computing its document again, about a
millisecond an article; the stored column is computed once, when the row is written. SQLite's
FTS5 index already keeps its own copy: nothing changes there.

Revision ID: 0011_search_document
Revises: 0010_section_counts
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_search_document"
down_revision: str | None = "0010_section_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migration 0005's document, unchanged: the stored values are the ones the old index held.
DOCUMENT = (
    "(setweight(to_tsvector('archive_text'::regconfig, coalesce(headline, '')), 'A') || "
    "setweight(to_tsvector('archive_text'::regconfig, coalesce(article_body, '')), 'B'))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Adding the column fills it for every archived row (one rewrite of the table).
    op.execute(
        f"ALTER TABLE articles ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    op.execute("DROP INDEX ix_articles_fulltext")
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute("CREATE INDEX ix_articles_fulltext ON articles USING GIN (search_document)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_articles_fulltext")
    op.execute("ALTER TABLE articles DROP COLUMN search_document")
    op.execute(f"CREATE INDEX ix_articles_fulltext ON articles USING GIN ({DOCUMENT})")
