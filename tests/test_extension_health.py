"""The health checks after a crawl (crawler/extensions/health.py), each threshold at its boundary."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import statkeys as keys
from crawler.extensions import health
from crawler.extensions.health import HealthChecks
from crawler.statkeys import verdict_key
from crawler.verdicts import Verdict

# The documented defaults of crawler/settings.py, given here so that the boundaries below are plain.
DEFAULTS = {
    "HEALTH_ENABLED": True,
    "HEALTH_MIN_FIRST_PAGE_ITEMS": 1,
    "HEALTH_MIN_PAGES_FOR_RATES": 10,
    "HEALTH_MAX_FALLBACK_RATE": 0.25,
    "HEALTH_MAX_SOFT404_RATE": 0.5,
    "HEALTH_MAX_ERROR_RATE": 0.25,
    "HEALTH_MAX_DAYS_WITHOUT_NEW": 7,
}
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
DEAD = [Verdict.SOFT404, Verdict.HTTP_ERROR, Verdict.REDIRECT, Verdict.THIN]


def make_crawler(**settings):
    crawler = get_crawler(Spider, {"REMOTE_CONTROL_ENABLED": False, **DEFAULTS, **settings})
    crawler.stats.open_spider()
    return crawler


def checks(**settings):
    return build_from_crawler(HealthChecks, make_crawler(**settings))


def crawl(first_page_items=20, **verdicts):
    """A crawl's stats: the first list page's items and article pages per verdict (`article=9`)."""
    stats = {} if first_page_items is None else {keys.LIST_FIRST_PAGE_ITEMS: first_page_items}
    for verdict, count in verdicts.items():
        stats[verdict_key(Verdict(verdict), "some reason")] = count
    return stats


@pytest.fixture
def frozen(monkeypatch):
    """The health checks' clock stopped at NOW."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return NOW

    monkeypatch.setattr(health, "datetime", Frozen)


def test_a_healthy_crawl_passes(frozen):
    assert checks().check(crawl(article=100), NOW - timedelta(days=1)) == []


def test_off_when_disabled():
    with pytest.raises(NotConfigured):
        checks(HEALTH_ENABLED=False)


# --- The first list page -------------------------------------------------------------------


def test_a_first_list_page_never_read_fails():
    (failure,) = checks().check(crawl(first_page_items=None, article=20), None)
    assert "first list page" in failure


def test_a_worker_of_a_shared_run_may_not_have_read_the_first_list_page():
    assert checks().check({**crawl(first_page_items=None, article=20), keys.SHARED_RUN: "run-1"}, None) == []


def test_a_first_list_page_read_empty_fails_in_a_shared_run_too():
    (failure,) = checks().check({**crawl(first_page_items=0, article=20), keys.SHARED_RUN: "run-1"}, None)
    assert "first list page" in failure


@pytest.mark.parametrize(("items", "passes"), [(5, True), (4, False)])
def test_the_first_list_page_needs_the_minimum_of_items(items, passes):
    failures = checks(HEALTH_MIN_FIRST_PAGE_ITEMS=5).check(crawl(first_page_items=items, article=20), None)
    assert (failures == []) is passes
    assert all("first list page" in failure for failure in failures)


def test_by_default_one_item_on_the_first_list_page_is_enough():
    assert checks().check(crawl(first_page_items=1, article=20), None) == []
    assert len(checks().check(crawl(first_page_items=0, article=20), None)) == 1


# --- Rates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("failed", "checked"), [(9, False), (10, True)])
def test_rates_are_checked_from_the_minimum_of_article_pages_on(failed, checked):
    # Every article page failed: a 100 % error rate, which counts only from 10 pages on.
    failures = checks().check(crawl(failed=failed), None)
    assert bool(failures) is checked


def test_every_verdict_of_an_article_page_counts_towards_the_minimum():
    stats = crawl(failed=5, article=1, soft404=1, http_error=1, redirect=1, thin=1)
    (failure,) = checks().check(stats, None)
    assert "error rate" in failure  # 5 of 10 failed


def test_a_304_recheck_counts_as_an_article_page_seen():
    stats = {**crawl(failed=9), keys.RECHECK_NOT_MODIFIED: 1}
    (failure,) = checks().check(stats, None)
    assert "error rate" in failure


@pytest.mark.parametrize(("fallbacks", "passes"), [(25, True), (26, False)])
def test_fallback_rate_at_most_the_limit(fallbacks, passes):
    stats = {**crawl(article=100), keys.EXTRACT_FALLBACK: fallbacks}
    failures = checks().check(stats, None)
    assert (failures == []) is passes
    assert all("fallback" in failure for failure in failures)


def test_304_rechecks_dilute_the_fallback_rate():
    stats = {**crawl(article=10), keys.EXTRACT_FALLBACK: 3}
    assert len(checks().check(stats, None)) == 1  # 30 %
    assert checks().check({**stats, keys.RECHECK_NOT_MODIFIED: 2}, None) == []  # 25 %


@pytest.mark.parametrize("dead", DEAD, ids=str)
@pytest.mark.parametrize(("count", "passes"), [(50, True), (51, False)])
def test_dead_page_rate_at_most_the_limit(dead, count, passes):
    failures = checks().check(crawl(article=100 - count, **{dead: count}), None)
    assert (failures == []) is passes
    assert all("dead page rate" in failure for failure in failures)


def test_dead_pages_of_every_kind_add_up():
    failures = checks().check(crawl(article=49, soft404=13, http_error=13, redirect=13, thin=12), None)
    assert len(failures) == 1
    assert "dead page rate" in failures[0]


@pytest.mark.parametrize(("failed", "passes"), [(25, True), (26, False)])
def test_error_rate_at_most_the_limit(failed, passes):
    failures = checks().check(crawl(article=100 - failed, failed=failed), None)
    assert (failures == []) is passes
    assert all("error rate" in failure for failure in failures)


def test_rate_limits_come_from_the_settings():
    stats = {**crawl(article=90, failed=10), keys.EXTRACT_FALLBACK: 10}
    assert checks().check(stats, None) == []
    strict = checks(HEALTH_MAX_FALLBACK_RATE=0.05, HEALTH_MAX_ERROR_RATE=0.05, HEALTH_MIN_PAGES_FOR_RATES=100)
    assert len(strict.check(stats, None)) == 2


# --- Days without a new article ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("quiet", "passes"),
    [(timedelta(days=7), True), (timedelta(days=7, seconds=1), False)],
)
def test_no_new_article_for_longer_than_the_limit_fails(frozen, quiet, passes):
    failures = checks().check(crawl(article=20), NOW - quiet)
    assert (failures == []) is passes
    assert all("no new article" in failure for failure in failures)


def test_a_limit_of_zero_days_switches_the_news_check_off(frozen):
    assert checks(HEALTH_MAX_DAYS_WITHOUT_NEW=0).check(crawl(article=20), NOW - timedelta(days=365)) == []


def test_without_an_archive_the_news_check_is_not_made():
    assert checks().check(crawl(article=20), None) == []


# --- At the end of the crawl ----------------------------------------------------------------


def close(crawler, monkeypatch):
    """The spider_closed handler of a crawl with no storage pipeline."""
    monkeypatch.setattr(crawler, "get_item_pipeline", lambda cls: None)
    extension = build_from_crawler(HealthChecks, crawler)
    asyncio.run(extension.spider_closed(Spider("test"), "finished"))
    return crawler.stats.get_value(keys.HEALTH_FAILED)


def test_at_the_end_failures_are_kept_in_the_stats(monkeypatch):
    crawler = make_crawler()
    crawler.stats.set_value(keys.LIST_FIRST_PAGE_ITEMS, 0)
    crawler.stats.set_value(verdict_key(Verdict.FAILED, "timeout"), 10)
    failures = close(crawler, monkeypatch)
    assert len(failures) == 2
    assert "first list page" in failures[0]
    assert "error rate" in failures[1]


def test_at_the_end_a_passing_crawl_keeps_an_empty_list(monkeypatch):
    crawler = make_crawler()
    crawler.stats.set_value(keys.LIST_FIRST_PAGE_ITEMS, 20)
    crawler.stats.set_value(verdict_key(Verdict.ARTICLE, "template"), 20)
    assert close(crawler, monkeypatch) == []
