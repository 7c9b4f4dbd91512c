"""The items a crawl yields: an archived article, or a URL judged not to be one.

`ArticleItem` is the article's schema. Its fields have the names of the `articles` columns and
of the page object's methods (crawler/pages/article_page.py), and their metadata says the rest:
whether a field is an `articles` column, whether `chinadaily-archive export` writes it, and how
an article's extra pages add to it. The archive's writer, the export and the tests read the
schema from here, so a new field is declared once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

# Field metadata: COLUMN (bool) an `articles` column of the same name; EXPORT "always",
# "with_html" (only with --with-html) or "never"; JOIN how the extra pages of an article add to
# it: "lines" (text, one page after the other) or "list" (one list after the other).
COLUMN, EXPORT, JOIN = "column", "export", "join"


def _column(*, export: str = "always", join: str | None = None) -> dict[str, Any]:
    return {COLUMN: True, EXPORT: export, JOIN: join}


def _context(*, join: str | None = None) -> dict[str, Any]:
    """A field that is not an `articles` column: where the crawl found the article, and how."""
    return {COLUMN: False, EXPORT: "never", JOIN: join}


@dataclass(frozen=True)
class ArticleItem:
    """One article, all its pages joined; built once by its page object, never changed after."""

    url: str = field(metadata=_context())
    """The URL the article was fetched from (its first page)."""
    canonical_url: str = field(metadata=_column())
    """https://www.chinadaily.com.cn + path, extra pages folded: the archive's key."""
    site_article_id: str | None = field(default=None, metadata=_column())
    """The site's id: 'WS<24 hex>' (new CMS) or 'content_<digits>' (old CMS)."""
    headline: str | None = field(default=None, metadata=_column())
    """The article's title as the page shows it, whitespace collapsed."""
    authors: list[str] = field(default_factory=list, metadata=_column())
    """Names from the byline ('By A and B in City' -> ['A', 'B']); empty when none."""
    source: str | None = field(default=None, metadata=_column())
    """Who published it: 'China Daily', 'chinadaily.com.cn', 'Xinhua', ..."""
    section: str | None = field(default=None, metadata=_column())
    """The breadcrumb below Home, e.g. 'World > Asia-Pacific'."""
    breadcrumbs: list[str] = field(default_factory=list, metadata=_column())
    """Every breadcrumb name as shown, 'Home' included where the page shows it."""
    date_published: datetime | None = field(default=None, metadata=_column())
    """UTC. The section list's time, else the WS id's time, else the page's printed time, else
    meta publishdate (crawler/pages/dates.py, date_published)."""
    date_modified: datetime | None = field(default=None, metadata=_column())
    """UTC. The byline's 'Updated:' time, if any."""
    article_body: str = field(default="", metadata=_column(join="lines"))
    """Paragraph texts of every page in order, one per line; captions excluded."""
    article_body_html: str = field(default="", metadata=_column(export="with_html", join="lines"))
    """The body's HTML of every page in order, scripts and pagers removed."""
    description: str | None = field(default=None, metadata=_column())
    """The page's meta description."""
    language: str | None = field(default=None, metadata=_column())
    """'en' for the English site, 'zh' for the Chinese subsite."""
    images: list[dict[str, str | None]] = field(default_factory=list, metadata=_column(join="list"))
    """Images in the body, in order: {'src': absolute URL, 'caption': text or None}."""
    template: str = field(default="generic", metadata=_column())
    """The site template the first page was read in: 'news', 'photo', 'legacy', 'chinese', or
    'generic' when it was in none of them (crawler/pages/templates.py)."""
    pages_expected: int = field(default=1, metadata=_column())
    """How many pages the article has, as its pagers tell."""
    pages_stored: int = field(default=1, metadata=_column())
    """How many of them were read and joined; fewer than expected means incomplete."""
    pages_missing: list[str] = field(default_factory=list, metadata=_column())
    """The URLs of the pages that could not be read (each is a dead or failed URL with its reason)."""
    http_etag: str | None = field(default=None, metadata=_column(export="never"))
    """The page's ETag, kept for conditional re-checks."""
    http_last_modified: str | None = field(default=None, metadata=_column(export="never"))
    """The page's Last-Modified, kept for conditional re-checks."""
    referrer: str | None = field(default=None, metadata=_context())
    """The list page that linked to the article, if it was reached through one."""
    extraction: str = field(default="site", metadata=_context())
    """Which extractor filled the fields: 'site' (our page object) or 'fallback' (generic)."""
    aliases: list[str] = field(default_factory=list, metadata=_context())
    """Other URLs that led to this page: a mirror-host link, the URL that redirected here."""
    warc_records: list[str] = field(default_factory=list, metadata=_context(join="list"))
    """With WARC capture on: the response record of each page, `FILE.warc.gz#OFFSET`, in order."""


ARTICLE_FIELDS = tuple(f.name for f in fields(ArticleItem))
"""Every field of an article, in order: what its page object reads."""
ARTICLE_COLUMNS = tuple(f.name for f in fields(ArticleItem) if f.metadata[COLUMN])
"""The fields stored as `articles` columns of the same name."""
JOINED_FIELDS = {f.name: f.metadata[JOIN] for f in fields(ArticleItem) if f.metadata[JOIN]}
"""The fields an article's extra pages add to, and how."""
LIST_FIELDS = tuple(f.name for f in fields(ArticleItem) if f.default_factory is list)
"""The fields that hold lists (JSON arrays in the archive)."""
INTEGER_FIELDS = tuple(f.name for f in fields(ArticleItem) if f.type in ("int", int))
"""The fields that hold whole numbers (the others are text, times or lists)."""


def exported_fields(with_html: bool = False) -> tuple[str, ...]:
    """The fields `chinadaily-archive export` writes, in order."""
    wanted = ("always", "with_html") if with_html else ("always",)
    return tuple(f.name for f in fields(ArticleItem) if f.metadata[EXPORT] in wanted)


def with_extra_pages(
    item: ArticleItem,
    pages: Sequence[Mapping[str, Any]],
    *,
    missing: Sequence[str] = (),
    expected: int | None = None,
) -> ArticleItem:
    """The article of item's first page and its extra pages (each the values of its JOINED_FIELDS),
    in page order; `missing`: the URLs of pages that could not be read, `expected`: how many pages
    the pagers said the article has."""
    stored = 1 + len(pages)
    counts: dict[str, Any] = {
        "pages_stored": stored,
        "pages_missing": list(missing),
        "pages_expected": max(expected or item.pages_expected, stored + len(missing)),
    }
    if not pages:
        return replace(item, **counts)
    joined: dict[str, Any] = dict(counts)
    for name, how in JOINED_FIELDS.items():
        parts = [getattr(item, name), *(page[name] for page in pages)]
        if how == "lines":
            joined[name] = "\n".join(part for part in parts if part)
        else:
            joined[name] = [value for part in parts for value in part]
    return replace(item, **joined)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class FailedUrlItem:
    """A fetch that failed for a reason that may pass (5xx, timeout, connection); the `failed_urls` columns."""

    url: str
    """The canonical URL to fetch again: an article's first page, or a list page."""
    reason: str
    """What went wrong, e.g. 'HTTP 503 after retries' or 'TimeoutError'."""
    resolved: bool = False
    """True when a URL that had failed has now been fetched and judged."""


@dataclass(frozen=True)
class ArticleAliasesItem:
    """Other URLs of an article already archived in this run; become `article_urls` rows."""

    article_canonical_url: str
    """The canonical URL of the article they lead to."""
    urls: list[str]
    """The other URLs."""


@dataclass(frozen=True)
class ArticleSeenItem:
    """An archived article re-checked and found unchanged (HTTP 304): only its last_seen_at moves."""

    canonical_url: str


@dataclass(frozen=True)
class SectionListingItem:
    """The articles one list page of a section showed, new or archived; become `section_listings` rows."""

    section_path: str
    """The section's path as on the site, no host, no trailing slash: /world/asia_pacific."""
    canonical_urls: list[str]


@dataclass(frozen=True)
class DiscoveryItem:
    """Articles another index of the site (its search API, an RSS feed, the sitemap) showed for
    one day; become `discoveries` rows."""

    source: str
    """'search', 'rss' or 'sitemap'."""
    day: str
    """The day (Beijing, YYYY-MM-DD) the source was asked about."""
    found: list[tuple[str, str | None]]
    """(canonical URL, the source's name for its section) of each article found."""
    listed: list[str]
    """The ones a section list had shown (the archive's section_listings) when the source was read."""


@dataclass(frozen=True)
class AuditedDayItem:
    """One day of one source read to its end, or not; an `audited_days` row."""

    source: str
    day: str
    results: int
    """Articles found (0 when the day failed)."""
    failure: str | None = None
    """Why the day could not be read to its end; then nothing of it is kept and the next audit tries again."""


@dataclass(frozen=True)
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
