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


def _strings(value: object) -> list[str]:
    return [str(each) for each in value] if isinstance(value, list) else []


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
        self.min_search_coverage = settings.getfloat("HEALTH_MIN_SEARCH_COVERAGE")
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HealthChecks:
        return cls(crawler)

    def check(self, stats: dict[str, object], last_new_article: datetime | None) -> list[str]:
        if statkeys.AUDIT_SOURCES in stats:
            failures = self._audit_failures(stats)
        elif statkeys.SITE_SECTIONS in stats:
            failures = self._site_failures(stats)
        else:
            failures = self._section_failures(stats)
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

    def _section_failures(self, stats: dict[str, object]) -> list[str]:
        """A one-section crawl: its first list page must have been read, with items."""
        first_page_items = stats.get(statkeys.LIST_FIRST_PAGE_ITEMS)
        if first_page_items is None:
            # In a shared run, only the worker that read the first list page can tell.
            unread = [value for key, value in stats.items() if key.endswith("/first_page_unread")]
            if unread or statkeys.SHARED_RUN not in stats:
                return [
                    "the section's first list page could not be read" + (f" ({unread[0]})" if unread else "")
                ]
        elif isinstance(first_page_items, int) and first_page_items < self.min_first_page_items:
            return [
                f"the section's first list page had {first_page_items} list items "
                f"(at least {self.min_first_page_items} expected): has the list template changed?"
            ]
        return []

    def _site_failures(self, stats: dict[str, object]) -> list[str]:
        """A crawl of many sections: the navigation must have been read, and each section's first
        list page, with items; each failure names its section."""
        failures = [
            f"the navigation page {failed} could not be read"
            for failed in _strings(stats.get(statkeys.NAVIGATION_FAILED))
        ]
        sections = _strings(stats.get(statkeys.SITE_SECTIONS))
        shared = statkeys.SHARED_RUN in stats
        if not sections and not shared:
            failures.append("the navigation showed no section to walk")
        for path in sections:
            items = stats.get(statkeys.section_key(path, "first_page_items"))
            if items is None:
                # In a shared run, only the worker that read the first list page can tell.
                why = stats.get(statkeys.section_key(path, "first_page_unread"))
                if why or not shared:
                    failures.append(
                        f"the first list page of {path} could not be read" + (f" ({why})" if why else "")
                    )
            elif isinstance(items, int) and items < self.min_first_page_items:
                failures.append(
                    f"the first list page of {path} had {items} list items "
                    f"(at least {self.min_first_page_items} expected): has the list template changed?"
                )
        return failures

    def _audit_failures(self, stats: dict[str, object]) -> list[str]:
        """An audit: the share of the search API's results that a section list had shown (the list
        walk had found them) must reach HEALTH_MIN_SEARCH_COVERAGE."""
        found = number(stats, statkeys.audit_key("search", "found"))
        listed = number(stats, statkeys.audit_key("search", "listed"))
        if found and listed / found < self.min_search_coverage:
            return [
                f"search coverage {listed / found:.1%}: {listed} of {found} articles the search API lists "
                f"were found by the list walk (at least {self.min_search_coverage:.0%} expected)"
            ]
        return []

    @staticmethod
    def warnings(stats: dict[str, object]) -> list[str]:
        """What is worth a look but fails nothing: sections read only by the generic list reader,
        sections that left the navigation."""
        found = []
        for path in _strings(stats.get(statkeys.SITE_SECTIONS)) or [""]:
            pages = number(stats, statkeys.section_key(path, "list_pages") if path else statkeys.LIST_PAGES)
            fallback = number(
                stats, statkeys.section_key(path, "fallback_pages") if path else statkeys.LIST_FALLBACK
            )
            if pages and fallback == pages:
                where = path or "the section"
                found.append(
                    f"{where} was read only by the generic list reader ({pages} list pages): "
                    "its list template is one no page object knows"
                )
        for path in _strings(stats.get(statkeys.SITE_DROPPED_SECTIONS)):
            found.append(f"{path} is no longer in the navigation: not walked, its archive kept")
        for day in _strings(stats.get(statkeys.AUDIT_FAILED_DAYS)):
            found.append(f"not audited: {day} (the next audit reads it again)")
        return found

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
        warnings = self.warnings(stats)
        for warning in warnings:
            logger.warning("Health check: %s", warning)
        self.crawler.stats.set_value(statkeys.HEALTH_WARNINGS, warnings)
        if failures:
            for failure in failures:
                logger.error("Health check failed: %s", failure)
        else:
            logger.info("Health checks passed")
        self.crawler.stats.set_value(statkeys.HEALTH_FAILED, failures)
