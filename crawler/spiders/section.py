"""The section spider: walks a section's list pages newest first and fetches every listed article."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import ArticleItem, FailedUrlItem
from crawler.judging import ARTICLE, ERROR_STATUSES, FAILED, LIST, Judgement, PageJudge
from crawler.pages.article_page import ArticlePage, append_page
from crawler.probes import SHAPES, Fingerprint, ProbeSet, probe_url
from crawler.siteurls import (
    SITE_ORIGIN,
    canonical_url,
    is_article_url,
    normalize_origin,
    site_article_id,
    to_origin,
)
from pipelines.archive import Archive

logger = logging.getLogger(__name__)


def _failure_reason(failure: Failure) -> tuple[str, str]:
    """The error's type name and its message."""
    return (failure.type.__name__ if failure.type else "error"), failure.getErrorMessage()


def other_urls(canonical: str, link: str | None, redirected_from: list[str]) -> list[str]:
    """Where else the article was found: a link to a mirror host, URLs that redirected to it."""
    urls = [link] if link and urlsplit(link).hostname != urlsplit(SITE_ORIGIN).hostname else []
    urls += [canonical_url(url) for url in redirected_from]
    return [url for url in dict.fromkeys(urls) if url != canonical]


class SectionSpider(Spider):
    """Crawls one section: `scrapy crawl section -a path=/business/tech`.

    Arguments: path (the section's path; set by the named spiders), max_pages (list pages
    to walk, default all), since (YYYY-MM-DD: stop at list items older than that day, UTC).
    """

    name = "section"
    section_path: str = ""
    allowed_domains: list[str]

    def __init__(
        self,
        *args: Any,
        path: str | None = None,
        max_pages: str | int | None = None,
        since: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        section_path = path or self.section_path
        if not section_path:
            raise ValueError("no section given: use a named spider or -a path=/world/asia_pacific")
        self.section_path = "/" + section_path.strip().strip("/")
        self.max_pages = int(max_pages) if max_pages not in (None, "") else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, got {max_pages!r}")
        self.since = (
            datetime.combine(date.fromisoformat(since), datetime.min.time(), tzinfo=UTC) if since else None
        )
        self.origin = ""
        self.judge: PageJudge
        self.archive: Archive | None = None
        self.retrying: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SectionSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.origin = normalize_origin(settings.get("CHINADAILY_BASE_URL"))
        spider.allowed_domains = [urlsplit(spider.origin).hostname or ""]
        spider.judge = PageJudge(
            settings.getint("SOFT404_MIN_BODY_CHARS"),
            redirect_target_min=settings.getint("SOFT404_REDIRECT_TARGET_MIN"),
        )
        return spider

    @property
    def section_url(self) -> str:
        return self.origin + self.section_path

    def _count(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)

    async def start(self) -> AsyncIterator[Request]:
        settings = self.crawler.settings
        if settings.getbool("ARCHIVE_ENABLED"):
            self.archive = await asyncio.to_thread(Archive.acquire, settings.get("ARCHIVE_DATABASE_URL"))
        if settings.getbool("SOFT404_PROBES_ENABLED"):
            self.judge.probes = await self._calibrate()
        retry_urls = await asyncio.to_thread(self.archive.unresolved_failed_urls) if self.archive else []
        self.retrying = set(retry_urls)
        if retry_urls:
            logger.info("Trying first %d URLs that failed in earlier runs", len(retry_urls))
        for canonical in retry_urls:
            url = self.origin + urlsplit(canonical).path
            self._count("retry_failed/requests")
            if is_article_url(url):
                yield self._article_request(url, listed_at=None, referrer=None)
            else:
                yield self._list_request(url)
        yield self._list_request(self.section_url)

    def closed(self, reason: str) -> None:
        if self.archive is not None:
            self.archive.release()
            self.archive = None

    async def _calibrate(self) -> ProbeSet:
        """Fingerprints of the site's answers to URLs that cannot exist, refreshed at most daily."""
        settings = self.crawler.settings
        now = datetime.now(UTC)
        max_age = timedelta(hours=settings.getfloat("SOFT404_PROBE_MAX_AGE_HOURS"))
        stored = await asyncio.to_thread(self.archive.probe_fingerprints, self.origin) if self.archive else []
        fingerprints = {
            fp.shape: fp for fp in map(Fingerprint.from_row, stored) if now - fp.fetched_at < max_age
        }
        probed = []
        for shape in SHAPES:
            if shape in fingerprints:
                continue
            url = probe_url(shape, self.origin, self.section_path, now)
            request = Request(url, dont_filter=True, meta={"handle_httpstatus_list": ERROR_STATUSES})
            self._count("soft404/probe/requests")
            assert self.crawler.engine is not None
            try:
                response = await self.crawler.engine.download_async(request)
            except Exception as error:  # a probe that fails leaves its shape uncalibrated
                self._count("soft404/probe/errors")
                logger.warning("Soft-404 probe %s failed: %r", url, error)
                continue
            fingerprint = Fingerprint.from_response(shape, url, response, now)
            fingerprints[shape] = fingerprint
            probed.append(fingerprint)
            logger.info(
                "Soft-404 probe %s: HTTP %d at %s, %d shingles",
                url,
                response.status,
                response.url,
                len(fingerprint.shingles),
            )
        if probed and self.archive is not None:
            rows = [fp.to_row(self.origin) for fp in probed]
            await asyncio.to_thread(self.archive.save_probe_fingerprints, rows)
        return ProbeSet(fingerprints, settings.getfloat("SOFT404_PROBE_SIMILARITY"))

    def _list_request(self, url: str) -> Request:
        return Request(
            url,
            callback=self.parse_list,
            errback=self.fetch_failed,
            meta={"handle_httpstatus_list": ERROR_STATUSES},
        )

    def _article_request(
        self, url: str, listed_at: datetime | None, referrer: str | None, link: str | None = None
    ) -> Request:
        return Request(
            url,
            callback=self.parse_article,
            errback=self.fetch_failed,
            cb_kwargs={"listed_at": listed_at, "referrer": referrer, "link": link},
            meta={"handle_httpstatus_list": ERROR_STATUSES},
        )

    def _record(self, judgement: Judgement) -> Iterator[Any]:
        """Count a verdict, say it in the log, and yield what the archive keeps of it."""
        self._count(f"soft404/{judgement.slug}")
        if judgement.verdict not in (ARTICLE, LIST):
            log = logger.warning if judgement.verdict == FAILED else logger.info
            log("%s (%s): %s", judgement.verdict, judgement.reason, judgement.url)
        if judgement.fallback:
            self._count("extract/fallback")
            logger.warning("Site template not found, generic extractor used: %s", judgement.url)
        if judgement.verdict == "thin":
            self._count("extract/failed")
        for earlier in judgement.also_dead:
            self._count(f"soft404/{judgement.slug}")
            yield earlier
        for item in (judgement.dead, judgement.failed):
            if item is not None:
                yield item
        canonical = canonical_url(judgement.url)
        if judgement.verdict != FAILED and canonical in self.retrying:
            self.retrying.discard(canonical)
            yield FailedUrlItem(url=canonical, reason="", resolved=True)

    def parse_list(self, response: Response) -> Iterator[Any]:
        judgement = self.judge.judge_list(response)
        yield from self._record(judgement)
        page = judgement.list_page
        if judgement.verdict != LIST or page is None:
            logger.info("The walk ends at %s (%s: %s)", response.url, judgement.verdict, judgement.reason)
            return
        entries = page.entries()
        self._count("list/pages")
        self._count("list/items", len(entries))
        older_seen = False
        for entry in entries:
            url = to_origin(entry.url, response.url, self.origin)
            if url is None:
                self._count("list/offsite_links")
                continue
            if not is_article_url(url):
                self._count("list/non_article_links")
                logger.debug("Not an article URL, skipped: %s", url)
                continue
            if self.since and entry.published and entry.published < self.since:
                older_seen = True
                continue
            yield self._article_request(url, entry.published, response.url, link=entry.url)
        if older_seen:
            logger.info("List page %s reaches items older than %s: the walk ends", response.url, self.since)
            return
        if self.max_pages is not None and page.page_number >= self.max_pages:
            return
        next_url = page.next_page_url()
        mapped = to_origin(next_url, response.url, self.origin) if next_url else None
        if mapped:
            yield self._list_request(mapped)

    def parse_article(
        self,
        response: Response,
        listed_at: datetime | None = None,
        referrer: str | None = None,
        link: str | None = None,
    ) -> Iterator[Any]:
        judgement = self.judge.judge_article(response, referrer)
        yield from self._record(judgement)
        item, page = judgement.article, judgement.article_page
        if item is None or page is None:
            return
        item.aliases = other_urls(item.canonical_url, link, response.meta.get("redirect_urls", []))
        # A list's time belongs to the article it links; one reached by redirect from
        # another id keeps the time of its own id.
        if listed_at is not None and site_article_id(response.url) == site_article_id(judgement.url):
            item.date_published = listed_at
        yield from self._next_page_or_item(page, item)

    def parse_extra_page(self, response: Response, item: ArticleItem) -> Iterator[Any]:
        if response.status >= 500:
            yield from self._article_failed(item, f"extra page {response.url}: HTTP {response.status}")
            return
        if response.status >= 300 or not isinstance(response, TextResponse):
            # The pager links a page the site does not have: keep the pages that exist.
            self._count("article/missing_pages")
            logger.warning(
                "Extra page %s of %s answered %d; stored without it", response.url, item.url, response.status
            )
            self._count("article/extracted")
            yield item
            return
        page = ArticlePage(response)
        append_page(item, page)
        self._count("article/extra_pages")
        yield from self._next_page_or_item(page, item)

    def _next_page_or_item(self, page: ArticlePage, item: ArticleItem) -> Iterator[Any]:
        next_url = page.next_page_url()
        mapped = to_origin(next_url, page.url, self.origin) if next_url else None
        if mapped:
            yield Request(
                mapped,
                callback=self.parse_extra_page,
                errback=self.extra_page_failed,
                cb_kwargs={"item": item},
                meta={"handle_httpstatus_list": ERROR_STATUSES},
            )
            return
        self._count("article/extracted")
        yield item

    def _article_failed(self, item: ArticleItem, reason: str) -> Iterator[Any]:
        self._count("article/incomplete")
        logger.warning("%s; %s is not stored incomplete and is tried again next run", reason, item.url)
        yield FailedUrlItem(url=item.canonical_url, reason=reason)

    def extra_page_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        yield from self._article_failed(
            request.cb_kwargs["item"], f"extra page {request.url}: {_failure_reason(failure)}"
        )

    def fetch_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        referrer = request.cb_kwargs.get("referrer")
        error, message = _failure_reason(failure)
        yield from self._record(self.judge.judge_failure(request.url, error, message, referrer))
