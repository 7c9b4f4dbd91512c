"""The section spider: walks a section's list pages newest first and fetches every listed article."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.items import ArticleItem
from crawler.judging import PageJudge
from crawler.pages.article_page import ArticlePage, append_page
from crawler.pages.list_page import SectionListPage
from crawler.siteurls import is_article_url, normalize_origin, to_origin

logger = logging.getLogger(__name__)


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

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SectionSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.origin = normalize_origin(crawler.settings.get("CHINADAILY_BASE_URL"))
        spider.allowed_domains = [urlsplit(spider.origin).hostname or ""]
        spider.judge = PageJudge(crawler.settings.getint("SOFT404_MIN_BODY_CHARS"))
        return spider

    @property
    def section_url(self) -> str:
        return self.origin + self.section_path

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.section_url, callback=self.parse_list)

    def _count(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)

    def parse_list(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            self._count("list/not_html")
            logger.warning("List page %s is not HTML; the walk stops here", response.url)
            return
        page = SectionListPage(response)
        entries = page.entries()
        self._count("list/pages")
        if not entries:
            self._count("list/empty_pages")
            logger.info("List page %s has no items: the walk ends", response.url)
            return
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
            yield Request(
                url,
                callback=self.parse_article,
                cb_kwargs={"listed_at": entry.published, "referrer": response.url},
            )
        if older_seen:
            logger.info("List page %s reaches items older than %s: the walk ends", response.url, self.since)
            return
        if self.max_pages is not None and page.page_number >= self.max_pages:
            return
        next_url = page.next_page_url()
        if next_url:
            mapped = to_origin(next_url, response.url, self.origin)
            if mapped:
                yield Request(mapped, callback=self.parse_list)

    def parse_article(
        self, response: Response, listed_at: datetime | None = None, referrer: str | None = None
    ) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self._count("article/not_html")
            logger.warning("Article %s is not HTML (%s)", response.url, response.headers.get("Content-Type"))
            return
        judgement = self.judge.judge_article(response, referrer)
        if judgement.dead is not None:
            self._count(f"soft404/{judgement.dead.kind}")
            if judgement.dead.kind == "thin":
                self._count("extract/failed")
            logger.warning(
                "Not an article (%s: %s): %s", judgement.dead.kind, judgement.dead.reason, response.url
            )
            yield judgement.dead
            return
        item = judgement.article
        assert item is not None
        if judgement.fallback:
            self._count("extract/fallback")
            logger.warning("Site template not found, generic extractor used: %s", response.url)
        if listed_at is not None:
            item.date_published = listed_at
        yield from self._next_page_or_item(judgement.page, item)

    def parse_extra_page(self, response: Response, item: ArticleItem) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            self._count("article/incomplete")
            logger.error("Extra page %s of %s is not HTML; article not stored", response.url, item.url)
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
            )
            return
        self._count("article/extracted")
        yield item

    def extra_page_failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        self._count("article/incomplete")
        logger.error(
            "Extra page %s failed (%s); its article is not stored incomplete",
            request.url if request else "?",
            failure.getErrorMessage(),
        )
