"""The progress extension (crawler/extensions/progress.py): its line, its time left, and when it is on."""

import asyncio
import logging
import time

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import statkeys as keys
from crawler.extensions.progress import CrawlProgress, progress_line


def walk_stats(current, last=None, walked=None, **more):
    """Stats of a walk at list page `current` of `last`, having walked `walked` list pages."""
    stats = {keys.LIST_CURRENT_PAGE: current, keys.LIST_PAGES: current if walked is None else walked}
    if last is not None:
        stats[keys.LIST_LAST_PAGE] = last
    return {**stats, **more}


def test_the_line_names_the_page_the_articles_and_the_time_left():
    stats = walk_stats(
        37,
        last=113,
        walked=38,
        **{keys.ARTICLES_EXTRACTED: 740, keys.ARTICLES_NEW: 650, keys.ARTICLES_UPDATED: 3},
    )
    # 76 pages left at 360 s for 38 pages walked: 720 s.
    assert progress_line(stats, elapsed=360) == (
        "list page 37 of 113, 740 articles so far (650 new, 3 updated), about 12 min left"
    )


def test_the_time_left_is_pages_left_times_the_time_per_page_walked():
    # A walk resumed at page 6: 5 pages walked in 300 s, 10 pages left.
    assert progress_line(walk_stats(10, last=20, walked=5), elapsed=300).endswith(", about 10 min left")


def test_counters_never_counted_read_as_zero():
    assert progress_line(walk_stats(2), elapsed=10) == "list page 2, 0 articles so far (0 new, 0 updated)"


@pytest.mark.parametrize(
    "stats",
    [
        pytest.param(walk_stats(5), id="last page unknown"),
        pytest.param(walk_stats(0, last=113, walked=0), id="nothing walked yet"),
        pytest.param(walk_stats(5, last=113, **{keys.WALK_MODE: "incremental"}), id="incremental walk"),
    ],
)
def test_no_time_left_is_guessed(stats):
    assert "left" not in progress_line(stats, elapsed=600)


@pytest.mark.parametrize("mode", ["backfill", "full"])
def test_a_backfill_or_full_walk_guesses_the_time_left(mode):
    assert "left" in progress_line(walk_stats(5, last=113, **{keys.WALK_MODE: mode}), elapsed=600)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(20, "less than a minute"), (12 * 60, "12 min"), (150 * 60, "2.5 h"), (5 * 3600, "5.0 h")],
)
def test_durations_are_said_in_minutes_or_hours(seconds, said):
    # One page left, one walked: the time left is the time elapsed.
    assert progress_line(walk_stats(1, last=2), elapsed=seconds).endswith(f", about {said} left")


def make_crawler(interval):
    crawler = get_crawler(Spider, {"REMOTE_CONTROL_ENABLED": False, "CHINADAILY_PROGRESS_INTERVAL": interval})
    crawler.stats.open_spider()
    return crawler


@pytest.mark.parametrize("interval", [0, -1])
def test_off_when_the_interval_is_not_positive(interval):
    with pytest.raises(NotConfigured):
        build_from_crawler(CrawlProgress, make_crawler(interval))


def test_the_extension_reads_the_crawls_stats_and_time():
    crawler = make_crawler(60)
    progress = build_from_crawler(CrawlProgress, crawler)
    crawler.stats.set_value(keys.LIST_CURRENT_PAGE, 2)
    crawler.stats.set_value(keys.LIST_LAST_PAGE, 12)
    crawler.stats.set_value(keys.LIST_PAGES, 2)
    progress.started = time.monotonic() - 600
    # 10 pages left at 300 s a page.
    assert progress.line() == "list page 2 of 12, 0 articles so far (0 new, 0 updated), about 50 min left"


def test_it_logs_every_interval_while_open_and_once_at_the_end(caplog):
    crawler = make_crawler(0.001)
    progress = build_from_crawler(CrawlProgress, crawler)
    crawler.stats.set_value(keys.LIST_CURRENT_PAGE, 4)

    async def crawl():
        progress.spider_opened()
        await asyncio.sleep(0.05)
        closing = asyncio.ensure_future(progress.spider_closed())
        # Closing stops the reporting at once: a few turns of the loop, no waiting for a timer.
        for _ in range(10):
            await asyncio.sleep(0)
        return closing.done(), progress.task

    with caplog.at_level(logging.INFO, logger="crawler.extensions.progress"):
        closed, task = asyncio.run(crawl())
    assert closed
    messages = [record.getMessage() for record in caplog.records]
    assert "Progress: list page 4, 0 articles so far (0 new, 0 updated)" in messages
    assert messages[-1] == "Progress at the end: list page 4, 0 articles so far (0 new, 0 updated)"
    assert task.cancelled()
