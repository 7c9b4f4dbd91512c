"""Reading the archive for its users, read-only: search, articles and their versions, exports, counts, runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from crawler.items import LIST_FIELDS, exported_fields
from crawler.siteurls import canonical_url
from pipelines.archive import read, records
from pipelines.archive.coverage import Coverage, coverage
from pipelines.archive.errors import BadInput, NotFound
from pipelines.archive.filters import Filters, date_conditions, filter_conditions
from pipelines.archive.listings import found_by
from pipelines.archive.models import (
    Article,
    ArticleUrl,
    ArticleVersion,
    CrawlRun,
    DeadUrl,
    FailedUrl,
)
from pipelines.archive.readonly import check_schema, read_only_engine
from pipelines.archive.search import QueryError, parse, search_statement
from pipelines.archive.sectioncounts import counting_statement, kept_statement

# The item's exported fields, between the archive's own id and its times of the article;
# `sections` (every section path the article was listed under) comes from section_listings,
# `discovered_by` (list, search, rss, sitemap: every way it was found) from them and discoveries.
EXPORT_COLUMNS = (
    "id",
    *exported_fields(),
    "sections",
    "discovered_by",
    "first_seen_at",
    "last_seen_at",
    "gone_at",
)
LIST_COLUMNS = (*LIST_FIELDS, "sections", "discovered_by")
"""The exported columns that hold lists."""


def export_columns(with_html: bool = False) -> list[str]:
    """The columns `export` writes, in order; with_html adds the body's HTML."""
    extra = [name for name in exported_fields(with_html) if name not in EXPORT_COLUMNS]
    return [*EXPORT_COLUMNS, *extra]


class ArchiveReader:
    """A read-only view of an archive at the current schema."""

    def __init__(self, url: str) -> None:
        self.engine = read_only_engine(url)
        self.dialect = self.engine.dialect.name
        check_schema(self.engine, url)

    def close(self) -> None:
        self.engine.dispose()

    def coverage(self, since: date, until: date) -> Coverage:
        """The list walk against the search API over a window of (Beijing) days."""
        if since > until:
            raise BadInput(f"--since ({since}) is after --until ({until})")
        with self.engine.connect() as connection:
            return coverage(connection, since, until)

    def found_by(self, articles: list[tuple[int, str]]) -> dict[int, tuple[list[str], list[str]]]:
        """Each article's sections and discovered_by (pipelines/archive/listings.py)."""
        with self.engine.connect() as connection:
            return found_by(connection, articles)

    # --- Search ----------------------------------------------------------------------------

    def search(self, query: str, filters: Filters, sort: str = "relevance") -> list[records.SearchHit]:
        """Articles matching a search, with a snippet of the body, [matched] words marked."""
        try:
            parsed = parse(query)
        except QueryError as error:
            raise BadInput(f"bad search: {error}") from None
        statement = search_statement(
            self.dialect,
            parsed,
            by_date=sort == "date",
            dates=date_conditions(filters),
            conditions=filter_conditions(filters, self.dialect, dates=False),
            limit=filters.limit or 20,
        )
        with self.engine.connect() as connection:
            return [records.SearchHit(**row._mapping) for row in connection.execute(statement)]

    # --- One article -------------------------------------------------------------------------

    def article(self, reference: str) -> dict[str, Any]:
        """An article by its id, its URL (any host, any page of it) or a URL it also stands under."""
        with self.engine.connect() as connection:
            if reference.isdigit():
                row = connection.execute(select(Article).where(Article.id == int(reference))).first()
            else:
                if urlsplit(reference).scheme not in ("http", "https"):
                    raise BadInput(f"{reference!r} is neither an article id nor a URL")
                url = canonical_url(reference)
                row = connection.execute(select(Article).where(Article.canonical_url == url)).first()
                if row is None:
                    alias = select(ArticleUrl.article_id).where(
                        (ArticleUrl.url == reference) | (ArticleUrl.canonical_url == url)
                    )
                    row = connection.execute(
                        select(Article).where(Article.id.in_(alias.scalar_subquery()))
                    ).first()
        if row is None:
            raise NotFound(f"no article {reference} in the archive")
        article = {
            name: value
            for name, value in row._mapping.items()
            if name not in ("headline_key", "body_simhash")
        }
        article["pages_missing"] = self._missing_pages(article.get("pages_missing") or [])
        found = self.found_by([(article["id"], article["canonical_url"])])
        article["sections"], article["discovered_by"] = found[article["id"]]
        return article

    def _missing_pages(self, urls: list[str]) -> list[dict[str, Any]]:
        """Each page an article was stored without, with what the crawl recorded of it."""
        if not urls:
            return []
        with self.engine.connect() as connection:
            dead = {
                row.url: (row.kind, row.reason)
                for row in connection.execute(
                    select(DeadUrl.url, DeadUrl.kind, DeadUrl.reason).where(DeadUrl.url.in_(urls))
                )
            }
            failed = {
                row.url: ("failed", row.reason)
                for row in connection.execute(
                    select(FailedUrl.url, FailedUrl.reason).where(
                        FailedUrl.url.in_(urls), FailedUrl.resolved_at.is_(None)
                    )
                )
            }
        found = {**dead, **failed}
        return [
            {
                "url": url,
                "kind": found.get(url, ("not recorded", None))[0],
                "reason": found.get(url, (None, None))[1],
            }
            for url in urls
        ]

    def versions(self, article_id: int) -> list[records.Version]:
        """Every version of an article, oldest first."""
        statement = (
            select(ArticleVersion)
            .where(ArticleVersion.article_id == article_id)
            .order_by(ArticleVersion.fetched_at, ArticleVersion.id)
        )
        with self.engine.connect() as connection:
            return [records.Version(**row._mapping) for row in connection.execute(statement)]

    def aliases(self, article_id: int) -> list[str]:
        with self.engine.connect() as connection:
            return list(
                connection.scalars(
                    select(ArticleUrl.url).where(ArticleUrl.article_id == article_id).order_by(ArticleUrl.url)
                )
            )

    # --- Listings ------------------------------------------------------------------------------

    def count(self, filters: Filters) -> int:
        """How many articles the filters let through (at most the filters' limit)."""
        statement = select(func.count()).select_from(Article).where(*filter_conditions(filters, self.dialect))
        with self.engine.connect() as connection:
            total = int(connection.scalar(statement) or 0)
        return min(total, filters.limit) if filters.limit else total

    def iter_articles(self, filters: Filters, with_html: bool = False) -> Iterator[dict[str, Any]]:
        """Every article the filters let through, oldest first, streamed a thousand at a time."""
        names = [name for name in export_columns(with_html) if name not in ("sections", "discovered_by")]
        statement = (
            select(*(getattr(Article, name) for name in names))
            .where(*filter_conditions(filters, self.dialect))
            .order_by(Article.date_published, Article.id)
        )
        if filters.limit:
            statement = statement.limit(filters.limit)
        with self.engine.connect() as connection:
            result = connection.execution_options(stream_results=True, yield_per=1000).execute(statement)
            for rows in result.partitions():
                batch = [dict(row._mapping) for row in rows]
                found = self.found_by([(row["id"], row["canonical_url"]) for row in batch])
                for row in batch:
                    row["sections"], row["discovered_by"] = found[row["id"]]
                    yield {name: row[name] for name in export_columns(with_html)}

    def counts(self, by: str, filters: Filters) -> list[tuple[str, int]]:
        """Articles per day, month, author, section path listed under, breadcrumb section or source."""
        if by in ("day", "month"):
            if self.dialect == "sqlite":
                key = func.strftime("%Y-%m-%d" if by == "day" else "%Y-%m", Article.date_published)
            else:
                key = func.to_char(
                    func.timezone("UTC", Article.date_published), "YYYY-MM-DD" if by == "day" else "YYYY-MM"
                )
            statement = select(key.label("key"), func.count()).group_by(key).order_by(key)
        elif by == "author":
            each = "json_each" if self.dialect == "sqlite" else "jsonb_array_elements_text"
            names = getattr(func, each)(Article.authors).table_valued("value")
            key = names.c.value
            statement = (
                select(key.label("key"), func.count())
                .select_from(Article)
                .join(names, literal(True))
                .group_by(key)
                .order_by(func.count().desc(), key)
            )
        elif by == "section":
            return self._section_counts(filters)
        elif by in ("breadcrumb", "source"):
            column = Article.section if by == "breadcrumb" else Article.source
            statement = (
                select(column.label("key"), func.count())
                .group_by(column)
                .order_by(func.count().desc(), column)
            )
        else:
            raise BadInput(f"cannot count by {by!r}: day, month, author, section, breadcrumb or source")
        statement = statement.where(*filter_conditions(filters, self.dialect))
        if filters.limit:
            statement = statement.limit(filters.limit)
        with self.engine.connect() as connection:
            return [(str(row[0]), int(row[1])) for row in connection.execute(statement)]

    def _section_counts(self, filters: Filters) -> list[tuple[str, int]]:
        """Articles per section path listed under, under their own URL or any other they stand
        under; one listed nowhere counts once as "(not listed)"."""
        conditions = filter_conditions(filters, self.dialect)
        # Nothing to test row by row: the counts the writer keeps (pipelines/archive/sectioncounts.py),
        # the same numbers as counting over a million listings, which takes seconds.
        statement = counting_statement(conditions) if conditions else kept_statement()
        if filters.limit:
            statement = statement.limit(filters.limit)
        with self.engine.connect() as connection:
            return [(str(row[0]), int(row[1])) for row in connection.execute(statement)]

    def dead_urls(self, kind: str | None = None, limit: int | None = None) -> list[records.DeadUrl]:
        """Dead URLs (of a kind), and URLs whose fetch failed and is tried again next run (kind
        'failed'), latest first."""
        found: list[records.DeadUrl] = []
        with self.engine.connect() as connection:
            if kind != "failed":
                statement = select(DeadUrl).order_by(DeadUrl.last_seen_at.desc(), DeadUrl.id)
                if kind:
                    statement = statement.where(DeadUrl.kind == kind)
                if limit:
                    statement = statement.limit(limit)
                found += [records.DeadUrl(**row._mapping) for row in connection.execute(statement)]
            if kind in (None, "failed"):
                retried = (
                    select(FailedUrl)
                    .where(FailedUrl.resolved_at.is_(None))
                    .order_by(FailedUrl.last_seen_at.desc(), FailedUrl.id)
                )
                if limit:
                    retried = retried.limit(limit)
                found += [
                    records.DeadUrl(
                        row.id,
                        row.url,
                        row.url,
                        "failed",
                        None,
                        row.reason,
                        None,
                        row.first_seen_at,
                        row.last_seen_at,
                    )
                    for row in connection.execute(retried)
                ]
        found.sort(key=lambda row: row.last_seen_at, reverse=True)
        return found[:limit] if limit else found

    def dead_counts(self) -> list[tuple[str, int]]:
        statement = select(DeadUrl.kind, func.count()).group_by(DeadUrl.kind).order_by(DeadUrl.kind)
        with self.engine.connect() as connection:
            return [(str(kind), int(count)) for kind, count in connection.execute(statement)]

    def run(self, run_id: int | None = None) -> records.CrawlRun:
        """One crawl run, by its id; the latest when none is given."""
        statement = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)
        if run_id is not None:
            statement = select(CrawlRun).where(CrawlRun.id == run_id)
        with self.engine.connect() as connection:
            row = connection.execute(statement).first()
        if row is None:
            raise NotFound(
                f"no crawl run {run_id} in the archive" if run_id else "no crawl run in the archive"
            )
        return records.CrawlRun(**{**row._mapping, "stats": row.stats or {}})

    def probe_fingerprints(self, origin: str) -> list[records.ProbeRecord]:
        """How the site at origin answered URLs that cannot exist, as the last calibration saw it."""
        with Session(self.engine) as session:
            return read.probe_fingerprints(session, origin)

    def runs(self, limit: int | None = None) -> list[records.CrawlRun]:
        statement = select(CrawlRun).order_by(CrawlRun.id.desc())
        if limit:
            statement = statement.limit(limit)
        with self.engine.connect() as connection:
            return [
                records.CrawlRun(**{**row._mapping, "stats": row.stats or {}})
                for row in connection.execute(statement)
            ]
