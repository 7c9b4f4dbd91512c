"""A short human summary of a crawl in the log (verdicts by reason, what the archive gained), and its stats file."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.judging import VERDICTS
from pipelines.storage import jsonable_stats

logger = logging.getLogger(__name__)


def summarize(stats: dict[str, object]) -> str:
    """One paragraph from a crawl's stats: pages by verdict and reason, then the archive's counts."""
    by_verdict: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for key, value in stats.items():
        parts = key.split("/")
        if len(parts) == 3 and parts[0] == "soft404" and parts[1] in VERDICTS and isinstance(value, int):
            by_verdict[parts[1]][parts[2]] = value
    lines = []
    for verdict in VERDICTS:
        reasons = by_verdict.get(verdict)
        if reasons:
            detail = ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items()))
            lines.append(f"  {verdict}: {sum(reasons.values())} ({detail})")

    def number(key: str) -> int:
        value = stats.get(key, 0)
        return value if isinstance(value, int) else 0

    lines.append(
        "  archive: {} new, {} updated, {} unchanged, {} dead URLs ({} archived articles gone), {} failed".format(
            number("archive/articles_new"),
            number("archive/articles_updated"),
            number("archive/articles_unchanged"),
            number("archive/dead_urls"),
            number("archive/articles_gone"),
            number("archive/failed_urls"),
        )
    )
    lines.append(
        f"  extraction: {number('extract/fallback')} by the generic extractor, {number('extract/failed')} failed"
    )
    return "\n".join(lines)


class CrawlSummary:
    """Logs the summary when the spider closes, and writes the stats to ARCHIVE_STATS_FILE if set."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats_file = crawler.settings.get("ARCHIVE_STATS_FILE") or None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        return cls(crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        logger.info("Crawl summary (%s, %s):\n%s", spider.name, reason, summarize(stats))
        if self.stats_file:
            document = jsonable_stats({**stats, "finish_reason": reason})
            Path(self.stats_file).write_text(
                json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8"
            )
