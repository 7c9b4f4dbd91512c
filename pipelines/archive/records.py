"""What the archive hands out and takes besides crawl items: plain data, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class KnownUrl:
    """An archived URL: an article, an alias of one, or a dead URL; with what a re-check needs."""

    kind: str
    date_published: datetime | None = None
    http_etag: str | None = None
    http_last_modified: str | None = None
    complete: bool = True
    """False for an article stored with pages missing: it is fetched again, whole, when listed."""


@dataclass(frozen=True)
class WalkRecord:
    """How far the walk of a section has reached, as the archive keeps it (`crawl_state`)."""

    section_url: str
    backfill_complete: bool
    reached_page: int
    """List pages 1..reached_page were walked and all their items stored."""
    last_page: int | None = None
    backfill_finished_at: datetime | None = None


@dataclass(frozen=True)
class ProbeRecord:
    """The site's answer to a URL that cannot exist, per origin and URL shape (soft-404 calibration)."""

    origin: str
    shape: str
    url: str
    status: int
    final_url: str
    shingles: list[int]
    fetched_at: datetime


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
class Version:
    """One stored content of an article."""

    id: int
    article_id: int
    content_hash: str
    headline: str
    authors: list[str]
    article_body: str
    fetched_at: datetime
    crawl_run_id: int | None
    warc_records: list[str] | None


@dataclass(frozen=True)
class DeadUrl:
    """A URL that is not, or no longer, an article."""

    id: int
    url: str
    canonical_url: str
    kind: str
    status: int | None
    reason: str | None
    referrer: str | None
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True)
class CrawlRun:
    """One crawl and its stats."""

    id: int
    spider: str
    started_at: datetime
    finished_at: datetime | None
    finish_reason: str | None
    stats: dict[str, Any] = field(default_factory=dict)
    warc_files: list[str] | None = None


@dataclass(frozen=True)
class SearchHit:
    """An article a search found, with a snippet of its body, the matched words in [brackets]."""

    id: int
    headline: str
    date_published: datetime | None
    authors: list[str]
    canonical_url: str
    snippet: str | None
