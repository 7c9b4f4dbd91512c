"""Item pipeline that lets each article through once per run, keeping the other URLs it was found under."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleAliasesItem, ArticleItem


class DeduplicationPipeline:
    """In-run deduplication by canonical URL; the archive deduplicates across runs and by content."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicationPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if item.canonical_url not in self.seen:
            self.seen.add(item.canonical_url)
            return item
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("dedup/in_run_duplicates")
        if item.aliases:
            return ArticleAliasesItem(item.canonical_url, list(item.aliases))
        raise DropItem(f"already archived in this run: {item.canonical_url}", log_level="DEBUG")
