"""The coverage audit: the site's other indexes (search API, RSS, sitemap) over a window of days, against the archive."""

from __future__ import annotations

import logging
from calendar import timegm
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import feedparser
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from crawler import statkeys as keys
from crawler.items import AuditedDayItem, DiscoveryItem
from crawler.judging import ERROR_STATUSES, failure_reason
from crawler.pages.article_page import Listing
from crawler.pages.dates import BEIJING
from crawler.pages.search_results import read_search_page, search_url
from crawler.siteurls import canonical_url, is_article_url, normalize_origin, to_origin
from crawler.spiders.section import SectionSpider
from crawler.walk import WalkArguments

logger = logging.getLogger(__name__)

SOURCES = ("search", "rss", "sitemap")
# A day of the search API is read newest first, page after page; this many pages at most.
MAX_PAGES_PER_DAY = 500


@dataclass
class DayAudit:
    """What one source showed of one day so far."""

    found: dict[str, str | None] = field(default_factory=dict)
    """Canonical URL -> the source's name for its section, in the order found."""
    failure: str | None = None
    pages: int = 0


@dataclass(frozen=True)
class AuditArguments:
    since: date
    until: date
    fetch: bool
    sources: tuple[str, ...]

    @classmethod
    def parse(
        cls, since: str | None, until: str | None, fetch: str | None, sources: str | None, today: date
    ) -> AuditArguments:
        """`-a since=… -a until=… -a fetch=0 -a sources=search,rss`; ValueError when one makes no sense."""
        try:
            last = date.fromisoformat(until) if until else today
            first = date.fromisoformat(since) if since else last - timedelta(days=6)
        except ValueError as error:
            raise ValueError(f"since and until must be days, YYYY-MM-DD ({error})") from None
        if first > last:
            raise ValueError(f"since ({first}) is after until ({last})")
        chosen = tuple(part.strip() for part in (sources or "search").split(",") if part.strip())
        unknown = [source for source in chosen if source not in SOURCES]
        if unknown or not chosen:
            raise ValueError(f"sources must be some of {', '.join(SOURCES)}, got {sources!r}")
        return cls(
            first, last, str(fetch if fetch is not None else "1").lower() not in ("0", "false", "no"), chosen
        )

    def days(self) -> list[str]:
        """The window's days, newest first."""
        count = (self.until - self.since).days + 1
        return [(self.until - timedelta(days=n)).isoformat() for n in range(count)]


class AuditSpider(SectionSpider):
    """`scrapy crawl audit -a since=YYYY-MM-DD -a until=YYYY-MM-DD [-a fetch=0] [-a sources=search,rss,sitemap]`.

    Reads the search API day by day over the window, newest first (so paging stays shallow),
    through Scrapy's politeness, retries and robots.txt; folds every URL found to its canonical
    form and compares it with the archive; records what each source showed (`discoveries`) and
    each day read (`audited_days`); and fetches what the archive lacks through the same judge and
    pipelines as the list walk (unless fetch=0). A day that cannot be read to its end is recorded
    as not audited, nothing of it kept, and the next audit reads it again. RSS feeds and the
    sitemap are optional sources, for the legacy years: they are reported frozen since 2017 and
    2014.
    """

    name = "audit"
    whole_site = True
    # One process: a day's pages are read in turn by the worker that began it, which workers
    # sharing a frontier (REDIS_URL, set for the crawls) would not do. `-s REDIS_URL=…` still wins.
    custom_settings = {"REDIS_URL": ""}  # noqa: RUF012 (Scrapy reads it from the class)

    def __init__(
        self,
        *args: Any,
        since: str | None = None,
        until: str | None = None,
        fetch: str | None = None,
        sources: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.audit = AuditArguments.parse(since, until, fetch, sources, datetime.now(BEIJING).date())
        self.day_audits: dict[tuple[str, str], DayAudit] = {}
        self.search_base = ""
        self.retry_days: dict[str, list[str]] = {}
        self.pending_indexes: dict[str, int] = {}
        """Feeds and sitemaps of each source not yet read."""
        self.index_failures: dict[str, list[str]] = {}

    @classmethod
    def parse_arguments(
        cls,
        path: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        full: str | bool | None = None,
    ) -> WalkArguments:
        if path:
            raise ValueError("audit reads the site's indexes over days: give since and until, not path")
        return WalkArguments.parse("", None, None, full, require_path=False)

    @classmethod
    def check_arguments(cls, arguments: dict[str, str]) -> None:
        cls.parse_arguments(path=arguments.get("path"))
        AuditArguments.parse(
            arguments.get("since"),
            arguments.get("until"),
            arguments.get("fetch"),
            arguments.get("sources"),
            datetime.now(BEIJING).date(),
        )

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> AuditSpider:
        spider: AuditSpider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[assignment]
        spider.search_base = normalize_origin(crawler.settings.get("CHINADAILY_SEARCH_BASE_URL"))
        host = urlsplit(spider.search_base).hostname
        if host and host not in spider.allowed_domains:
            spider.allowed_domains.append(host)
        return spider

    async def prepare(self) -> None:
        """Days an earlier audit could not read are read again, whatever this one's window."""
        storage = self.storage
        failed = await storage.use(lambda archive: archive.failed_audit_days()) if storage else []
        window = self.audit.days()
        for source in self.audit.sources:
            self.retry_days[source] = [day for kind, day in failed if kind == source and day not in window]
        self.crawler.stats.set_value(keys.AUDIT_SOURCES, list(self.audit.sources))

    def first_requests(self) -> Iterator[Request]:
        if "search" in self.audit.sources:
            for day in [*self.audit.days(), *self.retry_days.get("search", [])]:
                self.day_audits[("search", day)] = DayAudit()
                yield self._search_request(day, 0)
        if "rss" in self.audit.sources:
            for feed in self.crawler.settings.getlist("CHINADAILY_RSS_FEEDS"):
                yield self._index_request(f"{self.origin}/rss/{feed}", self.parse_feed, "rss")
        if "sitemap" in self.audit.sources:
            yield self._index_request(f"{self.origin}/sitemap.xml", self.parse_sitemap, "sitemap")

    def _search_request(self, day: str, page: int) -> Request:
        return Request(
            search_url(self.search_base, day, page),
            callback=self.parse_search,
            errback=self.index_failed,
            # Days read one page at a time; the articles they find go first.
            priority=0,
            meta={"handle_httpstatus_list": ERROR_STATUSES, "page_kind": "search", "day": day, "page": page},
            cb_kwargs={},
        )

    def _index_request(self, url: str, callback: Any, source: str) -> Request:
        self.pending_indexes[source] = self.pending_indexes.get(source, 0) + 1
        return Request(
            url,
            callback=callback,
            errback=self.index_failed,
            meta={"handle_httpstatus_list": ERROR_STATUSES, "page_kind": source, "source": source},
        )

    # --- The search API --------------------------------------------------------------------

    async def parse_search(self, response: Response) -> AsyncIterator[Any]:
        day, page = response.meta["day"], response.meta["page"]
        audit = self.day_audits[("search", day)]
        if audit.failure:
            return
        self._count(keys.AUDIT_REQUESTS)
        if response.status != 200:
            for output in self._failed("search", day, f"HTTP {response.status} on page {page}"):
                yield output
            return
        result = read_search_page(response)
        if result.problem:
            for output in self._failed("search", day, f"{result.problem} on page {page}"):
                yield output
            return
        audit.pages += 1
        self._count(keys.audit_key("search", "skipped_items"), result.skipped)
        for hit in result.hits:
            self._found("search", audit, hit.url, hit.section, response.url)
        more = result.total_pages is None or page + 1 < result.total_pages
        # A page without results ends the day, whatever totalPages promised.
        if result.hits and more and page + 1 < MAX_PAGES_PER_DAY:
            yield self._search_request(day, page + 1)
            return
        if result.total_pages is not None and page + 1 < result.total_pages:
            self._count(keys.audit_key("search", "total_pages_overstated"))
        async for output in self._day_read("search", day):
            yield output

    def _found(self, source: str, audit: DayAudit, link: str, hint: str | None, page_url: str) -> None:
        """One URL a source gave: folded to its canonical form, or counted and left."""
        url = to_origin(link, page_url if link.startswith("/") else link, self.origin)
        if url is None:
            self._count(keys.audit_key(source, "other_hosts"))
            return
        if not is_article_url(url):
            self._count(keys.audit_key(source, "not_articles"))
            return
        canonical = canonical_url(url)
        if canonical in audit.found:
            self._count(keys.audit_key(source, "repeated"))
            return
        audit.found[canonical] = hint

    def _failed(self, source: str, day: str, reason: str) -> Iterator[Any]:
        audit = self.day_audits.setdefault((source, day), DayAudit())
        audit.failure = reason
        self._count(keys.AUDIT_DAYS_FAILED)
        self.crawler.stats.set_value(
            keys.AUDIT_FAILED_DAYS,
            [*(self.crawler.stats.get_value(keys.AUDIT_FAILED_DAYS) or []), f"{source} {day}: {reason}"],
        )
        logger.warning("%s %s could not be audited (%s): the next audit reads it again", source, day, reason)
        yield AuditedDayItem(source, day, 0, failure=reason)

    async def _day_read(self, source: str, day: str) -> AsyncIterator[Any]:
        """A day read to its end: recorded, compared with the archive, and what it lacks fetched."""
        audit = self.day_audits[(source, day)]
        urls = list(audit.found)
        storage = self.storage
        known = await storage.use(lambda archive: archive.known(urls)) if storage and urls else {}
        listed = await storage.use(lambda archive: archive.listed(urls)) if storage and urls else set()
        yield DiscoveryItem(source, day, list(audit.found.items()), [url for url in urls if url in listed])
        yield AuditedDayItem(source, day, len(urls))
        missing = [url for url in urls if url not in known]
        self._count(keys.AUDIT_DAYS_READ)
        self._count(keys.audit_key(source, "found"), len(urls))
        self._count(keys.audit_key(source, "listed"), len(listed))
        self._count(keys.audit_key(source, "missing"), len(missing))
        if missing:
            logger.info("%s %s: %d of %d articles not in the archive", source, day, len(missing), len(urls))
        if not self.audit.fetch:
            return
        for url in missing:
            if url in self.requested:
                continue
            self.requested.add(url)
            self._count(keys.AUDIT_FETCHES)
            yield self._article_request(self.origin + urlsplit(url).path, Listing(), list_page=None)

    def index_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        error = failure.value if failure.value is not None else RuntimeError("unknown failure")
        if request.meta.get("page_kind") == "search":
            yield from self._failed("search", request.meta["day"], failure_reason(error))
        else:
            yield from self._index_done(request.meta["source"], failure_reason(error))

    # --- RSS feeds and the sitemap ----------------------------------------------------------

    def _in_window(self, when: datetime | None) -> str | None:
        if when is None:
            return None
        day = when.astimezone(BEIJING).date()
        return day.isoformat() if self.audit.since <= day <= self.audit.until else None

    def _dated(self, source: str, link: str, when: datetime | None, page_url: str) -> None:
        day = self._in_window(when)
        if day is None:
            self._count(keys.audit_key(source, "outside_window"))
            return
        self._found(source, self.day_audits.setdefault((source, day), DayAudit()), link, None, page_url)

    async def parse_feed(self, response: Response) -> AsyncIterator[Any]:
        """An RSS feed (feedparser reads what XML parsers refuse): its items in the window."""
        self._count(keys.AUDIT_REQUESTS)
        feed = feedparser.parse(response.body) if response.status == 200 else None
        if feed is None or (feed.bozo and not feed.entries):
            reason = (
                f"HTTP {response.status}" if feed is None else f"not a feed ({feed.get('bozo_exception')})"
            )
            for output in self._index_done("rss", f"{response.url}: {reason}"):
                yield output
            return
        for entry in feed.entries:
            parsed = entry.get("published_parsed") or entry.get("updated_parsed")
            when = datetime.fromtimestamp(timegm(parsed), UTC) if parsed else None
            if entry.get("link"):
                self._dated("rss", entry["link"], when, response.url)
        for output in self._index_done("rss", None):
            yield output
        async for output in self._source_read("rss"):
            yield output

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Any]:
        """The sitemap, or a sitemap index whose sitemaps are read in turn (Scrapy's reader)."""
        self._count(keys.AUDIT_REQUESTS)
        try:
            sitemap = Sitemap(response.body) if response.status == 200 else None
        except Exception as error:  # lxml refuses what is no XML at all
            sitemap, reason = None, f"not a sitemap ({error.__class__.__name__})"
        else:
            reason = f"HTTP {response.status}"
        if sitemap is None:
            for output in self._index_done("sitemap", f"{response.url}: {reason}"):
                yield output
            return
        for entry in sitemap:
            if sitemap.type == "sitemapindex" and entry.get("loc"):
                mapped = to_origin(entry["loc"], response.url, self.origin)
                if mapped:
                    yield self._index_request(mapped, self.parse_sitemap, "sitemap")
            elif entry.get("loc"):
                lastmod = (entry.get("lastmod") or "")[:10]
                try:
                    when = datetime.fromisoformat(lastmod).replace(tzinfo=BEIJING) if lastmod else None
                except ValueError:
                    when = None
                self._dated("sitemap", entry["loc"], when, response.url)
        for output in self._index_done("sitemap", None):
            yield output
        async for output in self._source_read("sitemap"):
            yield output

    def _index_done(self, source: str, failure: str | None) -> Iterator[Any]:
        """One feed or sitemap read, or not. A source is audited only when all of it was read:
        once the last is in and any failed, every day of the window is not audited."""
        if failure:
            self.index_failures.setdefault(source, []).append(failure)
        self.pending_indexes[source] -= 1
        if self.pending_indexes[source] == 0 and self.index_failures.get(source):
            for day in self.audit.days():
                yield from self._failed(source, day, "; ".join(self.index_failures[source]))

    async def _source_read(self, source: str) -> AsyncIterator[Any]:
        """Every feed or sitemap of a source read: each day of the window is recorded."""
        if self.pending_indexes[source] or self.index_failures.get(source):
            return
        for day in self.audit.days():
            self.day_audits.setdefault((source, day), DayAudit())
            async for output in self._day_read(source, day):
                yield output
