"""The one door to the archive database: opening and upgrading it, and reading and writing its rows."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from crawler.items import ArticleItem, DeadUrlItem
from pipelines.contenthash import content_hash
from pipelines.models import Article, ArticleVersion, CrawlRun, DeadUrl, utcnow

logger = logging.getLogger(__name__)
# Alembic announces each of its plugins at INFO on every start; only its migrations are news.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

MIGRATIONS = "pipelines:migrations"


@dataclass
class StoreResult:
    """What one batch did to the archive."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    dead: int = 0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the query tools, Datasette) work while a crawl writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_archive_engine(url: str) -> Engine:
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


class Archive:
    """Reads and writes the archive through SQLAlchemy; every write is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Archive:
        archive = cls(create_archive_engine(url))
        if upgrade:
            archive.upgrade()
        return archive

    def upgrade(self, revision: str = "head") -> None:
        """Create the schema, or bring an older archive up to the current revision."""
        config = alembic_config()
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def close(self) -> None:
        self.engine.dispose()

    def start_run(self, spider: str) -> int:
        with Session(self.engine) as session, session.begin():
            run = CrawlRun(spider=spider, started_at=utcnow())
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, reason: str, stats: dict[str, Any]) -> None:
        with Session(self.engine) as session, session.begin():
            run = session.get_one(CrawlRun, run_id)
            run.finished_at = utcnow()
            run.finish_reason = reason
            run.stats = stats

    def store(
        self,
        articles: Sequence[ArticleItem],
        dead_urls: Sequence[DeadUrlItem] = (),
        *,
        run_id: int | None = None,
    ) -> StoreResult:
        """Write a batch of articles and dead URLs in one transaction."""
        result = StoreResult()
        now = utcnow()
        latest = {item.canonical_url: item for item in articles}
        with Session(self.engine) as session, session.begin():
            existing = {
                row.canonical_url: row
                for row in session.scalars(select(Article).where(Article.canonical_url.in_(list(latest))))
            }
            for url, item in latest.items():
                row = existing.get(url)
                digest = content_hash(item.headline, item.authors, item.article_body)
                if row is None:
                    row = Article(canonical_url=url, first_seen_at=now, last_seen_at=now)
                    _fill(row, item, digest)
                    session.add(row)
                    session.flush()
                    session.add(_version(row, now, run_id))
                    result.new += 1
                elif row.content_hash != digest:
                    _fill(row, item, digest)
                    row.last_seen_at = now
                    row.gone_at = None
                    session.add(_version(row, now, run_id))
                    result.updated += 1
                else:
                    row.last_seen_at = now
                    row.gone_at = None
                    if item.date_modified is not None:
                        row.date_modified = item.date_modified
                    result.unchanged += 1
            for dead in dead_urls:
                self._store_dead(session, dead, now)
                result.dead += 1
        return result

    def _store_dead(self, session: Session, item: DeadUrlItem, now: datetime) -> None:
        row = session.scalars(select(DeadUrl).where(DeadUrl.url == item.url)).one_or_none()
        if row is None:
            row = DeadUrl(url=item.url, first_seen_at=now)
            session.add(row)
        row.canonical_url = item.canonical_url
        row.kind = item.kind
        row.status = item.status
        row.reason = item.reason
        row.referrer = item.referrer
        row.last_seen_at = now


def _fill(row: Article, item: ArticleItem, digest: str) -> None:
    row.site_article_id = item.site_article_id
    row.headline = item.headline or ""
    row.authors = list(item.authors)
    row.source = item.source
    row.section = item.section
    row.breadcrumbs = list(item.breadcrumbs)
    # The first known publication time stays: a later fetch outside the section list
    # knows only the less exact time of the WS id.
    if row.date_published is None:
        row.date_published = item.date_published
    row.date_modified = item.date_modified
    row.article_body = item.article_body
    row.article_body_html = item.article_body_html
    row.description = item.description
    row.language = item.language
    row.images = [dict(image) for image in item.images]
    row.content_hash = digest


def _version(row: Article, now: datetime, run_id: int | None) -> ArticleVersion:
    return ArticleVersion(
        article_id=row.id,
        content_hash=row.content_hash,
        headline=row.headline,
        authors=list(row.authors),
        article_body=row.article_body,
        fetched_at=now,
        crawl_run_id=run_id,
    )
