"""Full-text search over headline and body: SQLite FTS5 kept in sync by triggers, PostgreSQL GIN.

Both match words the same way: case and accents do not count, words are not stemmed.

Revision ID: 0005_full_text_search
Revises: 0004_incremental_crawls
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_full_text_search"
down_revision: str | None = "0004_incremental_crawls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The headline weighs more than the body; pipelines/reader.py uses this same expression, so
# PostgreSQL answers searches from the index.
POSTGRES_DOCUMENT = (
    "(setweight(to_tsvector('archive_text'::regconfig, coalesce(headline, '')), 'A') || "
    "setweight(to_tsvector('archive_text'::regconfig, coalesce(article_body, '')), 'B'))"
)

SQLITE = [
    # An external-content table: the text stays in articles, the index in articles_fts.
    "CREATE VIRTUAL TABLE articles_fts USING fts5("
    "headline, article_body, content='articles', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO articles_fts(rowid, headline, article_body) VALUES (new.id, new.headline, new.article_body); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, headline, article_body) "
    "VALUES ('delete', old.id, old.headline, old.article_body); END",
    # Only an edit of the text touches the index: last_seen_at moves on every crawl.
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF headline, article_body ON articles BEGIN "
    "INSERT INTO articles_fts(articles_fts, rowid, headline, article_body) "
    "VALUES ('delete', old.id, old.headline, old.article_body); "
    "INSERT INTO articles_fts(rowid, headline, article_body) VALUES (new.id, new.headline, new.article_body); END",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]


def _postgres_text_configuration() -> None:
    """archive_text: PostgreSQL's 'simple' words, accents removed (as SQLite's unicode61 does)."""
    connection = op.get_bind()
    op.execute("CREATE TEXT SEARCH CONFIGURATION archive_text (COPY = simple)")
    savepoint = connection.begin_nested()
    try:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
    except Exception:  # no unaccent (a server without contrib, or no right to add it): accents count
        savepoint.rollback()
        return
    savepoint.commit()
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION archive_text "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_text_configuration()
        op.execute(f"CREATE INDEX ix_articles_fulltext ON articles USING GIN ({POSTGRES_DOCUMENT})")
    else:
        for statement in SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_articles_fulltext")
        op.execute("DROP TEXT SEARCH CONFIGURATION archive_text")
    else:
        for trigger in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE articles_fts")
