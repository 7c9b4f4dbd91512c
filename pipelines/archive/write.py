"""What a crawl writes to the archive, each call inside one write transaction: batches of items, runs, probe answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crawler import statkeys as keys
from crawler.items import (
    ArticleAliasesItem,
    ArticleItem,
    ArticleSeenItem,
    AuditedDayItem,
    CrawlStateItem,
    DeadUrlItem,
    DiscoveryItem,
    FailedUrlItem,
    SectionListingItem,
)
from pipelines.archive.models import (
    Article,
    AuditedDay,
    Base,
    CrawlRun,
    CrawlState,
    DeadUrl,
    Discovery,
    FailedUrl,
    ProbeFingerprint,
    SectionListing,
    utcnow,
)
from pipelines.archive.oneof import one_of
from pipelines.archive.records import ProbeRecord, StoreResult
from pipelines.archive.sectioncounts import SectionCounter
from pipelines.archive.stories import ArticleWriter, DedupRules

# The tables the upserts write, as Core sees them: each upsert is one row's statement executed
# for every row, so that its text is the same whatever the batch holds (see oneof.py for why).
_SECTION_LISTINGS = Base.metadata.tables[SectionListing.__tablename__]
_DISCOVERIES = Base.metadata.tables[Discovery.__tablename__]

# What store() takes, in the order it writes them.
STORED_ITEMS = (
    ArticleItem,
    ArticleAliasesItem,
    ArticleSeenItem,
    DeadUrlItem,
    FailedUrlItem,
    SectionListingItem,
    DiscoveryItem,
    AuditedDayItem,
    CrawlStateItem,
)


def store(session: Session, items: Iterable[Any], run_id: int | None, rules: DedupRules) -> StoreResult:
    """Write a batch of crawl items — articles, their other URLs, re-checks, dead and failed
    URLs, crawl state — in the session's transaction."""
    batch: dict[type, list[Any]] = {kind: [] for kind in STORED_ITEMS}
    for item in items:
        batch[type(item)].append(item)
    articles: list[ArticleItem] = batch[ArticleItem]
    aliases: list[ArticleAliasesItem] = batch[ArticleAliasesItem]
    dead_urls: list[DeadUrlItem] = batch[DeadUrlItem]
    failed_urls: list[FailedUrlItem] = batch[FailedUrlItem]
    result = StoreResult()
    now = utcnow()
    writer = ArticleWriter(session, now, run_id, rules)
    alias_urls = [url for found in aliases for url in found.urls]
    article_urls = [found.article_canonical_url for found in aliases]
    with session.no_autoflush:
        writer.prefetch(articles, alias_urls=alias_urls, article_urls=article_urls)
        listed_urls = {url for listing in batch[SectionListingItem] for url in listing.canonical_urls}
        counter = SectionCounter(session, writer.touched(), listed_urls)
        # A backfill's articles are nearly all new and unrelated: those go in bulk.
        plain, rest = writer.split_plainly_new(articles, [*alias_urls, *article_urls])
        writer.insert_new(plain)
        result.new += len(plain)
        for item in rest:
            outcome = writer.store(item)
            setattr(result, outcome.kind, getattr(result, outcome.kind) + 1)
        for found in aliases:
            row = writer.by_url.get(found.article_canonical_url)
            if row is not None:
                writer.record_aliases(row, found.urls, None)
    session.flush()
    result.unchanged += _seen(session, [seen.canonical_url for seen in batch[ArticleSeenItem]], now)
    for dead in dead_urls:
        _store_dead(session, dead, now)
        result.dead += 1
        result.gone += _mark_gone(session, dead.canonical_url, now)
    for failed in failed_urls:
        if not failed.resolved:
            _store_failed(session, failed, now)
            result.failed += 1
    fetched = {item.canonical_url for item in articles} | {dead.canonical_url for dead in dead_urls}
    fetched |= {failed.url for failed in failed_urls if failed.resolved}
    # An article's page that was missing and has been read: it is neither failed nor dead now.
    fetched |= writer.pages_back
    result.resolved += _resolve(session, fetched, now)
    _forget_dead(session, writer.pages_back)
    _store_listings(session, batch[SectionListingItem], now)
    session.flush()
    counter.apply(writer.touched())
    _store_discoveries(session, batch[DiscoveryItem], now)
    _store_audited_days(session, batch[AuditedDayItem], now)
    for state in batch[CrawlStateItem]:
        _store_walk(session, state, now)
    return result


def start_run(session: Session, spider: str) -> int:
    run = CrawlRun(spider=spider, started_at=utcnow())
    session.add(run)
    session.flush()
    return run.id


def finish_run(session: Session, run_id: int, reason: str, stats: dict[str, Any]) -> None:
    run = session.get_one(CrawlRun, run_id)
    run.finished_at = utcnow()
    run.finish_reason = reason
    run.stats = stats
    run.warc_files = stats.get(keys.WARC_FILES) or None


def save_probe_fingerprints(session: Session, records: Sequence[ProbeRecord]) -> None:
    """Replace the stored fingerprints of the same origin and URL shape."""
    for record in records:
        existing = session.scalars(
            select(ProbeFingerprint).where(
                ProbeFingerprint.origin == record.origin, ProbeFingerprint.shape == record.shape
            )
        ).one_or_none()
        if existing is not None:
            session.delete(existing)
            session.flush()
        session.add(
            ProbeFingerprint(
                origin=record.origin,
                shape=record.shape,
                url=record.url,
                status=record.status,
                final_url=record.final_url,
                shingles=list(record.shingles),
                fetched_at=record.fetched_at,
            )
        )


def _seen(session: Session, urls: list[str], now: datetime) -> int:
    """Articles re-checked and unchanged (HTTP 304): only last_seen_at moves."""
    if not urls:
        return 0
    statement = (
        update(Article)
        .where(one_of(session, Article.canonical_url, urls))
        .values(last_seen_at=now, gone_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def _store_listings(session: Session, listings: list[SectionListingItem], now: datetime) -> None:
    """Record which sections listed which articles: one row per (article URL, section path).
    One upsert, so that workers of a shared run listing the same article never collide."""
    pairs = sorted({(url, listing.section_path) for listing in listings for url in listing.canonical_urls})
    if not pairs:
        return
    statement = _upsert(session)(_SECTION_LISTINGS)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["canonical_url", "section_path"],
            set_={"last_listed_at": statement.excluded.last_listed_at},
        ),
        [
            {"canonical_url": url, "section_path": path, "first_listed_at": now, "last_listed_at": now}
            for url, path in pairs
        ],
    )


def _upsert(session: Session) -> Any:
    """The dialect's INSERT that takes ON CONFLICT."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _store_discoveries(session: Session, found: list[DiscoveryItem], now: datetime) -> None:
    """What another index showed: the first sighting keeps its day and whether the archive held
    a list had shown the article then; a later one only moves last_found_at."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for item in found:
        listed = set(item.listed)
        for url, hint in item.found:
            rows.setdefault(
                (url, item.source),
                {
                    "canonical_url": url,
                    "source": item.source,
                    "day": item.day,
                    "section_hint": hint,
                    "listed_at_discovery": url in listed,
                    "first_found_at": now,
                    "last_found_at": now,
                },
            )
    if not rows:
        return
    statement = _upsert(session)(_DISCOVERIES)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["canonical_url", "source"],
            set_={"last_found_at": statement.excluded.last_found_at},
        ),
        list(rows.values()),
    )


def _store_audited_days(session: Session, days: list[AuditedDayItem], now: datetime) -> None:
    """A day read to its end replaces what was known of it; a failed day is recorded only when
    the day was never read, so that a good earlier audit is not forgotten."""
    for item in days:
        statement = _upsert(session)(AuditedDay).values(
            source=item.source, day=item.day, results=item.results, failure=item.failure, audited_at=now
        )
        if item.failure is None:
            statement = statement.on_conflict_do_update(
                index_elements=["source", "day"],
                set_={"results": item.results, "failure": None, "audited_at": now},
            )
        else:
            statement = statement.on_conflict_do_nothing(index_elements=["source", "day"])
        session.execute(statement)


def _store_walk(session: Session, item: CrawlStateItem, now: datetime) -> None:
    row = session.scalars(select(CrawlState).where(CrawlState.section_url == item.section_url)).one_or_none()
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
    row.reached_page = max(row.reached_page, item.reached_page) if not item.complete else item.reached_page
    row.last_page = item.last_page or row.last_page


def _mark_gone(session: Session, url: str, now: datetime) -> int:
    """An archived article whose page has turned dead is kept, with the time it went."""
    statement = (
        update(Article).where(Article.canonical_url == url, Article.gone_at.is_(None)).values(gone_at=now)
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def _resolve(session: Session, urls: set[str], now: datetime) -> int:
    """Failed URLs fetched and judged at last."""
    if not urls:
        return 0
    statement = (
        update(FailedUrl)
        .where(one_of(session, FailedUrl.url, urls), FailedUrl.resolved_at.is_(None))
        .values(resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def _forget_dead(session: Session, urls: set[str]) -> None:
    if urls:
        session.execute(
            delete(DeadUrl)
            .where(one_of(session, DeadUrl.url, urls))
            .execution_options(synchronize_session=False)
        )


def _store_failed(session: Session, item: FailedUrlItem, now: datetime) -> None:
    row = session.scalars(select(FailedUrl).where(FailedUrl.url == item.url)).one_or_none()
    if row is None:
        row = FailedUrl(url=item.url, attempts=0, first_seen_at=now)
        session.add(row)
    row.reason = item.reason
    row.attempts += 1
    row.last_seen_at = now
    row.resolved_at = None


def _store_dead(session: Session, item: DeadUrlItem, now: datetime) -> None:
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
