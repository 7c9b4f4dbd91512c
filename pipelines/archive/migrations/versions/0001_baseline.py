"""Baseline: the archive schema of DESIGN.md.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_baseline"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the model types: a migration must not change when the models do.
UTC = sa.DateTime(timezone=True)
JSONDOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("spider", sa.String(100), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.Column("finish_reason", sa.String(100), nullable=True),
        sa.Column("stats", JSONDOC, nullable=True),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("canonical_url", sa.Text(), nullable=False, unique=True),
        sa.Column("site_article_id", sa.String(64), nullable=True),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("authors", JSONDOC, nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("section", sa.String(200), nullable=True),
        sa.Column("breadcrumbs", JSONDOC, nullable=False),
        sa.Column("date_published", UTC, nullable=True),
        sa.Column("date_modified", UTC, nullable=True),
        sa.Column("article_body", sa.Text(), nullable=False),
        sa.Column("article_body_html", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("images", JSONDOC, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.Column("gone_at", UTC, nullable=True),
    )
    op.create_index("ix_articles_site_article_id", "articles", ["site_article_id"])
    op.create_index("ix_articles_section", "articles", ["section"])
    op.create_index("ix_articles_date_published", "articles", ["date_published"])
    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("authors", JSONDOC, nullable=False),
        sa.Column("article_body", sa.Text(), nullable=False),
        sa.Column("fetched_at", UTC, nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), sa.ForeignKey("crawl_runs.id"), nullable=True),
    )
    op.create_index("ix_article_versions_article_id", "article_versions", ["article_id"])
    op.create_table(
        "article_urls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False, unique=True),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("site_article_id", sa.String(64), nullable=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("first_seen_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
    )
    op.create_index("ix_article_urls_canonical_url", "article_urls", ["canonical_url"])
    op.create_index("ix_article_urls_site_article_id", "article_urls", ["site_article_id"])
    op.create_index("ix_article_urls_article_id", "article_urls", ["article_id"])
    op.create_table(
        "dead_urls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False, unique=True),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("referrer", sa.Text(), nullable=True),
        sa.Column("first_seen_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
    )
    op.create_index("ix_dead_urls_canonical_url", "dead_urls", ["canonical_url"])
    op.create_table(
        "failed_urls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False, unique=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.Column("resolved_at", UTC, nullable=True),
    )


def downgrade() -> None:
    for table in (
        "failed_urls",
        "dead_urls",
        "article_urls",
        "article_versions",
        "articles",
        "crawl_runs",
    ):
        op.drop_table(table)
