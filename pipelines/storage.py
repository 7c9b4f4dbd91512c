"""Item pipeline that writes crawl items to the archive in batches, off the reactor thread; the crawl's door to the archive."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured

from crawler import statkeys as keys
from crawler.items import ArticleItem
from crawler.statkeys import jsonable_stats
from pipelines.archive import STORED_ITEMS, Archive, ArchiveOptions, ArchiveUnavailable, StoreResult
from pipelines.dedup import dedup_rules

logger = logging.getLogger(__name__)
_T = TypeVar("_T")
ARCHIVE_ERROR = "archive_error"
"""The finish reason of a crawl stopped because the archive could not be read or written."""


class StoragePipeline:
    """Buffers items in arrival order and writes each batch in one transaction in a worker thread.

    Items reach the buffer in the order the spider yields them, so a crawl-state item is
    never written before the articles it vouches for. The archive it opens is the crawl's: the
    spider and the extensions use it through `use()` (or `archive`), never opening their own.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured("ARCHIVE_ENABLED is off")
        self.crawler = crawler
        self.database_url = settings.get("ARCHIVE_DATABASE_URL")
        self.batch_size = max(1, settings.getint("ARCHIVE_BATCH_SIZE"))
        self.rules = dedup_rules(settings)
        self.options = ArchiveOptions.from_settings(settings)
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.buffer: list[Any] = []
        self.failure: str | None = None
        """Why the archive cannot be used; once set, the crawl is stopping."""
        self._lock = asyncio.Lock()
        self._closing: asyncio.Task[None] | None = None
        # The run's record is finished once everything has closed, so that it holds the
        # results of the health checks, which run as the spider closes.
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        try:
            self.archive = await asyncio.to_thread(Archive.open, self.database_url, options=self.options)
            assert self.crawler.spider is not None
            self.run_id = await asyncio.to_thread(self.archive.start_run, self.crawler.spider.name)
        except ArchiveUnavailable as error:
            self._give_up(f"the archive at {self.database_url} cannot be opened: {error}", [])
            return
        self.crawler.stats.set_value(keys.ARCHIVE_RUN_ID, self.run_id)
        logger.info("Archiving to %s (crawl run %d)", self.archive.engine.url.render_as_string(), self.run_id)

    async def use(self, query: Callable[[Archive], _T]) -> _T:
        """What the crawl asks of the archive, answered in a worker thread. An archive that cannot
        answer (after its own retries) stops the crawl, which cannot know what is new: CloseSpider."""
        if self.archive is None or self.failure is not None:
            raise CloseSpider(ARCHIVE_ERROR)
        try:
            return await asyncio.to_thread(query, self.archive)
        except ArchiveUnavailable as error:
            self._give_up(f"the archive cannot be read: {error}", [])
            raise CloseSpider(ARCHIVE_ERROR) from error

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, STORED_ITEMS):
            return item
        if self.failure is not None:
            self.crawler.stats.inc_value(keys.ARCHIVE_UNWRITTEN)
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
                self.crawler.stats.inc_value(keys.ARCHIVE_UNWRITTEN, len(batch))
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
        if self.failure is not None:
            return
        self.failure = reason
        stats = self.crawler.stats
        stats.set_value(keys.ARCHIVE_FATAL, reason)
        stats.inc_value(keys.ARCHIVE_UNWRITTEN, len(unwritten))
        if unwritten:
            logger.error(
                "%s. %d items of this batch were not written; the crawl stops (those articles are "
                "fetched again by the next run).",
                reason,
                len(unwritten),
            )
        else:
            logger.error("%s; the crawl stops", reason)
        assert self.crawler.engine is not None
        # Kept, so that the task is not collected before it has closed the spider.
        self._closing = asyncio.get_event_loop().create_task(
            self.crawler.engine.close_spider_async(reason=ARCHIVE_ERROR)
        )

    def _count(self, result: StoreResult) -> None:
        stats = self.crawler.stats
        stats.inc_value(keys.ARTICLES_NEW, result.new)
        stats.inc_value(keys.ARTICLES_UPDATED, result.updated)
        stats.inc_value(keys.ARTICLES_UNCHANGED, result.unchanged)
        stats.inc_value("archive/articles_as_alias", result.alias)
        stats.inc_value("archive/articles_merged", result.merged)
        stats.inc_value(keys.DEAD_URLS, result.dead)
        stats.inc_value(keys.ARTICLES_GONE, result.gone)
        stats.inc_value(keys.FAILED_URLS, result.failed)
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
            await asyncio.to_thread(self.archive.close)
