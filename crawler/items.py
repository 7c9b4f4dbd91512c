"""The items a crawl yields: an archived article, or a URL judged not to be one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ArticleItem:
    """One article, all its pages joined; field names are the `articles` columns."""

    url: str
    """The URL the article was fetched from (its first page)."""
    canonical_url: str
    """https://www.chinadaily.com.cn + path, extra pages folded: the archive's key."""
    site_article_id: str | None = None
    """The site's id: 'WS<24 hex>' (new CMS) or 'content_<digits>' (old CMS)."""
    headline: str | None = None
    """The article's title as the page shows it, whitespace collapsed."""
    authors: list[str] = field(default_factory=list)
    """Names from the byline ('By A and B in City' -> ['A', 'B']); empty when none."""
    source: str | None = None
    """Who published it: 'China Daily', 'chinadaily.com.cn', 'Xinhua', ..."""
    section: str | None = None
    """The breadcrumb below Home, e.g. 'World > Asia-Pacific'."""
    breadcrumbs: list[str] = field(default_factory=list)
    """Every breadcrumb name as shown, 'Home' included where the page shows it."""
    date_published: datetime | None = None
    """UTC. The section list's time, else the WS id's time, else the page's printed time."""
    date_modified: datetime | None = None
    """UTC. The byline's 'Updated:' time, if any."""
    article_body: str = ""
    """Paragraph texts of every page in order, one per line; captions excluded."""
    article_body_html: str = ""
    """The body's HTML of every page in order, scripts and pagers removed."""
    description: str | None = None
    """The page's meta description."""
    language: str | None = None
    """'en' for the English site, 'zh' for the Chinese subsite."""
    images: list[dict[str, str | None]] = field(default_factory=list)
    """Images in the body, in order: {'src': absolute URL, 'caption': text or None}."""
    referrer: str | None = None
    """The list page that linked to the article, if it was reached through one."""
    extraction: str = "site"
    """Which extractor filled the fields: 'site' (our page object) or 'fallback' (generic)."""
    aliases: list[str] = field(default_factory=list)
    """Other URLs that led to this page: a mirror-host link, the URL that redirected here."""
    http_etag: str | None = None
    """The page's ETag, kept for conditional re-checks."""
    http_last_modified: str | None = None
    """The page's Last-Modified, kept for conditional re-checks."""
    warc_records: list[str] = field(default_factory=list)
    """With WARC capture on: the response record of each page, `FILE.warc.gz#OFFSET`, in order."""


@dataclass
class DeadUrlItem:
    """A fetched URL that is not (or no longer) an article; the `dead_urls` columns."""

    url: str
    """The URL as fetched."""
    canonical_url: str
    """Its canonical form, to match an archived article that has gone."""
    kind: str
    """'soft404', 'http_error', 'redirect' or 'thin'."""
    reason: str
    """Why it was judged so, e.g. 'no headline' or 'not-found template'."""
    status: int | None = None
    """The final HTTP status."""
    referrer: str | None = None
    """The list page that linked to it."""


@dataclass
class FailedUrlItem:
    """A fetch that failed for a reason that may pass (5xx, timeout, connection); the `failed_urls` columns."""

    url: str
    """The canonical URL to fetch again: an article's first page, or a list page."""
    reason: str
    """What went wrong, e.g. 'HTTP 503 after retries' or 'TimeoutError'."""
    resolved: bool = False
    """True when a URL that had failed has now been fetched and judged."""


@dataclass
class ArticleAliasesItem:
    """Other URLs of an article already archived in this run; become `article_urls` rows."""

    article_canonical_url: str
    """The canonical URL of the article they lead to."""
    urls: list[str]
    """The other URLs."""


@dataclass
class ArticleSeenItem:
    """An archived article re-checked and found unchanged (HTTP 304): only its last_seen_at moves."""

    canonical_url: str


@dataclass
class CrawlStateItem:
    """How far a section's walk has reached; written after the items of those pages."""

    section_url: str
    """The section's canonical URL."""
    reached_page: int
    """List pages 1..reached_page are walked and their items handed to the archive."""
    complete: bool
    """The walk has reached the section's last list page."""
    last_page: int | None = None
    """The number of list pages the pager announces."""
    restart: bool = False
    """Work of a run was lost (a shared run's worker died): the next walk starts again at list
    page 1, as a backfill, and fetches whatever the archive lacks."""
