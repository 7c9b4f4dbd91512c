"""An article's other pages (`…_2.html` … `_N.html`): fetched in order, right after its first, and joined into it; none lost in silence."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from crawler import statkeys as keys
from crawler.items import ArticleItem, DeadUrlItem, FailedUrlItem, with_extra_pages
from crawler.judging import ERROR_STATUSES, failure_reason
from crawler.pages.article_page import ArticlePage
from crawler.pages.error_wording import error_wording
from crawler.replay import NotCaptured
from crawler.siteurls import article_page_url, page_address, to_origin
from crawler.verdicts import Verdict

logger = logging.getLogger(__name__)


# More pages than any article has: a pager that never ends is the site's fault, not an article.
MAX_PAGES = 100


@dataclass
class _Pages:
    """What the stitching has learnt so far: the pages read, those lost and why, how many there are."""

    expected: int
    links: dict[int, str]
    read: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    lost: list[DeadUrlItem | FailedUrlItem] = field(default_factory=list)

    def learn(self, page: ArticlePage) -> None:
        """A page's pager may know of pages the first page's did not."""
        for number, url in page.page_urls().items():
            self.links.setdefault(number, url)
        self.expected = max(self.expected, page.pages_expected())


async def stitch(
    crawler: Crawler, origin: str, page: ArticlePage, item: ArticleItem, render: bool
) -> list[ArticleItem | DeadUrlItem | FailedUrlItem]:
    """The article of its first `page` with every other page fetched (through the downloader and
    its middlewares: retries, rendering when `render`, WARC capture) and joined in page order.

    A page that cannot be read leaves the article incomplete: it is stored with the pages it has
    (`pages_missing` names the others), and each lost page comes after it as a dead URL (the site
    has no such page) or a failed URL (a reason that may pass: the next run fetches the article
    again, and stores it whole as a new version)."""
    pages = _Pages(page.pages_expected(), dict(page.page_urls()))
    number = 1
    while (number := number + 1) <= pages.expected:
        if number > MAX_PAGES:
            crawler.stats.inc_value("article/pages_cut")
            logger.warning(
                "%s has more than %d pages; stored with the first %d", item.url, MAX_PAGES, MAX_PAGES
            )
            pages.expected = MAX_PAGES
            break
        link = pages.links.get(number) or article_page_url(item.url, number)
        url = to_origin(link, item.url, origin) or to_origin(
            article_page_url(item.url, number), item.url, origin
        )
        assert url is not None
        await _read_page(crawler, url, number, item, pages, render)
    article = with_extra_pages(item, pages.read, missing=pages.missing, expected=pages.expected)
    crawler.stats.inc_value(keys.ARTICLES_EXTRACTED)
    if pages.missing:
        crawler.stats.inc_value("article/incomplete")
        logger.warning(
            "%s stored incomplete: %d of %d pages (missing %s)",
            item.url,
            article.pages_stored,
            article.pages_expected,
            ", ".join(pages.missing),
        )
    return [article, *pages.lost]


async def _read_page(
    crawler: Crawler, url: str, number: int, item: ArticleItem, pages: _Pages, render: bool
) -> None:
    meta = {"handle_httpstatus_list": ERROR_STATUSES, "page_kind": "extra-page", "render": render}
    assert crawler.engine is not None
    try:
        response = await crawler.engine.download_async(
            Request(url, meta={**meta, "article_first_page": item.url})
        )
    except NotCaptured:
        # Re-extraction: today's page objects see a page the crawl did not fetch; nothing to record.
        _lost(crawler, pages, url, None)
        return
    except Exception as error:
        _lost(crawler, pages, url, _failed(url, number, item, failure_reason(error)))
        return
    problem = _problem(response, url)
    if problem is None:
        # One page object for the check and the reading: it finds the template and the
        # paragraphs once.
        extra = ArticlePage(response)  # type: ignore[arg-type]
        problem = _text_problem(extra)
        if problem is None:
            crawler.stats.inc_value("article/extra_pages")
            pages.read.append(extra.extra_page())
            pages.learn(extra)
            return
    verdict, reason = problem
    if verdict == Verdict.FAILED:
        _lost(crawler, pages, url, _failed(url, number, item, reason))
    else:
        dead = DeadUrlItem(
            url=page_address(url),
            # The page's own address, not the article's: the article has not gone.
            canonical_url=page_address(url),
            kind=verdict.value,
            reason=f"page {number} of {item.canonical_url}: {reason}",
            status=response.status,
            referrer=item.url,
        )
        _lost(crawler, pages, url, dead)


def _problem(response: Response, url: str) -> tuple[Verdict, str] | None:
    """Why a fetched page is no page of the article, as the judge would say it, from its status,
    type and address; None when it may be one (_text_problem then reads it)."""
    if response.status >= 500:
        return Verdict.FAILED, f"HTTP {response.status} after retries"
    if response.status >= 400:
        return Verdict.HTTP_ERROR, f"HTTP {response.status}"
    if response.status >= 300:
        return Verdict.FAILED, f"HTTP {response.status} not followed"
    if not isinstance(response, TextResponse):
        return Verdict.THIN, "not an HTML page"
    if urlsplit(response.url).path != urlsplit(url).path:
        # Sent elsewhere (back to the first page, to another article): not a page of this one.
        return Verdict.REDIRECT, f"redirected to {response.url}"
    return None


def _text_problem(page: ArticlePage) -> tuple[Verdict, str] | None:
    """Why an HTML page at the right address is no page of the article; None when it is one."""
    if page.has_text():
        return None
    if page.shows_not_found() or error_wording(page.response):
        return Verdict.SOFT404, "not-found page"
    return Verdict.THIN, "no text on the page"


def _failed(url: str, number: int, item: ArticleItem, reason: str) -> FailedUrlItem:
    return FailedUrlItem(url=page_address(url), reason=f"page {number} of {item.canonical_url}: {reason}")


def _lost(crawler: Crawler, pages: _Pages, url: str, record: DeadUrlItem | FailedUrlItem | None) -> None:
    crawler.stats.inc_value("article/missing_pages")
    logger.warning("Page %s could not be read: %s", url, record.reason if record else "not in the WARC files")
    pages.missing.append(page_address(url))
    if record is not None:
        pages.lost.append(record)
