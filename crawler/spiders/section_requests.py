"""The requests of a section spider: list pages, carrying their walk's state, and articles, re-checked conditionally."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.judging import ERROR_STATUSES
from crawler.pages.article_page import Listing
from crawler.spiders.section_walks import SectionWalks
from pipelines.archive.records import KnownUrl

# Article requests also take 304 Not Modified, the answer to a conditional re-check.
ARTICLE_STATUSES = [304, *ERROR_STATUSES]


class SectionRequests(SectionWalks):
    """How SectionSpider asks for list pages and articles (it mixes this class in; crawler/spiders/section.py)."""

    # SectionSpider's callbacks.
    parse_list: Callable[[Response], AsyncIterator[Any]]
    parse_article: Callable[..., AsyncIterator[Any]]
    fetch_failed: Callable[[Failure], Iterator[Any]]

    def _section_of_list(self, url: str) -> str:
        """The section a list page URL belongs to (a failed list page being retried)."""
        path = re.sub(r"/page_\d+\.html$", "", urlsplit(url).path).rstrip("/")
        return path if path in self.walks or not self.section_path else self.section_path

    def _list_request(self, url: str, section: str, retry: bool = False) -> Request:
        walk = self.walk_of({"section": section})
        return Request(
            url,
            callback=self.parse_list,
            errback=self.fetch_failed,
            # In a shared run, the walk goes ahead of the fetching, so that the queue holds
            # work for every worker; its progress is recorded when the run is over.
            priority=3 if self.shared_run is not None else 0,
            meta={
                "handle_httpstatus_list": ERROR_STATUSES,
                "page_kind": "list-page",
                "section": section,
                "walk": not retry,
                # In a shared run, another worker may be the one to read the next list page.
                "walk_state": walk.travelling(),
            },
            # A list page that failed last run is retried first; the walk must still reach
            # it under the same URL, so the retry leaves no mark in the duplicate filter.
            dont_filter=retry,
        )

    def _article_request(
        self,
        url: str,
        listing: Listing,
        list_page: int | None,
        known: KnownUrl | None = None,
        section: str | None = None,
    ) -> Request:
        headers = {}
        # An incomplete article is fetched whole: its first page may not have changed.
        if known is not None and not known.complete:
            known = None
        if known is not None and known.http_etag:
            headers["If-None-Match"] = known.http_etag
        if known is not None and known.http_last_modified:
            headers["If-Modified-Since"] = known.http_last_modified
        return Request(
            url,
            headers=headers,
            callback=self.parse_article,
            errback=self.fetch_failed,
            cb_kwargs={"listing": listing},
            # Finished articles outrank the next list page: the walk stays close behind
            # the fetching, and the reached page it records stays close to the truth.
            priority=1,
            meta={
                "handle_httpstatus_list": ARTICLE_STATUSES,
                "page_kind": "article",
                "list_page": list_page,
                "section": section,
            },
        )

    def replayed_article_request(self, url: str, listing: Listing) -> Request:
        """Re-extraction: a captured article page the replayed walk did not reach."""
        return self._article_request(url, listing, list_page=None)
