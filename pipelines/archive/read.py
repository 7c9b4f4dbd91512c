"""What a crawl reads of the archive: known URLs, how far a walk got, failed URLs, probe answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipelines.archive.models import (
    Article,
    ArticleUrl,
    AuditedDay,
    CrawlState,
    DeadUrl,
    FailedUrl,
    ProbeFingerprint,
    SectionListing,
)
from pipelines.archive.oneof import one_of
from pipelines.archive.records import KnownUrl, ProbeRecord, WalkRecord


def known(session: Session, urls: Iterable[str]) -> dict[str, KnownUrl]:
    """What the archive already holds under these canonical URLs."""
    wanted = list(dict.fromkeys(urls))
    found: dict[str, KnownUrl] = {}
    if not wanted:
        return found
    for url, published, etag, modified, stored, expected in session.execute(
        select(
            Article.canonical_url,
            Article.date_published,
            Article.http_etag,
            Article.http_last_modified,
            Article.pages_stored,
            Article.pages_expected,
        ).where(one_of(session, Article.canonical_url, wanted))
    ):
        found[url] = KnownUrl("article", published, etag, modified, complete=stored >= expected)
    for url, published in session.execute(
        select(ArticleUrl.url, Article.date_published)
        .join(Article, Article.id == ArticleUrl.article_id)
        .where(one_of(session, ArticleUrl.url, wanted))
    ):
        found.setdefault(url, KnownUrl("alias", published))
    for (url,) in session.execute(
        select(DeadUrl.canonical_url).where(one_of(session, DeadUrl.canonical_url, wanted))
    ):
        found.setdefault(url, KnownUrl("dead"))
    return found


def listed(session: Session, urls: list[str]) -> set[str]:
    """The URLs that a section list showed, itself or another URL of the same article."""
    if not urls:
        return set()
    found = set(
        session.scalars(
            select(SectionListing.canonical_url).where(one_of(session, SectionListing.canonical_url, urls))
        )
    )
    # An article listed under another of its URLs (an edition's, a mirror's) is listed too.
    owners = (
        select(Article.id, Article.canonical_url)
        .where(one_of(session, Article.canonical_url, urls))
        .subquery()
    )
    other_urls = (
        select(owners.c.canonical_url)
        .join(ArticleUrl, ArticleUrl.article_id == owners.c.id)
        .join(SectionListing, SectionListing.canonical_url == ArticleUrl.canonical_url)
    )
    found.update(session.scalars(other_urls))
    return found


def failed_audit_days(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(
        select(AuditedDay.source, AuditedDay.day)
        .where(AuditedDay.failure.is_not(None))
        .order_by(AuditedDay.day)
    )
    return [(source, day) for source, day in rows]


def crawl_state_keys(session: Session) -> list[str]:
    return list(session.scalars(select(CrawlState.section_url).order_by(CrawlState.section_url)))


def crawl_state(session: Session, section_url: str) -> WalkRecord | None:
    """How far the walk of the section (its canonical URL) has reached, if it was ever walked."""
    row = session.scalars(select(CrawlState).where(CrawlState.section_url == section_url)).one_or_none()
    if row is None:
        return None
    return WalkRecord(
        row.section_url, row.backfill_complete, row.reached_page, row.last_page, row.backfill_finished_at
    )


def last_new_article_at(session: Session, section: str | None = None) -> datetime | None:
    """When the archive last gained an article (of a section, given its breadcrumb name)."""
    statement = select(func.max(Article.first_seen_at))
    if section:
        statement = statement.where(Article.section == section)
    return session.scalar(statement)


def unresolved_failed_urls(session: Session, limit: int = 1000) -> list[str]:
    """URLs whose last fetch failed for a passing reason, oldest first: the next run tries them first."""
    statement = (
        select(FailedUrl.url)
        .where(FailedUrl.resolved_at.is_(None))
        .order_by(FailedUrl.first_seen_at)
        .limit(limit)
    )
    return list(session.scalars(statement))


def incomplete_articles(session: Session, since: datetime, limit: int = 1000) -> list[str]:
    """Canonical URLs of articles first archived since then and stored with pages missing."""
    statement = (
        select(Article.canonical_url)
        .where(Article.pages_stored < Article.pages_expected, Article.first_seen_at >= since)
        .order_by(Article.first_seen_at)
        .limit(limit)
    )
    return list(session.scalars(statement))


def probe_fingerprints(session: Session, origin: str) -> list[ProbeRecord]:
    rows = session.scalars(select(ProbeFingerprint).where(ProbeFingerprint.origin == origin))
    return [
        ProbeRecord(
            row.origin, row.shape, row.url, row.status, row.final_url, list(row.shingles), row.fetched_at
        )
        for row in rows
    ]
