"""Near-duplicate lookup columns on articles, and the article_edits view.

Revision ID: 0003_story_dedup_and_edits
Revises: 0002_probe_fingerprints
Create Date: 2026-11-27
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_story_dedup_and_edits"
down_revision: str | None = "0002_probe_fingerprints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)

# Each version beside the one before it: what an edit changed, for SQL and Datasette users.
ARTICLE_EDITS = """
CREATE VIEW article_edits AS
WITH ordered AS (
    SELECT v.id, v.article_id, v.fetched_at, v.crawl_run_id, v.content_hash, v.headline,
           CAST(v.authors AS TEXT) AS authors_text, v.article_body,
           LAG(v.id) OVER w AS previous_version_id,
           LAG(v.headline) OVER w AS previous_headline,
           LAG(CAST(v.authors AS TEXT)) OVER w AS previous_authors_text,
           LAG(v.article_body) OVER w AS previous_body
    FROM article_versions v
    WINDOW w AS (PARTITION BY v.article_id ORDER BY v.fetched_at, v.id)
)
SELECT article_id,
       id AS version_id,
       previous_version_id,
       fetched_at,
       crawl_run_id,
       content_hash,
       CASE WHEN previous_version_id IS NULL THEN 'first' ELSE 'edit' END AS kind,
       CASE WHEN previous_version_id IS NOT NULL AND headline <> previous_headline THEN 1 ELSE 0 END
           AS headline_changed,
       CASE WHEN previous_version_id IS NOT NULL AND authors_text <> previous_authors_text THEN 1 ELSE 0 END
           AS authors_changed,
       CASE WHEN previous_version_id IS NOT NULL AND article_body <> previous_body THEN 1 ELSE 0 END
           AS body_changed,
       LENGTH(article_body) - LENGTH(previous_body) AS body_length_change
FROM ordered
"""


def _headline_key(headline: str | None) -> str:
    """Frozen copy of pipelines.contenthash.headline_key as of this revision."""
    return " ".join(_NOT_WORD.sub(" ", unicodedata.normalize("NFKC", headline or "").casefold()).split())


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite): the key stays nullable in the schema,
    # and every row gets one here and from the archive afterwards.
    op.add_column("articles", sa.Column("headline_key", sa.Text(), nullable=True))
    op.add_column("articles", sa.Column("body_simhash", sa.BigInteger(), nullable=True))
    connection = op.get_bind()
    articles = sa.table(
        "articles",
        sa.column("id", sa.Integer()),
        sa.column("headline", sa.Text()),
        sa.column("headline_key", sa.Text()),
    )
    for article_id, headline in connection.execute(sa.select(articles.c.id, articles.c.headline)).all():
        connection.execute(
            articles.update().where(articles.c.id == article_id).values(headline_key=_headline_key(headline))
        )
    op.create_index("ix_articles_headline_key", "articles", ["headline_key"])
    op.execute(ARTICLE_EDITS)


def downgrade() -> None:
    op.execute("DROP VIEW article_edits")
    op.drop_index("ix_articles_headline_key", "articles")
    op.drop_column("articles", "body_simhash")
    op.drop_column("articles", "headline_key")
