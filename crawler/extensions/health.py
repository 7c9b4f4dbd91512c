"""Health checks after a crawl: a broken list template, high fallback, soft-404 or error rates, no news."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import statkeys
from crawler.statkeys import number, verdict_counts
from crawler.verdicts import DEAD_VERDICTS, Verdict
from pipelines.archive import ArchiveUnavailable
from pipelines.storage import StoragePipeline

logger = logging.getLogger(__name__)


class HealthChecks:
    """Checks a finished crawl against HEALTH_* thresholds; failures go to the log and to the
    stat `health/failed`, which makes `scrapy crawl` exit with status 1."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("HEALTH_ENABLED"):
            raise NotConfigured("HEALTH_ENABLED is off")
        self.crawler = crawler
        self.min_first_page_items = settings.getint("HEALTH_MIN_FIRST_PAGE_ITEMS")
        self.min_pages_for_rates = settings.getint("HEALTH_MIN_PAGES_FOR_RATES")
        self.max_fallback_rate = settings.getfloat("HEALTH_MAX_FALLBACK_RATE")
        self.max_soft404_rate = settings.getfloat("HEALTH_MAX_SOFT404_RATE")
        self.max_error_rate = settings.getfloat("HEALTH_MAX_ERROR_RATE")
        self.max_days_without_new = settings.getfloat("HEALTH_MAX_DAYS_WITHOUT_NEW")
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthChecks:
        return cls(crawler)

    def check(self, stats: dict[str, object], last_new_article: datetime | None) -> list[str]:
        failures = []
        first_page_items = stats.get(statkeys.LIST_FIRST_PAGE_ITEMS)
        if first_page_items is None:
            # In a shared run, only the worker that read the first list page can tell.
            if statkeys.SHARED_RUN not in stats:
                failures.append("the section's first list page could not be read")
        elif isinstance(first_page_items, int) and first_page_items < self.min_first_page_items:
            failures.append(
                f"the section's first list page had {first_page_items} list items "
                f"(at least {self.min_first_page_items} expected): has the list template changed?"
            )
        counts = verdict_counts(stats)
        # A conditional re-check answered 304 is an article page seen alive, unjudged.
        dead = sum(counts[verdict] for verdict in DEAD_VERDICTS)
        article_pages = counts[Verdict.ARTICLE] + dead + counts[Verdict.FAILED]
        article_pages += number(stats, statkeys.RECHECK_NOT_MODIFIED)
        if article_pages >= self.min_pages_for_rates:
            rates = [
                ("extraction fallback", number(stats, statkeys.EXTRACT_FALLBACK), self.max_fallback_rate),
                ("soft-404 and dead page", dead, self.max_soft404_rate),
                ("error", counts[Verdict.FAILED], self.max_error_rate),
            ]
            for name, count, limit in rates:
                if count / article_pages > limit:
                    failures.append(
                        f"{name} rate {count / article_pages:.0%} ({count} of {article_pages} article pages) "
                        f"is above {limit:.0%}"
                    )
        if last_new_article is not None and self.max_days_without_new > 0:
            quiet = datetime.now(UTC) - last_new_article
            if quiet > timedelta(days=self.max_days_without_new):
                failures.append(
                    f"no new article archived for {quiet.days} days (limit {self.max_days_without_new:g})"
                )
        return failures

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats()
        last_new = None
        storage = self.crawler.get_item_pipeline(StoragePipeline)
        if storage is not None and storage.archive is not None and not stats.get(statkeys.ARCHIVE_FATAL):
            section = stats.get(statkeys.LIST_SECTION)
            try:
                last_new = await asyncio.to_thread(
                    storage.archive.last_new_article_at, section if isinstance(section, str) else None
                )
            except ArchiveUnavailable as error:
                logger.error("The health checks could not read the archive: %s", error)
        failures = self.check(stats, last_new)
        if failures:
            for failure in failures:
                logger.error("Health check failed: %s", failure)
        else:
            logger.info("Health checks passed")
        self.crawler.stats.set_value(statkeys.HEALTH_FAILED, failures)
