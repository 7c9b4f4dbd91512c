"""Item pipeline that writes crawl items to the archive in batches, off the reactor thread."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import ArticleItem
from pipelines.archive import STORED_ITEMS, Archive, ArchiveOptions, ArchiveUnavailable, StoreResult
from pipelines.archive.stories import DedupRules

logger = logging.getLogger(__name__)


def jsonable_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """Scrapy's stats as JSON can hold them: times as ISO strings."""
    result: dict[str, Any] = json.loads(
        json.dumps(stats, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))
    )
    return result


class StoragePipeline:
    """Buffers items in arrival order and writes each batch in one transaction in a worker thread.

    Items reach the buffer in the order the spider yields them, so a crawl-state item is
    never written before the articles it vouches for.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured("ARCHIVE_ENABLED is off")
        self.crawler = crawler
        self.database_url = settings.get("ARCHIVE_DATABASE_URL")
        self.batch_size = max(1, settings.getint("ARCHIVE_BATCH_SIZE"))
        self.rules = DedupRules(
            publish_window=timedelta(hours=settings.getfloat("DEDUP_PUBLISH_WINDOW_HOURS")),
            simhash_max_distance=settings.getint("DEDUP_SIMHASH_MAX_DISTANCE"),
        )
        self.options = ArchiveOptions.from_settings(settings)
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.buffer: list[Any] = []
        self.failure: str | None = None
        """Why the archive cannot be written; once set, the crawl is stopping."""
        self._lock = asyncio.Lock()
        # The run's record is finished once everything has closed, so that it holds the
        # results of the health checks, which run as the spider closes.
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        try:
            self.archive = await asyncio.to_thread(Archive.acquire, self.database_url, self.options)
            assert self.crawler.spider is not None
            self.run_id = await asyncio.to_thread(self.archive.start_run, self.crawler.spider.name)
        except ArchiveUnavailable as error:
            self._give_up(f"the archive at {self.database_url} cannot be opened: {error}", [])
            return
        self.crawler.stats.set_value("archive/crawl_run_id", self.run_id)
        logger.info("Archiving to %s (crawl run %d)", self.archive.engine.url.render_as_string(), self.run_id)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, STORED_ITEMS):
            return item
        if self.failure is not None:
            self.crawler.stats.inc_value("archive/unwritten_items")
            return item
        self.buffer.append(item)
        self.crawler.stats.inc_value("archive/items_received")
        if len(self.buffer) >= self.batch_size:
            await self.flush()
        return item

    async def flush(self) -> None:
        async with self._lock:
            if not self.buffer:
                return
            batch, self.buffer = self.buffer, []
            if self.archive is None or self.failure is not None:
                self.crawler.stats.inc_value("archive/unwritten_items", len(batch))
                return
            try:
                result = await asyncio.to_thread(
                    self.archive.store, batch, run_id=self.run_id, rules=self.rules
                )
            except ArchiveUnavailable as error:
                self._give_up(f"the archive cannot be written: {error}", batch)
                return
            self.crawler.stats.inc_value("archive/items_written", len(batch))
            self._count(result)
            logger.debug(
                "Wrote %d items (%d articles)", len(batch), sum(isinstance(i, ArticleItem) for i in batch)
            )

    def _give_up(self, reason: str, unwritten: list[Any]) -> None:
        """Stop the crawl, loudly: what is already written stays; nothing is dropped unsaid."""
        self.failure = reason
        stats = self.crawler.stats
        stats.set_value("archive/fatal", reason)
        stats.inc_value("archive/unwritten_items", len(unwritten))
        logger.error(
            "%s. %d items of this batch were not written; the crawl stops (those articles are "
            "fetched again by the next run).",
            reason,
            len(unwritten),
        )
        assert self.crawler.engine is not None
        asyncio.get_event_loop().create_task(self.crawler.engine.close_spider_async(reason="archive_error"))

    def _count(self, result: StoreResult) -> None:
        stats = self.crawler.stats
        stats.inc_value("archive/articles_new", result.new)
        stats.inc_value("archive/articles_updated", result.updated)
        stats.inc_value("archive/articles_unchanged", result.unchanged)
        stats.inc_value("archive/articles_as_alias", result.alias)
        stats.inc_value("archive/articles_merged", result.merged)
        stats.inc_value("archive/dead_urls", result.dead)
        stats.inc_value("archive/articles_gone", result.gone)
        stats.inc_value("archive/failed_urls", result.failed)
        stats.inc_value("archive/failed_urls_resolved", result.resolved)
        stats.inc_value("archive/batches")

    async def close_spider(self) -> None:
        await self.flush()

    async def engine_stopped(self) -> None:
        if self.archive is None:
            return
        stats = jsonable_stats(self.crawler.stats.get_stats())
        reason = str(stats.get("finish_reason", "unknown"))
        try:
            if self.run_id is not None:
                await asyncio.to_thread(self.archive.finish_run, self.run_id, reason, stats)
        except ArchiveUnavailable as error:
            logger.error("The crawl run's record could not be finished: %s", error)
        finally:
            await asyncio.to_thread(self.archive.release)
