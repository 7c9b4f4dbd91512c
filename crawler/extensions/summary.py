"""A short human summary of a crawl in the log (verdicts by reason, what the archive gained), and its stats file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler import statkeys as keys
from crawler.statkeys import jsonable_stats, number, verdict_reasons
from crawler.verdicts import Verdict

logger = logging.getLogger(__name__)


def summarize(stats: dict[str, object]) -> str:
    """One paragraph from a crawl's stats: pages by verdict and reason, then the archive's counts."""
    by_verdict = verdict_reasons(stats)
    lines = []
    for verdict in Verdict:
        reasons = by_verdict.get(verdict)
        if reasons:
            detail = ", ".join(f"{reason} {count}" for reason, count in sorted(reasons.items()))
            lines.append(f"  {verdict}: {sum(reasons.values())} ({detail})")
    archive = [
        number(stats, key) for key in (keys.ARTICLES_NEW, keys.ARTICLES_UPDATED, keys.ARTICLES_UNCHANGED)
    ]
    lines.append(
        f"  archive: {archive[0]} new, {archive[1]} updated, {archive[2]} unchanged, "
        f"{number(stats, keys.DEAD_URLS)} dead URLs ({number(stats, keys.ARTICLES_GONE)} archived articles "
        f"gone), {number(stats, keys.FAILED_URLS)} failed"
    )
    lines.append(
        f"  extraction: {number(stats, keys.EXTRACT_FALLBACK)} by the generic extractor, "
        f"{number(stats, keys.EXTRACT_FAILED)} failed"
    )
    return "\n".join(lines)


def markdown(stats: dict[str, object]) -> str:
    """The run summary a scheduled crawl writes to its job summary: a table and the health."""
    rows = [
        ("spider", stats.get("spider_name", "")),
        ("walk", stats.get(keys.WALK_MODE, "")),
        ("finished", f"{stats.get('finish_reason', '')} at {stats.get('finish_time', '')}"),
        ("list pages walked", number(stats, keys.LIST_PAGES)),
        ("new articles", number(stats, keys.ARTICLES_NEW)),
        ("updated articles (new versions)", number(stats, keys.ARTICLES_UPDATED)),
        ("re-checked, unchanged", number(stats, keys.ARTICLES_UNCHANGED)),
        ("dead URLs", number(stats, keys.DEAD_URLS)),
        ("failed URLs (tried again next run)", number(stats, keys.FAILED_URLS)),
        ("generic-extractor fallbacks", number(stats, keys.EXTRACT_FALLBACK)),
        ("errors in the log", number(stats, keys.ERRORS_LOGGED)),
    ]
    lines = ["## Crawl summary", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    sections = stats.get(keys.SITE_SECTIONS)
    if isinstance(sections, list) and sections:
        lines += [
            "",
            f"### {len(sections)} sections",
            "",
            "| section | list pages | new articles listed | first page items | list read by |",
        ]
        lines.append("|---|---|---|---|---|")
        for path in sections:
            pages = number(stats, keys.section_key(path, "list_pages"))
            fallback = number(stats, keys.section_key(path, "fallback_pages"))
            first = stats.get(keys.section_key(path, "first_page_items"), "not read")
            reader = "generic reader" if pages and fallback == pages else "mixed" if fallback else "template"
            lines.append(
                f"| {path} | {pages} | {number(stats, keys.section_key(path, 'new_items'))} | {first} | {reader} |"
            )
    failed = stats.get(keys.HEALTH_FAILED)
    warnings = stats.get(keys.HEALTH_WARNINGS)
    if isinstance(warnings, list) and warnings:
        lines += ["", "**Worth a look:**"]
        lines += [f"- {message}" for message in warnings]
    lines.append("")
    if isinstance(failed, list) and failed:
        lines.append("**Health checks failed:**")
        lines += [f"- {message}" for message in failed]
    elif isinstance(failed, list):
        lines.append("Health checks passed.")
    return "\n".join(lines) + "\n"


class CrawlSummary:
    """Logs the summary once everything has closed, and writes the stats to ARCHIVE_STATS_FILE.

    It waits for the engine to stop: the spider_closed handlers (the archive's last batch, the
    health checks) run concurrently, and the summary must come after all of them.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats_file = crawler.settings.get("ARCHIVE_STATS_FILE") or None
        self.spider_name = ""
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummary:
        return cls(crawler)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.spider_name = spider.name

    def engine_stopped(self) -> None:
        stats = {**self.crawler.stats.get_stats(), "spider_name": self.spider_name}
        logger.info(
            "Crawl summary (%s, %s):\n%s", self.spider_name, stats.get("finish_reason"), summarize(stats)
        )
        if self.stats_file:
            Path(self.stats_file).write_text(
                json.dumps(jsonable_stats(stats), indent=1, sort_keys=True) + "\n", encoding="utf-8"
            )


if __name__ == "__main__":
    # python -m crawler.extensions.summary STATS.json: the Markdown summary of a finished crawl.
    import sys

    print(markdown(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))), end="")
