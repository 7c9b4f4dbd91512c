"""SQLAlchemy models of the archive: the public tables and columns (docs/archive.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is UTC in and out, on SQLite (which keeps no zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime given for a UTC column: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """For Alembic's comparisons: leave out what the models do not describe, the full-text
    index (SQLite's FTS5 tables of migration 0005; PostgreSQL's GIN index and the stored
    document it indexes, of migration 0011)."""
    if type_ == "table" and name and name.startswith("articles_fts"):
        return False
    if type_ == "column" and name == "search_document":
        return False
    return not (type_ == "index" and name == "ix_articles_fulltext")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSONDocument}


class CrawlRun(Base):
    """One crawl: when it ran, how it ended, and its Scrapy stats."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spider: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    stats: Mapped[dict[str, Any] | None]
    warc_files: Mapped[list[str] | None] = mapped_column(JSONDocument)
    """With WARC capture on: the run's WARC files, where they were written."""


class Article(Base):
    """One article, its latest version."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    site_article_id: Mapped[str | None] = mapped_column(String(64), index=True)
    headline: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSONDocument)
    source: Mapped[str | None] = mapped_column(String(200))
    section: Mapped[str | None] = mapped_column(String(200), index=True)
    breadcrumbs: Mapped[list[str]] = mapped_column(JSONDocument)
    date_published: Mapped[datetime | None] = mapped_column(index=True)
    date_modified: Mapped[datetime | None]
    article_body: Mapped[str] = mapped_column(Text)
    article_body_html: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    images: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    content_hash: Mapped[str] = mapped_column(String(64))
    headline_key: Mapped[str | None] = mapped_column(Text, index=True)
    """The headline reduced to its words: where a near-identical story is looked for."""
    body_simhash: Mapped[int | None] = mapped_column(BigInteger)
    """SimHash of the body's shingles (signed 64-bit), computed when a same-headline story needs it."""
    template: Mapped[str | None] = mapped_column(String(32))
    """The site template its first page was read in (None: stored before templates were recorded)."""
    pages_expected: Mapped[int] = mapped_column(Integer, server_default="1")
    """How many pages the article has, as its pagers tell."""
    pages_stored: Mapped[int] = mapped_column(Integer, server_default="1")
    """How many were read; fewer than pages_expected: the article is incomplete."""
    pages_missing: Mapped[list[str] | None] = mapped_column(JSONDocument)
    """The URLs of the pages not read, each a dead or failed URL with its reason."""
    http_etag: Mapped[str | None] = mapped_column(Text)
    """The ETag the site sent with the article's page, for conditional re-checks."""
    http_last_modified: Mapped[str | None] = mapped_column(Text)
    """The Last-Modified the site sent with the article's page, for conditional re-checks."""
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    gone_at: Mapped[datetime | None]


class ArticleVersion(Base):
    """One distinct content (headline, authors, body) of an article, as first fetched."""

    __tablename__ = "article_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    headline: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSONDocument)
    article_body: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime]
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    warc_records: Mapped[list[str] | None] = mapped_column(JSONDocument)
    """The WARC response records of its pages (`FILE.warc.gz#OFFSET`), when captured."""
    article: Mapped[Article] = relationship()


class ArticleUrl(Base):
    """Another URL or id under which the same story was found."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    canonical_url: Mapped[str] = mapped_column(Text, index=True)
    site_article_id: Mapped[str | None] = mapped_column(String(64), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    article: Mapped[Article] = relationship()


class DeadUrl(Base):
    """A URL that is not, or no longer, an article: soft-404, HTTP error, redirect or thin."""

    __tablename__ = "dead_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    canonical_url: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    referrer: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class FailedUrl(Base):
    """A fetch that failed for a reason that may pass; the next run tries it first."""

    __tablename__ = "failed_urls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class ProbeFingerprint(Base):
    """How the site answers a URL that cannot exist, per origin and URL shape (soft-404 calibration)."""

    __tablename__ = "probe_fingerprints"
    __table_args__ = (UniqueConstraint("origin", "shape"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(Text)
    shape: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int]
    final_url: Mapped[str] = mapped_column(Text)
    shingles: Mapped[list[int]] = mapped_column(JSONDocument)
    fetched_at: Mapped[datetime]


class SectionListing(Base):
    """A section list that showed an article: every section path an article was listed under."""

    __tablename__ = "section_listings"
    __table_args__ = (
        UniqueConstraint("canonical_url", "section_path"),
        Index("ix_section_listings_path", "section_path"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(Text)
    """The listed link's canonical URL (an article's, or an alias of it: an edition's, a mirror's)."""
    section_path: Mapped[str] = mapped_column(Text)
    """The section's path as on the site, no host, no trailing slash: /world/asia_pacific."""
    first_listed_at: Mapped[datetime]
    last_listed_at: Mapped[datetime]


class SectionCount(Base):
    """How many articles a section path listed, kept up by the writer in each batch's transaction."""

    __tablename__ = "section_counts"

    section_path: Mapped[str] = mapped_column(Text, primary_key=True)
    """A section path, or "(not listed)" for the articles no section listed."""
    articles: Mapped[int] = mapped_column(Integer)
    """Articles listed under it, each once, under their own URL or any other they stand under."""


class Discovery(Base):
    """An article another index of the site showed (search API, RSS, sitemap), and when."""

    __tablename__ = "discoveries"
    __table_args__ = (UniqueConstraint("canonical_url", "source"), Index("ix_discoveries_day", "day"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    """'search', 'rss' or 'sitemap'."""
    day: Mapped[str] = mapped_column(String(10))
    """The day (Beijing, YYYY-MM-DD) the source listed it under."""
    section_hint: Mapped[str | None] = mapped_column(Text)
    """The source's own name for the article's section (the API's columnName)."""
    listed_at_discovery: Mapped[bool]
    """A section list had shown the article when the source first showed it: the walk had found it."""
    first_found_at: Mapped[datetime]
    last_found_at: Mapped[datetime]


class AuditedDay(Base):
    """A day of a source the audit read to its end, or failed to."""

    __tablename__ = "audited_days"
    __table_args__ = (UniqueConstraint("source", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(10))
    results: Mapped[int]
    failure: Mapped[str | None] = mapped_column(Text)
    """Why the day could not be read; NULL once it was."""
    audited_at: Mapped[datetime]


class CrawlState(Base):
    """How far a section's backfill has reached, so an interrupted one is continued, not mistaken."""

    __tablename__ = "crawl_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_url: Mapped[str] = mapped_column(Text, unique=True)
    """The section's canonical URL, e.g. https://www.chinadaily.com.cn/world/asia_pacific."""
    backfill_complete: Mapped[bool]
    """Every list page down to the last has been walked and its articles stored."""
    reached_page: Mapped[int]
    """List pages 1..reached_page were walked and all their items stored."""
    last_page: Mapped[int | None]
    """The number of list pages the pager announced last time."""
    backfill_finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
