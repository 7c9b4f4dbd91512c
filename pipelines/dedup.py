"""Deduplication: the pipeline that lets each article through once per run, and the DEDUP_* rules the archive applies across runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings

from crawler.dupefilter import SeenUrls
from crawler.items import ArticleAliasesItem, ArticleItem
from pipelines.archive.stories import DedupRules


def dedup_rules(settings: BaseSettings) -> DedupRules:
    """When two pages with other URLs and ids are one story (DEDUP_PUBLISH_WINDOW_HOURS,
    DEDUP_SIMHASH_MAX_DISTANCE); the archive applies them as it stores a batch."""
    return DedupRules(
        publish_window=timedelta(hours=settings.getfloat("DEDUP_PUBLISH_WINDOW_HOURS")),
        simhash_max_distance=settings.getint("DEDUP_SIMHASH_MAX_DISTANCE"),
    )


class DeduplicationPipeline:
    """In-run deduplication by canonical URL; the archive deduplicates across runs and by content."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # 8-byte digests of the canonical URLs: a whole section's URLs would grow with it.
        self.seen = SeenUrls()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeduplicationPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if item.canonical_url not in self.seen:
            self.seen.add(item.canonical_url)
            return item
        self.crawler.stats.inc_value("dedup/in_run_duplicates")
        if item.aliases:
            return ArticleAliasesItem(item.canonical_url, list(item.aliases))
        raise DropItem(f"already archived in this run: {item.canonical_url}", log_level="DEBUG")
