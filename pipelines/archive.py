"""The one door to the archive database: opening and upgrading it, and reading and writing its rows."""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.items import (
    ArticleAliasesItem,
    ArticleItem,
    ArticleSeenItem,
    CrawlStateItem,
    DeadUrlItem,
    FailedUrlItem,
)
from pipelines.articles import ArticleWriter, DedupRules
from pipelines.models import (
    Article,
    ArticleUrl,
    CrawlRun,
    CrawlState,
    DeadUrl,
    FailedUrl,
    ProbeFingerprint,
    utcnow,
)

logger = logging.getLogger(__name__)
_T = TypeVar("_T")
# Alembic announces each of its plugins at INFO on every start; only its migrations are news.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

MIGRATIONS = "pipelines:migrations"
# What store() takes, in the order it writes them.
STORED_ITEMS = (ArticleItem, ArticleAliasesItem, ArticleSeenItem, DeadUrlItem, FailedUrlItem, CrawlStateItem)
# Keys of the PostgreSQL advisory locks that make concurrent crawls take turns: writing a
# batch, and upgrading the schema (N crawls starting at once upgrade it once).
WRITE_LOCK_KEY = 0x0C0D_A1_1A
SCHEMA_LOCK_KEY = 0x0C0D_A1_1B


@dataclass(frozen=True)
class KnownUrl:
    """An archived URL: an article, an alias of one, or a dead URL; with what a re-check needs."""

    kind: str
    date_published: datetime | None = None
    http_etag: str | None = None
    http_last_modified: str | None = None


@dataclass
class StoreResult:
    """What one batch did to the archive."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    alias: int = 0
    merged: int = 0
    dead: int = 0
    gone: int = 0
    failed: int = 0
    resolved: int = 0


@dataclass(frozen=True)
class ArchiveOptions:
    """How the archive copes with a busy or failing database."""

    lock_timeout: float = 30.0
    """SQLite: seconds to wait for another writer's lock before a write fails (and is retried)."""
    retries: int = 5
    """Times a failed read or write is tried again, when the failure may pass."""
    retry_delay: float = 1.0
    """Seconds before the first retry; each next one waits twice as long."""
    sqlite_max_page_count: int = 0
    """SQLite: a ceiling on the file, in pages (0: none), for quotas and for tests of a full disk."""

    @classmethod
    def from_settings(cls, settings: Any) -> ArchiveOptions:
        return cls(
            lock_timeout=settings.getfloat("ARCHIVE_LOCK_TIMEOUT_SECONDS"),
            retries=settings.getint("ARCHIVE_RETRIES"),
            retry_delay=settings.getfloat("ARCHIVE_RETRY_DELAY_SECONDS"),
            sqlite_max_page_count=settings.getint("ARCHIVE_SQLITE_MAX_PAGE_COUNT"),
        )


class ArchiveUnavailable(RuntimeError):
    """The archive cannot be read or written, for good or after its retries; says why in one line."""


# PostgreSQL SQLSTATE classes of failures that may pass: lost connections (08), the server
# shutting down or starting (57P), serialization failures and deadlocks (40).
_TRANSIENT_SQLSTATES = ("08", "57P", "40")


def transient(error: SQLAlchemyError) -> bool:
    """Whether a database error may pass if the same work is tried again."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        sqlstate = getattr(error.orig, "sqlstate", None)
        if sqlstate:
            return str(sqlstate).startswith(_TRANSIENT_SQLSTATES)
        message = str(error.orig).lower()
        if "locked" in message or "busy" in message:
            return True
        # psycopg raises OperationalError without a SQLSTATE when the connection is gone.
        return isinstance(error, OperationalError) and not isinstance(error.orig, sqlite3.Error)
    return False


def _describe(error: BaseException) -> str:
    origin = getattr(error, "orig", None) or error
    return f"{type(origin).__name__}: {str(origin).strip().splitlines()[0] if str(origin).strip() else ''}"


def _retried(method: Callable[..., _T]) -> Callable[..., _T]:
    """Run an archive method again, with growing pauses, while its failure may pass."""

    @functools.wraps(method)
    def run(self: Archive, *args: Any, **kwargs: Any) -> _T:
        delay = self.options.retry_delay
        for attempt in range(self.options.retries + 1):
            try:
                return method(self, *args, **kwargs)
            except SQLAlchemyError as error:
                if not transient(error) or attempt == self.options.retries:
                    tries = f" after {attempt + 1} tries" if attempt else ""
                    raise ArchiveUnavailable(f"{_describe(error)}{tries}") from error
                logger.warning(
                    "The archive failed (%s); trying again in %.0f s (%d of %d)",
                    _describe(error),
                    delay,
                    attempt + 1,
                    self.options.retries,
                )
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    return run


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, options: ArchiveOptions) -> None:
    cursor = dbapi_connection.cursor()
    # First, so that even switching the journal waits for another writer instead of failing.
    cursor.execute(f"PRAGMA busy_timeout={int(options.lock_timeout * 1000)}")
    if options.sqlite_max_page_count:
        cursor.execute(f"PRAGMA max_page_count={int(options.sqlite_max_page_count)}")
    # WAL lets readers (the query tools, Datasette) work while a crawl writes. It stays set in
    # the file; switching a new file to it fails at once, busy timeout or not, while another
    # connection holds a lock, so that one step is retried.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        for attempt in range(200):
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 199:
                    raise
                time.sleep(0.05)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself (the pysqlite driver's own is deferred).
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection: Any) -> None:
    # A write transaction takes the write lock at once, so two crawls writing the same file
    # take turns instead of both reading and then failing to upgrade their locks.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_archive_engine(url: str, options: ArchiveOptions | None = None) -> Engine:
    options = options or ArchiveOptions()
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, options=options))
        event.listen(engine, "connect", _sqlite_autocommit)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return config


class Archive:
    """Reads and writes the archive through SQLAlchemy; every write is one transaction."""

    # The spider and the storage pipeline of one crawl share one archive per database URL,
    # so the schema is upgraded once and one engine pools the connections.
    _shared: dict[str, tuple[Archive, int]] = {}  # noqa: RUF012
    _shared_lock = threading.Lock()

    def __init__(self, engine: Engine, options: ArchiveOptions | None = None) -> None:
        self.engine = engine
        self.options = options or ArchiveOptions()
        self._shared_url: str | None = None

    @classmethod
    def acquire(cls, url: str, options: ArchiveOptions | None = None) -> Archive:
        """The crawl's shared archive at url, opened (and upgraded) by its first user."""
        with cls._shared_lock:
            archive, users = cls._shared.get(url, (None, 0))
            if archive is None:
                archive = cls.open(url, options=options)
                archive._shared_url = url
            cls._shared[url] = (archive, users + 1)
            return archive

    def release(self) -> None:
        """Give back an archive from acquire(); the last user closes it."""
        with self._shared_lock:
            assert self._shared_url is not None, "release() of an archive not from acquire()"
            archive, users = self._shared[self._shared_url]
            if users > 1:
                self._shared[self._shared_url] = (archive, users - 1)
                return
            del self._shared[self._shared_url]
        self.close()

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True, options: ArchiveOptions | None = None) -> Archive:
        """The archive at url, its schema created or upgraded; ArchiveUnavailable if it cannot be."""
        archive = cls(create_archive_engine(url, options), options)
        if upgrade:
            try:
                archive.upgrade()
            except BaseException:
                archive.close()
                raise
        return archive

    @_retried
    def upgrade(self, revision: str = "head") -> None:
        """Create the schema, or bring an older archive up to the current revision."""
        config = alembic_config()
        with self.engine.begin() as connection:
            # SQLite's BEGIN IMMEDIATE already holds the file's write lock here.
            if self.engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A write transaction that concurrent crawls take in turns (on SQLite, BEGIN IMMEDIATE
        does that; on PostgreSQL, an advisory lock held to the end of the transaction)."""
        with Session(self.engine) as session, session.begin():
            if self.engine.dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            yield session

    @_retried
    def start_run(self, spider: str) -> int:
        with Session(self.engine) as session, session.begin():
            run = CrawlRun(spider=spider, started_at=utcnow())
            session.add(run)
            session.flush()
            return run.id

    @_retried
    def finish_run(self, run_id: int, reason: str, stats: dict[str, Any]) -> None:
        with Session(self.engine) as session, session.begin():
            run = session.get_one(CrawlRun, run_id)
            run.finished_at = utcnow()
            run.finish_reason = reason
            run.stats = stats
            run.warc_files = stats.get("warc/files") or None

    @_retried
    def store(
        self,
        items: Iterable[Any],
        *,
        run_id: int | None = None,
        rules: DedupRules | None = None,
    ) -> StoreResult:
        """Write a batch of crawl items — articles, their other URLs, re-checks, dead and
        failed URLs, crawl state — in one transaction."""
        batch: dict[type, list[Any]] = {kind: [] for kind in STORED_ITEMS}
        for item in items:
            batch[type(item)].append(item)
        articles: list[ArticleItem] = batch[ArticleItem]
        aliases: list[ArticleAliasesItem] = batch[ArticleAliasesItem]
        dead_urls: list[DeadUrlItem] = batch[DeadUrlItem]
        failed_urls: list[FailedUrlItem] = batch[FailedUrlItem]
        result = StoreResult()
        now = utcnow()
        with self._writing() as session:
            writer = ArticleWriter(session, now, run_id, rules or DedupRules())
            with session.no_autoflush:
                writer.prefetch(
                    articles,
                    alias_urls=[url for found in aliases for url in found.urls],
                    article_urls=[found.article_canonical_url for found in aliases],
                )
                for item in articles:
                    outcome = writer.store(item)
                    setattr(result, outcome.kind, getattr(result, outcome.kind) + 1)
                for found in aliases:
                    row = writer.by_url.get(found.article_canonical_url)
                    if row is not None:
                        writer.record_aliases(row, found.urls, None)
            session.flush()
            result.unchanged += self._seen(
                session, [seen.canonical_url for seen in batch[ArticleSeenItem]], now
            )
            for dead in dead_urls:
                self._store_dead(session, dead, now)
                result.dead += 1
                result.gone += self._mark_gone(session, dead.canonical_url, now)
            for failed in failed_urls:
                if not failed.resolved:
                    self._store_failed(session, failed, now)
                    result.failed += 1
            fetched = {item.canonical_url for item in articles} | {dead.canonical_url for dead in dead_urls}
            fetched |= {failed.url for failed in failed_urls if failed.resolved}
            result.resolved += self._resolve(session, fetched, now)
            for state in batch[CrawlStateItem]:
                self._store_state(session, state, now)
        return result

    @staticmethod
    def _seen(session: Session, urls: list[str], now: datetime) -> int:
        """Articles re-checked and unchanged (HTTP 304): only last_seen_at moves."""
        if not urls:
            return 0
        statement = (
            update(Article)
            .where(Article.canonical_url.in_(urls))
            .values(last_seen_at=now, gone_at=None)
            .execution_options(synchronize_session=False)
        )
        return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]

    @staticmethod
    def _store_state(session: Session, item: CrawlStateItem, now: datetime) -> None:
        row = session.scalars(
            select(CrawlState).where(CrawlState.section_url == item.section_url)
        ).one_or_none()
        if row is None:
            row = CrawlState(section_url=item.section_url, backfill_complete=False, reached_page=0)
            session.add(row)
        row.updated_at = now
        if item.restart:
            row.backfill_complete, row.reached_page = False, 0
            return
        # A completed backfill stays completed; a later walk only refreshes what it saw.
        if item.complete and not row.backfill_complete:
            row.backfill_finished_at = now
        row.backfill_complete = row.backfill_complete or item.complete
        row.reached_page = (
            max(row.reached_page, item.reached_page) if not item.complete else item.reached_page
        )
        row.last_page = item.last_page or row.last_page
        row.updated_at = now

    @_retried
    def crawl_state(self, section_url: str) -> CrawlState | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.scalars(
                select(CrawlState).where(CrawlState.section_url == section_url)
            ).one_or_none()

    @_retried
    def known(self, urls: Iterable[str]) -> dict[str, KnownUrl]:
        """What the archive already holds under these canonical URLs."""
        wanted = list(dict.fromkeys(urls))
        found: dict[str, KnownUrl] = {}
        if not wanted:
            return found
        with Session(self.engine) as session:
            for url, published, etag, modified in session.execute(
                select(
                    Article.canonical_url,
                    Article.date_published,
                    Article.http_etag,
                    Article.http_last_modified,
                ).where(Article.canonical_url.in_(wanted))
            ):
                found[url] = KnownUrl("article", published, etag, modified)
            for url, published in session.execute(
                select(ArticleUrl.url, Article.date_published)
                .join(Article, Article.id == ArticleUrl.article_id)
                .where(ArticleUrl.url.in_(wanted))
            ):
                found.setdefault(url, KnownUrl("alias", published))
            for (url,) in session.execute(
                select(DeadUrl.canonical_url).where(DeadUrl.canonical_url.in_(wanted))
            ):
                found.setdefault(url, KnownUrl("dead"))
        return found

    @_retried
    def last_new_article_at(self, section: str | None = None) -> datetime | None:
        """When the archive last gained an article (of a section, given its breadcrumb name)."""
        with Session(self.engine) as session:
            statement = select(func.max(Article.first_seen_at))
            if section:
                statement = statement.where(Article.section == section)
            return session.scalar(statement)

    @staticmethod
    def _mark_gone(session: Session, url: str, now: datetime) -> int:
        """An archived article whose page has turned dead is kept, with the time it went."""
        statement = (
            update(Article).where(Article.canonical_url == url, Article.gone_at.is_(None)).values(gone_at=now)
        )
        return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]

    @staticmethod
    def _resolve(session: Session, urls: set[str], now: datetime) -> int:
        """Failed URLs fetched and judged at last."""
        if not urls:
            return 0
        statement = (
            update(FailedUrl)
            .where(FailedUrl.url.in_(urls), FailedUrl.resolved_at.is_(None))
            .values(resolved_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]

    @staticmethod
    def _store_failed(session: Session, item: FailedUrlItem, now: datetime) -> None:
        row = session.scalars(select(FailedUrl).where(FailedUrl.url == item.url)).one_or_none()
        if row is None:
            row = FailedUrl(url=item.url, attempts=0, first_seen_at=now)
            session.add(row)
        row.reason = item.reason
        row.attempts += 1
        row.last_seen_at = now
        row.resolved_at = None

    @_retried
    def unresolved_failed_urls(self, limit: int = 1000) -> list[str]:
        """URLs whose last fetch failed for a passing reason, oldest first: the next run tries them first."""
        with Session(self.engine) as session:
            statement = (
                select(FailedUrl.url)
                .where(FailedUrl.resolved_at.is_(None))
                .order_by(FailedUrl.first_seen_at)
                .limit(limit)
            )
            return list(session.scalars(statement))

    @_retried
    def probe_fingerprints(self, origin: str) -> list[ProbeFingerprint]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(select(ProbeFingerprint).where(ProbeFingerprint.origin == origin)))

    @_retried
    def save_probe_fingerprints(self, fingerprints: Sequence[ProbeFingerprint]) -> None:
        """Replace the stored fingerprints of the same origin and URL shape."""
        with self._writing() as session:
            for fingerprint in fingerprints:
                existing = session.scalars(
                    select(ProbeFingerprint).where(
                        ProbeFingerprint.origin == fingerprint.origin,
                        ProbeFingerprint.shape == fingerprint.shape,
                    )
                ).one_or_none()
                if existing is not None:
                    session.delete(existing)
                    session.flush()
                session.add(fingerprint)

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
