"""An article's extra pages (`…_2.html` … `_N.html`): fetched in order, right after its first, and joined into it."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import TextResponse

from crawler import statkeys as keys
from crawler.items import ArticleItem, FailedUrlItem, with_extra_pages
from crawler.judging import ERROR_STATUSES, failure_reason
from crawler.pages.article_page import ArticlePage
from crawler.replay import NotCaptured
from crawler.siteurls import to_origin

logger = logging.getLogger(__name__)


# More pages than any article has: a pager that never ends is the site's fault, not an article.
MAX_PAGES = 100


async def stitch(
    crawler: Crawler, origin: str, page: ArticlePage, item: ArticleItem, render: bool
) -> ArticleItem | FailedUrlItem:
    """The article of its first `page` with every extra page fetched (through the downloader and
    its middlewares: retries, rendering when `render`, WARC capture) and joined in order; or a
    failed URL, to try again next run, when an extra page failed for a reason that may pass."""
    pages: list[dict[str, Any]] = []
    while (next_url := page.next_page_url()) and (url := to_origin(next_url, page.url(), origin)):
        if len(pages) + 1 >= MAX_PAGES:
            return _without(crawler, item, pages, url, f"is past the {MAX_PAGES} pages an article may have")
        meta = {"handle_httpstatus_list": ERROR_STATUSES, "page_kind": "extra-page", "render": render}
        assert crawler.engine is not None
        try:
            response = await crawler.engine.download_async(
                Request(url, meta={**meta, "article_first_page": item.url})
            )
        except NotCaptured:
            # Re-extraction: today's page objects see a page the crawl did not fetch.
            return _without(crawler, item, pages, url, "is not in the WARC files")
        except Exception as error:
            return _failed(crawler, item, f"extra page {url}: {failure_reason(error)}")
        if response.status >= 500:
            return _failed(crawler, item, f"extra page {url}: HTTP {response.status}")
        if response.status >= 300 or not isinstance(response, TextResponse):
            # The pager links a page the site does not have: keep the pages that exist.
            return _without(crawler, item, pages, url, f"answered {response.status}")
        if urlsplit(response.url).path != urlsplit(url).path:
            # Sent elsewhere (back to the first page, to another article): not a page of this one.
            return _without(crawler, item, pages, url, f"redirected to {response.url}")
        page = ArticlePage(response)
        crawler.stats.inc_value("article/extra_pages")
        pages.append(page.extra_page())
    crawler.stats.inc_value(keys.ARTICLES_EXTRACTED)
    return with_extra_pages(item, pages)


def _without(
    crawler: Crawler, item: ArticleItem, pages: list[dict[str, Any]], url: str, why: str
) -> ArticleItem:
    """An extra page the article cannot have: it is stored with the pages it has."""
    crawler.stats.inc_value("article/missing_pages")
    logger.warning("Extra page %s of %s %s; stored without it", url, item.url, why)
    crawler.stats.inc_value(keys.ARTICLES_EXTRACTED)
    return with_extra_pages(item, pages)


def _failed(crawler: Crawler, item: ArticleItem, reason: str) -> FailedUrlItem:
    """An extra page that failed: the article is not stored incomplete, and is tried again next run."""
    crawler.stats.inc_value("article/incomplete")
    logger.warning("%s; %s is not stored incomplete and is tried again next run", reason, item.url)
    return FailedUrlItem(url=item.canonical_url, reason=reason)
