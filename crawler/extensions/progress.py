"""Progress of a long walk in the log: list page N of M, articles so far, and the time left."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import statkeys as keys
from crawler.statkeys import number

logger = logging.getLogger(__name__)


def progress_line(stats: dict[str, object], elapsed: float) -> str:
    """'list page 37 of 113, 740 articles so far (650 new, 3 updated), about 12 min left'."""
    current, last = number(stats, keys.LIST_CURRENT_PAGE), number(stats, keys.LIST_LAST_PAGE)
    walked = number(stats, keys.LIST_PAGES)
    line = f"list page {current} of {last}" if last else f"list page {current}"
    line += (
        f", {number(stats, keys.ARTICLES_EXTRACTED)} articles so far"
        f" ({number(stats, keys.ARTICLES_NEW)} new, {number(stats, keys.ARTICLES_UPDATED)} updated)"
    )
    if last > current and walked and stats.get(keys.WALK_MODE) != "incremental":
        left = (last - current) * elapsed / walked
        line += f", about {_duration(left)} left"
    return line


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes / 60:.1f} h"


class CrawlProgress:
    """Logs a progress line every CHINADAILY_PROGRESS_INTERVAL seconds, and one at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.interval = crawler.settings.getfloat("CHINADAILY_PROGRESS_INTERVAL")
        if self.interval <= 0:
            raise NotConfigured("CHINADAILY_PROGRESS_INTERVAL is not positive")
        self.crawler = crawler
        self.started = time.monotonic()
        self.task: asyncio.Task[None] | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        return cls(crawler)

    def line(self) -> str:
        return progress_line(self.crawler.stats.get_stats(), time.monotonic() - self.started)

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.task = asyncio.get_event_loop().create_task(self._report())

    async def _report(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            logger.info("Progress: %s", self.line())

    async def spider_closed(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        logger.info("Progress at the end: %s", self.line())
